//! `module.spoke["<workspace>"]`: one instance per workspace, created by this plan. Values Azure
//! assigns at apply time (IDs, the workspace URL) are unknown, so the links between a spoke's
//! resources are the module configuration's references — one configuration shared by every
//! instance, with `count`/`for_each` saying which instance has which resource.

use super::values::{self, object, strings};
use super::{Each, Plan, Res, Spoke, DATABRICKS, HUB_RG};
use adbflow_model::{ConnectionState, Estate, PublicNetworkAccess, RequiredNsgRules, WorkspaceSku};
use serde_json::{json, Map, Value};

/// Each workspace's spoke: its VNet and the elements only it uses.
pub(crate) fn discover(e: &Estate) -> Vec<Spoke<'_>> {
    let mut out = Vec::new();
    for ws in &e.workspaces {
        let Some(vnet) = e.vnets.iter().find(|v| v.name == ws.vnet) else { continue };
        let nsg = vnet
            .subnets
            .iter()
            .find_map(|s| s.nsg.as_deref())
            .and_then(|n| e.nsgs.iter().find(|x| x.name == n));
        let route_table = vnet
            .subnets
            .iter()
            .find_map(|s| s.route_table.as_deref())
            .and_then(|n| e.route_tables.iter().find(|x| x.name == n));
        let mut accounts = Vec::new();
        let account = |n: &str| e.storage_accounts.iter().find(|a| a.name == n);
        if let Some(a) = ws.metastore_storage_account.as_deref().and_then(account) {
            accounts.push(("metastore", a));
        }
        if let Some(a) = ws.external_locations.first().and_then(|l| account(&l.storage_account)) {
            if !accounts.iter().any(|(_, x)| x.name == a.name) {
                accounts.push(("lake", a));
            }
        }
        let in_vnet = |path: &str| path.split_once('/').is_some_and(|(v, _)| v == vnet.name);
        let endpoints: Vec<_> = e.private_endpoints.iter().filter(|pe| in_vnet(&pe.subnet)).collect();
        let records = e
            .private_dns_zones
            .iter()
            .flat_map(|z| z.records.iter().map(move |r| (z.name.as_str(), r)))
            .filter(|(_, r)| accounts.iter().any(|(_, a)| a.name == r.name))
            .collect();
        out.push(Spoke {
            ws,
            vnet,
            rg: format!("rg-{}", vnet.name),
            nsg,
            route_table,
            accounts,
            endpoints,
            records,
            to_hub: e.peerings.iter().find(|p| p.vnet == vnet.name),
            from_hub: e.peerings.iter().find(|p| p.remote_vnet == vnet.name),
        });
    }
    out
}

pub(crate) fn has_unity_catalog(s: &Spoke) -> bool {
    s.ws.metastore_storage_account.is_some() || !s.ws.external_locations.is_empty()
}

/// `privatelink.dfs.core.windows.net` → `dfs`.
fn zone_sub(zone: &str) -> &str {
    zone.strip_prefix("privatelink.").and_then(|z| z.split('.').next()).unwrap_or(zone)
}

fn role_of<'s>(s: &Spoke<'s>, account: &str) -> &'static str {
    s.accounts.iter().find(|(_, a)| a.name == account).map(|(r, _)| *r).unwrap_or("other")
}

fn created(rtype: &'static str, name: &str, key: Option<Value>, each: Each) -> Res {
    let mut r = Res::new(rtype, name, key, each);
    r.create = true;
    r.unknown(&["id"]);
    r
}

fn one(rtype: &'static str, name: &str) -> Res {
    created(rtype, name, None, Each::One)
}

fn counted(rtype: &'static str, name: &str, var: &'static str) -> Res {
    created(rtype, name, Some(Value::from(0)), Each::Count(var))
}

fn keyed(rtype: &'static str, name: &str, key: &str, var: &'static str) -> Res {
    created(rtype, name, Some(Value::String(key.to_string())), Each::Keys(var))
}

/// The spoke's resources, sorted by address as Terraform lists them.
pub(crate) fn resources(p: &Plan, s: &Spoke) -> Vec<Res> {
    let region = s.ws.region.as_deref().unwrap_or(p.region);
    let rg = s.rg.as_str();
    let v = s.vnet;
    let mut out = Vec::new();
    let located = |r: &mut Res, name: &str| {
        r.set("name", name).set("location", region).set("resource_group_name", rg).set("tags", json!({}));
    };

    let mut r = one("azurerm_resource_group", "spoke");
    r.set("name", rg).set("location", region).set("tags", json!({}));
    out.push(r);

    let mut r = one("azurerm_virtual_network", "spoke");
    located(&mut r, &v.name);
    r.set("address_space", strings(&v.address_space)).set("dns_servers", strings(&v.dns_servers));
    r.unknown(&["guid", "subnet"]);
    out.push(r);

    for sub in &v.subnets {
        let mut r = keyed("azurerm_subnet", "this", &sub.name, "var.subnets");
        r.values = values::subnet(sub);
        r.set("resource_group_name", rg).set("virtual_network_name", v.name.as_str());
        out.push(r);
        if sub.nsg.is_some() && sub.nsg.as_deref() == s.nsg.map(|n| n.name.as_str()) {
            let mut r = keyed(
                "azurerm_subnet_network_security_group_association",
                "this",
                &sub.name,
                "var.nsg_subnets",
            );
            r.unknown(&["subnet_id", "network_security_group_id"]);
            out.push(r);
        }
        if sub.route_table.is_some() && sub.route_table.as_deref() == s.route_table.map(|t| t.name.as_str()) {
            let mut r =
                keyed("azurerm_subnet_route_table_association", "this", &sub.name, "var.route_table_subnets");
            r.unknown(&["subnet_id", "route_table_id"]);
            out.push(r);
        }
    }
    if let Some(n) = s.nsg {
        let mut r = one("azurerm_network_security_group", "spoke");
        located(&mut r, &n.name);
        let rules: Vec<Value> = n.rules.iter().map(|x| Value::Object(values::nsg_rule(x))).collect();
        r.set("security_rule", rules);
        out.push(r);
    }
    if let Some(t) = s.route_table {
        let mut r = one("azurerm_route_table", "spoke");
        located(&mut r, &t.name);
        r.set("bgp_route_propagation_enabled", !t.disable_bgp_route_propagation)
            .set("route", values::routes(t));
        r.unknown(&["subnets"]);
        out.push(r);
    }

    for (role, a) in &s.accounts {
        let mut r = one("azurerm_storage_account", role);
        r.values = values::storage_account(a, region, rg);
        r.unknown(&["primary_blob_endpoint", "primary_dfs_endpoint", "primary_access_key", "identity"]);
        // Subnets in a virtual-network rule are named by ID, built from the naming convention;
        // an account whose firewall names none carries it inline (a `dynamic` block).
        if a.virtual_network_rules.is_empty() {
            r.set("network_rules", json!([Value::Object(values::network_rules(p, a))]));
        } else {
            r.unknown(&["network_rules"]);
            let mut n =
                counted("azurerm_storage_account_network_rules", role, "var.storage_firewall_by_subnet");
            n.values = values::network_rules(p, a);
            n.unknown(&["storage_account_id"]);
            out.push(n);
        }
        out.push(r);
    }

    for pe in &s.endpoints {
        let block = format!("{}_{}", role_of(s, &pe.target), pe.subresource);
        let mut r = counted("azurerm_private_endpoint", &block, "var.private_endpoints");
        located(&mut r, &pe.name);
        let manual = pe.connection_state != ConnectionState::Approved;
        r.set(
            "private_service_connection",
            json!([{
                "name": format!("psc-{}", pe.name),
                "is_manual_connection": manual,
                "subresource_names": [pe.subresource],
                "request_message": if manual { "please approve" } else { "" },
            }]),
        );
        if let Some(ip) = pe.ip {
            r.set(
                "ip_configuration",
                json!([{
                    "name": "static",
                    "private_ip_address": ip.to_string(),
                    "subresource_name": pe.subresource,
                    "member_name": pe.subresource,
                }]),
            );
        }
        r.unknown(&["subnet_id", "network_interface", "custom_dns_configs", "private_dns_zone_configs"]);
        r.unknown.insert(
            "private_service_connection".into(),
            json!([{"private_connection_resource_id": true, "private_ip_address": true}]),
        );
        out.push(r);
    }
    for (zone, rec) in &s.records {
        let block = format!("{}_{}", role_of(s, &rec.name), zone_sub(zone));
        let mut r = counted("azurerm_private_dns_a_record", &block, "var.private_endpoints");
        r.set("name", rec.name.as_str())
            .set("zone_name", *zone)
            .set("resource_group_name", HUB_RG)
            .set("ttl", 300)
            .set("records", strings(&rec.ips))
            .set("tags", json!({}));
        r.unknown(&["fqdn"]);
        out.push(r);
    }

    for (block, pe) in [("to_hub", s.to_hub), ("from_hub", s.from_hub)] {
        let Some(pe) = pe else { continue };
        let mut r = if block == "to_hub" {
            let mut r = one("azurerm_virtual_network_peering", block);
            r.set("resource_group_name", rg).set("remote_virtual_network_id", p.vnet_id(&pe.remote_vnet));
            r
        } else {
            let mut r = counted("azurerm_virtual_network_peering", block, "var.hub_peering");
            r.set("resource_group_name", HUB_RG);
            r.unknown(&["remote_virtual_network_id"]);
            r
        };
        r.set("name", pe.name.as_str())
            .set("virtual_network_name", pe.vnet.as_str())
            .set("allow_virtual_network_access", pe.allow_virtual_network_access)
            .set("allow_forwarded_traffic", pe.allow_forwarded_traffic)
            .set("allow_gateway_transit", pe.allow_gateway_transit)
            .set("use_remote_gateways", pe.use_remote_gateways);
        out.push(r);
    }

    let w = s.ws;
    let mut r = one("azurerm_databricks_workspace", "this");
    located(&mut r, &w.name);
    let sku = match w.sku {
        WorkspaceSku::Standard => "standard",
        WorkspaceSku::Premium => "premium",
        WorkspaceSku::Trial => "trial",
    };
    let mut cp = object(json!({
        "no_public_ip": w.no_public_ip,
        "public_subnet_name": w.host_subnet,
        "private_subnet_name": w.container_subnet,
        "storage_account_sku_name": "Standard_ZRS",
    }));
    if let Some(dbfs) = &w.dbfs_storage_account {
        cp.insert("storage_account_name".into(), dbfs.as_str().into());
    }
    r.set("sku", sku)
        .set("managed_resource_group_name", format!("rg-{}-managed", w.name))
        .set("public_network_access_enabled", w.public_network_access == PublicNetworkAccess::Enabled)
        .set(
            "network_security_group_rules_required",
            match w.required_nsg_rules {
                RequiredNsgRules::AllRules => "AllRules",
                RequiredNsgRules::NoAzureDatabricksRules => "NoAzureDatabricksRules",
            },
        )
        .set("infrastructure_encryption_enabled", false)
        .set("custom_parameters", json!([Value::Object(cp)]));
    r.unknown(&["workspace_id", "workspace_url", "managed_resource_group_id", "disk_encryption_set_id"]);
    r.unknown.insert(
        "custom_parameters".into(),
        json!([{
            "virtual_network_id": true,
            "public_subnet_network_security_group_association_id": true,
            "private_subnet_network_security_group_association_id": true,
            "nat_gateway_name": true,
            "public_ip_name": true,
            "vnet_address_prefix": true,
        }]),
    );
    out.push(r);

    out.sort_by_cached_key(|r| r.address(""));
    out
}

fn refs(r: &[&str]) -> Value {
    json!({ "references": r })
}

fn constant(v: impl Into<Value>) -> Value {
    json!({ "constant_value": v.into() })
}

/// `azurerm_storage_account.lake.id` and its base, as Terraform records one use.
fn attr_of(target: &str, attr: &str) -> Value {
    refs(&[&format!("{target}.{attr}"), target])
}

/// The configuration of one resource block of the spoke module: the expressions the module's
/// code writes. The link attributes are what the importer follows while the IDs are unknown.
pub(crate) fn block_config(rtype: &str, name: &str, each: Each) -> Value {
    let rg = attr_of("azurerm_resource_group.spoke", "name");
    let location = refs(&["var.location"]);
    let mut x = Map::new();
    let mut put = |k: &str, v: Value| {
        x.insert(k.to_string(), v);
    };
    match rtype {
        "azurerm_resource_group" => {
            put("name", refs(&["var.resource_group_name"]));
            put("location", location);
        }
        "azurerm_virtual_network" => {
            put("name", refs(&["var.vnet_name"]));
            put("location", location);
            put("resource_group_name", rg);
            put("address_space", refs(&["var.address_space"]));
            put("dns_servers", refs(&["var.firewall_private_ip"]));
        }
        "azurerm_subnet" => {
            put("name", refs(&["each.key"]));
            put("resource_group_name", rg);
            put("virtual_network_name", attr_of("azurerm_virtual_network.spoke", "name"));
            put("address_prefixes", refs(&["each.value.address_prefixes", "each.value"]));
            put("service_endpoints", refs(&["each.value.service_endpoints", "each.value"]));
            put("default_outbound_access_enabled", constant(false));
            put("private_endpoint_network_policies", constant("Disabled"));
        }
        "azurerm_subnet_network_security_group_association" => {
            put("subnet_id", refs(&["azurerm_subnet.this", "each.key"]));
            put("network_security_group_id", attr_of("azurerm_network_security_group.spoke", "id"));
        }
        "azurerm_subnet_route_table_association" => {
            put("subnet_id", refs(&["azurerm_subnet.this", "each.key"]));
            put("route_table_id", attr_of("azurerm_route_table.spoke", "id"));
        }
        "azurerm_network_security_group" => {
            // `security_rule` is a dynamic block over var.nsg_rules: Terraform's JSON omits it.
            put("name", refs(&["var.nsg_name"]));
            put("location", location);
            put("resource_group_name", rg);
        }
        "azurerm_route_table" => {
            put("name", refs(&["var.route_table_name"]));
            put("location", location);
            put("resource_group_name", rg);
            put("bgp_route_propagation_enabled", constant(false));
        }
        "azurerm_storage_account" => {
            put("name", refs(&[&format!("var.{name}_account_name")]));
            put("location", location);
            put("resource_group_name", rg);
            put("account_kind", constant("StorageV2"));
            put("account_tier", constant("Standard"));
            put("account_replication_type", constant("ZRS"));
            put("is_hns_enabled", constant(true));
            put("public_network_access_enabled", refs(&["var.private_endpoints"]));
        }
        "azurerm_storage_account_network_rules" => {
            put("storage_account_id", attr_of(&format!("azurerm_storage_account.{name}"), "id"));
            put("default_action", constant("Deny"));
            put("bypass", constant(json!(["AzureServices"])));
            put("ip_rules", refs(&[&format!("var.{name}_ip_rules")]));
            put("virtual_network_subnet_ids", refs(&[&format!("local.{name}_subnet_ids")]));
        }
        "azurerm_private_endpoint" => {
            let (role, sub) = name.split_once('_').unwrap_or((name, ""));
            let subnet = r#"azurerm_subnet.this["private-endpoints"]"#;
            put(
                "name",
                refs(&[
                    &format!("azurerm_storage_account.{role}.name"),
                    &format!("azurerm_storage_account.{role}"),
                ]),
            );
            put("location", location);
            put("resource_group_name", rg);
            put("subnet_id", refs(&[&format!("{subnet}.id"), subnet, "azurerm_subnet.this"]));
            put(
                "private_service_connection",
                json!([{
                    "name": refs(&[&format!("azurerm_storage_account.{role}.name"), &format!("azurerm_storage_account.{role}")]),
                    "is_manual_connection": constant(false),
                    "private_connection_resource_id": attr_of(&format!("azurerm_storage_account.{role}"), "id"),
                    "subresource_names": constant(json!([sub])),
                }]),
            );
            put(
                "ip_configuration",
                json!([{
                    "name": constant("static"),
                    "private_ip_address": refs(&[&format!("local.{name}_ip")]),
                    "subresource_name": constant(sub),
                    "member_name": constant(sub),
                }]),
            );
        }
        "azurerm_private_dns_a_record" => {
            let (role, sub) = name.split_once('_').unwrap_or((name, ""));
            let pe = format!("azurerm_private_endpoint.{name}[0]");
            put("name", attr_of(&format!("azurerm_storage_account.{role}"), "name"));
            put("zone_name", refs(&[&format!("var.{sub}_zone_name")]));
            put("resource_group_name", refs(&["var.hub_resource_group_name"]));
            put("ttl", constant(300));
            put(
                "records",
                refs(&[
                    &format!("{pe}.ip_configuration[0].private_ip_address"),
                    &format!("{pe}.ip_configuration[0]"),
                    &format!("{pe}.ip_configuration"),
                    &pe,
                    &format!("azurerm_private_endpoint.{name}"),
                ]),
            );
        }
        "azurerm_virtual_network_peering" if name == "to_hub" => {
            put("name", refs(&["var.vnet_name"]));
            put("resource_group_name", rg);
            put("virtual_network_name", attr_of("azurerm_virtual_network.spoke", "name"));
            put("remote_virtual_network_id", refs(&["var.hub_vnet_id"]));
            put("allow_forwarded_traffic", constant(true));
            put("use_remote_gateways", constant(true));
        }
        "azurerm_virtual_network_peering" => {
            put("name", refs(&["var.vnet_name"]));
            put("resource_group_name", refs(&["var.hub_resource_group_name"]));
            put("virtual_network_name", refs(&["var.hub_vnet_name"]));
            put("remote_virtual_network_id", attr_of("azurerm_virtual_network.spoke", "id"));
            put("allow_forwarded_traffic", constant(true));
            put("allow_gateway_transit", constant(true));
        }
        "azurerm_databricks_workspace" => {
            put("name", refs(&["var.workspace_name"]));
            put("location", location);
            put("resource_group_name", rg);
            put("sku", constant("premium"));
            put("managed_resource_group_name", refs(&["var.workspace_name"]));
            put("public_network_access_enabled", constant(true));
            put("network_security_group_rules_required", constant("AllRules"));
            let host = r#"azurerm_subnet.this["host"]"#;
            let container = r#"azurerm_subnet.this["container"]"#;
            let assoc = "azurerm_subnet_network_security_group_association.this";
            put(
                "custom_parameters",
                json!([{
                    "no_public_ip": constant(true),
                    "virtual_network_id": attr_of("azurerm_virtual_network.spoke", "id"),
                    "public_subnet_name": refs(&[&format!("{host}.name"), host, "azurerm_subnet.this"]),
                    "private_subnet_name": refs(&[&format!("{container}.name"), container, "azurerm_subnet.this"]),
                    "public_subnet_network_security_group_association_id":
                        refs(&[&format!("{assoc}[\"host\"].id"), &format!("{assoc}[\"host\"]"), assoc]),
                    "private_subnet_network_security_group_association_id":
                        refs(&[&format!("{assoc}[\"container\"].id"), &format!("{assoc}[\"container\"]"), assoc]),
                    "storage_account_name": refs(&["var.dbfs_account_name"]),
                }]),
            );
        }
        _ => {}
    }
    let mut block = json!({
        "address": format!("{rtype}.{name}"),
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_config_key": "azurerm",
        "expressions": x,
        "schema_version": 0,
    });
    match each {
        Each::One => {}
        Each::Keys(over) => block["for_each_expression"] = refs(&[over]),
        Each::Count(var) => block["count_expression"] = refs(&[var]),
    }
    block
}

/// `module "spoke"`: the call with its arguments, and the module's configuration.
pub(crate) fn module_call(p: &Plan, resources: Vec<Value>) -> Value {
    let hub_vnet = p
        .spokes
        .iter()
        .find_map(|s| s.to_hub.map(|pe| pe.remote_vnet.clone()))
        .unwrap_or_else(|| "hub".into());
    let vnet = format!("azurerm_virtual_network.this[{}]", Value::String(hub_vnet));
    let fw =
        p.e.firewalls.first().map(|f| format!("azurerm_firewall.this[{}]", Value::String(f.name.clone())));
    let mut args = Map::new();
    args.insert("hub_vnet_id".into(), attr_of(&vnet, "id"));
    args.insert("hub_vnet_name".into(), attr_of(&vnet, "name"));
    args.insert("hub_resource_group_name".into(), attr_of("azurerm_resource_group.hub", "name"));
    if let Some(fw) = fw {
        args.insert(
            "firewall_private_ip".into(),
            refs(&[
                &format!("{fw}.ip_configuration[0].private_ip_address"),
                &format!("{fw}.ip_configuration[0]"),
                &format!("{fw}.ip_configuration"),
                &fw,
                "azurerm_firewall.this",
            ]),
        );
    }
    for v in ["location", "vnet_name", "address_space", "subnets", "nsg_rules", "routes", "workspace_name"] {
        args.insert(v.into(), refs(&[&format!("each.value.{v}"), "each.value"]));
    }
    let outputs = json!({
        "workspace_url": {"expression": attr_of("azurerm_databricks_workspace.this", "workspace_url")},
        "workspace_id": {"expression": attr_of("azurerm_databricks_workspace.this", "workspace_id")},
        "metastore_account_name": {"expression": attr_of("azurerm_storage_account.metastore", "name")},
        "lake_account_name": {"expression": attr_of("azurerm_storage_account.lake", "name")},
    });
    let variables: Map<String, Value> = [
        "location",
        "resource_group_name",
        "vnet_name",
        "address_space",
        "subnets",
        "nsg_subnets",
        "route_table_subnets",
        "nsg_name",
        "nsg_rules",
        "route_table_name",
        "routes",
        "firewall_private_ip",
        "hub_vnet_id",
        "hub_vnet_name",
        "hub_resource_group_name",
        "hub_peering",
        "private_endpoints",
        "storage_firewall_by_subnet",
        "metastore_account_name",
        "lake_account_name",
        "dbfs_account_name",
        "workspace_name",
        "blob_zone_name",
        "dfs_zone_name",
    ]
    .iter()
    .map(|v| (v.to_string(), json!({})))
    .collect();
    json!({
        "source": "./modules/spoke",
        "expressions": args,
        "for_each_expression": refs(&["local.spokes"]),
        "module": {"outputs": outputs, "resources": resources, "variables": variables},
    })
}

/// The `databricks` provider alias of one workspace: its host is the spoke's workspace URL.
pub(crate) fn provider_config(s: &Spoke, alias: &str) -> Value {
    let m = s.module();
    json!({
        "name": "databricks",
        "full_name": DATABRICKS,
        "alias": alias,
        "expressions": {
            "host": refs(&[&format!("{m}.workspace_url"), &m, "module.spoke"]),
        }
    })
}
