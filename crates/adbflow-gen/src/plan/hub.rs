//! The root module: the hub, already deployed (every value known, actions `no-op`), and the Unity
//! Catalog objects of each workspace (created, through the workspace's `databricks` provider).

use super::values::{self, strings};
use super::{address, arm_id, Each, Plan, Res, DATABRICKS, HUB_RG, SUBSCRIPTION};
use adbflow_model::{
    DnsRecord, DnsZoneLink, ExternalLocation, Firewall, FirewallPolicy, FirewallSku, Gateway, GatewayKind,
    IpGroup, NatGateway, Nsg, NsgRule, Peering, PrivateDnsZone, PublicIp, RouteTable, RuleCollectionGroup,
    Sku, StorageAccount, Subnet, ThreatIntelMode, VNet, Workspace,
};
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub(crate) enum What<'a> {
    ResourceGroup,
    VNet(&'a VNet),
    Subnet(&'a VNet, &'a Subnet),
    Nsg(&'a Nsg),
    NsgRule(&'a Nsg, &'a NsgRule),
    NsgAssoc(&'a VNet, &'a Subnet),
    RouteTable(&'a RouteTable),
    RouteTableAssoc(&'a VNet, &'a Subnet),
    PublicIp(&'a PublicIp),
    Nat(&'a NatGateway),
    NatPublicIp(&'a NatGateway, &'a str),
    NatAssoc(String, &'a str),
    Firewall(&'a Firewall),
    Policy(&'a FirewallPolicy),
    Group(&'a FirewallPolicy, &'a RuleCollectionGroup),
    IpGroup(&'a IpGroup),
    Gateway(&'a Gateway),
    Zone(&'a PrivateDnsZone),
    ZoneLink(&'a PrivateDnsZone, &'a DnsZoneLink),
    Record(&'a PrivateDnsZone, &'a DnsRecord),
    Peering(&'a Peering),
    Storage(&'a StorageAccount),
    Metastore(&'a Workspace, &'a str, String),
    ExternalLocation(&'a Workspace, &'a ExternalLocation, String),
}

/// A root resource instance, built when written.
pub(crate) struct Item<'a> {
    pub rtype: &'static str,
    pub name: String,
    pub key: Option<Value>,
    address: String,
    what: What<'a>,
}

fn key(s: impl Into<String>) -> Option<Value> {
    Some(Value::String(s.into()))
}

/// Every root resource, sorted by address as Terraform lists them.
pub(crate) fn items<'a>(p: &Plan<'a>) -> Vec<Item<'a>> {
    let e = p.e;
    let spoke_vnets: BTreeSet<&str> = p.spokes.iter().map(|s| s.vnet.name.as_str()).collect();
    let in_spoke = |vnet: &str| spoke_vnets.contains(vnet);
    let spoke_nsgs: BTreeSet<&str> = p.spokes.iter().filter_map(|s| s.nsg.map(|n| n.name.as_str())).collect();
    let spoke_rts: BTreeSet<&str> =
        p.spokes.iter().filter_map(|s| s.route_table.map(|t| t.name.as_str())).collect();
    let spoke_accounts: BTreeSet<&str> =
        p.spokes.iter().flat_map(|s| s.accounts.iter().map(|(_, a)| a.name.as_str())).collect();
    let spoke_records: BTreeSet<(&str, &str)> =
        p.spokes.iter().flat_map(|s| s.records.iter().map(|(z, r)| (*z, r.name.as_str()))).collect();
    let dbfs: BTreeSet<&str> =
        e.workspaces.iter().filter_map(|w| w.dbfs_storage_account.as_deref()).collect();

    let mut out: Vec<Item<'a>> = Vec::new();
    let mut push = |rtype: &'static str, name: &str, key: Option<Value>, what: What<'a>| {
        let address = address("", rtype, name, key.as_ref());
        out.push(Item { rtype, name: name.to_string(), key, address, what });
    };
    push("azurerm_resource_group", "hub", None, What::ResourceGroup);
    for v in e.vnets.iter().filter(|v| !in_spoke(&v.name)) {
        push("azurerm_virtual_network", "this", key(&v.name), What::VNet(v));
        for s in &v.subnets {
            let k = format!("{}/{}", v.name, s.name);
            push("azurerm_subnet", "this", key(&k), What::Subnet(v, s));
            if s.nsg.is_some() {
                push(
                    "azurerm_subnet_network_security_group_association",
                    "this",
                    key(&k),
                    What::NsgAssoc(v, s),
                );
            }
            if s.route_table.is_some() {
                push("azurerm_subnet_route_table_association", "this", key(&k), What::RouteTableAssoc(v, s));
            }
        }
    }
    for n in e.nsgs.iter().filter(|n| !spoke_nsgs.contains(n.name.as_str())) {
        push("azurerm_network_security_group", "this", key(&n.name), What::Nsg(n));
        for r in &n.rules {
            push(
                "azurerm_network_security_rule",
                "this",
                key(format!("{}/{}", n.name, r.name)),
                What::NsgRule(n, r),
            );
        }
    }
    for t in e.route_tables.iter().filter(|t| !spoke_rts.contains(t.name.as_str())) {
        push("azurerm_route_table", "this", key(&t.name), What::RouteTable(t));
    }
    for ip in &e.public_ips {
        push("azurerm_public_ip", "this", key(&ip.name), What::PublicIp(ip));
    }
    for g in &e.nat_gateways {
        push("azurerm_nat_gateway", "this", key(&g.name), What::Nat(g));
        for ip in &g.public_ips {
            let k = format!("{}/{ip}", g.name);
            push("azurerm_nat_gateway_public_ip_association", "this", key(k), What::NatPublicIp(g, ip));
        }
    }
    // NAT gateways are hub resources; a spoke subnet's association names the subnet by ID.
    for v in &e.vnets {
        for s in &v.subnets {
            if let Some(nat) = &s.nat_gateway {
                let path = format!("{}/{}", v.name, s.name);
                push(
                    "azurerm_subnet_nat_gateway_association",
                    "this",
                    key(&path),
                    What::NatAssoc(path.clone(), nat),
                );
            }
        }
    }
    for f in &e.firewalls {
        push("azurerm_firewall", "this", key(&f.name), What::Firewall(f));
    }
    for pol in &e.firewall_policies {
        push("azurerm_firewall_policy", "this", key(&pol.name), What::Policy(pol));
        for g in &pol.rule_collection_groups {
            let k = if e.firewall_policies.len() == 1 {
                g.name.clone()
            } else {
                format!("{}/{}", pol.name, g.name)
            };
            push("azurerm_firewall_policy_rule_collection_group", "this", key(k), What::Group(pol, g));
        }
    }
    for g in &e.ip_groups {
        push("azurerm_ip_group", "this", key(&g.name), What::IpGroup(g));
    }
    for g in &e.gateways {
        push("azurerm_virtual_network_gateway", "this", key(&g.name), What::Gateway(g));
    }
    for z in &e.private_dns_zones {
        push("azurerm_private_dns_zone", "this", key(&z.name), What::Zone(z));
        for l in &z.links {
            push(
                "azurerm_private_dns_zone_virtual_network_link",
                "this",
                key(format!("{}/{}", z.name, l.vnet)),
                What::ZoneLink(z, l),
            );
        }
        for r in z.records.iter().filter(|r| !spoke_records.contains(&(z.name.as_str(), r.name.as_str()))) {
            push(
                "azurerm_private_dns_a_record",
                "this",
                key(format!("{}/{}", z.name, r.name)),
                What::Record(z, r),
            );
        }
    }
    for pe in e.peerings.iter().filter(|pe| !in_spoke(&pe.vnet) && !in_spoke(&pe.remote_vnet)) {
        push("azurerm_virtual_network_peering", "this", key(&pe.name), What::Peering(pe));
    }
    for a in e.storage_accounts.iter().filter(|a| !spoke_accounts.contains(a.name.as_str())) {
        // The DBFS root account is Databricks', created with the workspace; write it only when
        // its settings are not the ones Databricks creates it with.
        if dbfs.contains(a.name.as_str()) && is_databricks_default(a) {
            continue;
        }
        push("azurerm_storage_account", "this", key(&a.name), What::Storage(a));
    }
    for s in &p.spokes {
        let alias = s.alias();
        if let Some(m) = &s.ws.metastore_storage_account {
            push("databricks_metastore", &alias, None, What::Metastore(s.ws, m, alias.clone()));
        }
        for l in &s.ws.external_locations {
            let name = format!("{alias}_{}", l.name.replace(['-', '.'], "_"));
            push("databricks_external_location", &name, None, What::ExternalLocation(s.ws, l, alias.clone()));
        }
    }
    out.sort_by(|a, b| a.address.cmp(&b.address));
    out
}

fn is_databricks_default(a: &StorageAccount) -> bool {
    a.hns
        && a.public_network_access == adbflow_model::PublicNetworkAccess::Enabled
        && a.default_action == adbflow_model::DefaultAction::Allow
        && a.virtual_network_rules.is_empty()
        && a.ip_rules.is_empty()
}

fn id(rtype: &str, name: &str) -> String {
    arm_id(HUB_RG, rtype, name)
}

fn sku(s: Sku) -> &'static str {
    match s {
        Sku::Basic => "Basic",
        Sku::Standard => "Standard",
        Sku::StandardV2 => "StandardV2",
    }
}

const NSG: &str = "Microsoft.Network/networkSecurityGroups";
const ROUTE_TABLE: &str = "Microsoft.Network/routeTables";
const PUBLIC_IP: &str = "Microsoft.Network/publicIPAddresses";
const NAT: &str = "Microsoft.Network/natGateways";
const POLICY: &str = "Microsoft.Network/firewallPolicies";
const IP_GROUP: &str = "Microsoft.Network/ipGroups";
const ZONE: &str = "Microsoft.Network/privateDnsZones";

pub(crate) fn build(p: &Plan, item: &Item) -> Res {
    let region = p.region;
    let mut r = Res::new(item.rtype, item.name.clone(), item.key.clone(), each_of(item));
    let common = |r: &mut Res, name: &str| {
        r.set("name", name).set("location", region).set("resource_group_name", HUB_RG).set("tags", json!({}));
    };
    match &item.what {
        What::ResourceGroup => {
            r.set("name", HUB_RG).set("location", region).set("tags", json!({}));
            r.set("id", format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{HUB_RG}"));
        }
        What::VNet(v) => {
            common(&mut r, &v.name);
            let vid = p.vnet_id(&v.name);
            // A deployed VNet's computed `subnet` list echoes the subnets of `azurerm_subnet`s.
            let echo: Vec<Value> = v
                .subnets
                .iter()
                .map(|s| {
                    let mut m = values::subnet(s);
                    m.remove("service_endpoint_policy_ids");
                    m.insert("id".into(), format!("{vid}/subnets/{}", s.name).into());
                    m.insert(
                        "security_group".into(),
                        s.nsg.as_deref().map(|n| id(NSG, n)).unwrap_or_default().into(),
                    );
                    m.insert(
                        "route_table_id".into(),
                        s.route_table.as_deref().map(|t| id(ROUTE_TABLE, t)).unwrap_or_default().into(),
                    );
                    m.insert("service_endpoint_policy_ids".into(), json!([]));
                    Value::Object(m)
                })
                .collect();
            r.set("address_space", strings(&v.address_space))
                .set("dns_servers", strings(&v.dns_servers))
                .set("subnet", echo)
                .set("guid", format!("{:08x}-0000-4000-8000-000000000000", fnv(&v.name)))
                .set("id", vid);
        }
        What::Subnet(v, s) => {
            r.values = values::subnet(s);
            r.set("resource_group_name", HUB_RG)
                .set("virtual_network_name", v.name.as_str())
                .set("id", p.subnet_id(&format!("{}/{}", v.name, s.name)));
        }
        What::NsgAssoc(v, s) => {
            let sid = p.subnet_id(&format!("{}/{}", v.name, s.name));
            r.set("subnet_id", sid.clone())
                .set("network_security_group_id", id(NSG, s.nsg.as_deref().unwrap_or_default()))
                .set("id", sid);
        }
        What::RouteTableAssoc(v, s) => {
            let sid = p.subnet_id(&format!("{}/{}", v.name, s.name));
            r.set("subnet_id", sid.clone())
                .set("route_table_id", id(ROUTE_TABLE, s.route_table.as_deref().unwrap_or_default()))
                .set("id", sid);
        }
        What::Nsg(n) => {
            common(&mut r, &n.name);
            // Rules managed as `azurerm_network_security_rule` are echoed by the deployed group.
            let rules: Vec<Value> = n.rules.iter().map(|x| Value::Object(values::nsg_rule(x))).collect();
            r.set("security_rule", rules).set("id", id(NSG, &n.name));
        }
        What::NsgRule(n, rule) => {
            r.values = values::nsg_rule(rule);
            r.set("resource_group_name", HUB_RG)
                .set("network_security_group_name", n.name.as_str())
                .set("id", format!("{}/securityRules/{}", id(NSG, &n.name), rule.name));
        }
        What::RouteTable(t) => {
            common(&mut r, &t.name);
            let subnets: Vec<String> =
                p.e.vnets
                    .iter()
                    .flat_map(|v| v.subnets.iter().map(move |s| (v, s)))
                    .filter(|(_, s)| s.route_table.as_deref() == Some(t.name.as_str()))
                    .map(|(v, s)| p.subnet_id(&format!("{}/{}", v.name, s.name)))
                    .collect();
            r.set("bgp_route_propagation_enabled", !t.disable_bgp_route_propagation)
                .set("route", values::routes(t))
                .set("subnets", subnets)
                .set("id", id(ROUTE_TABLE, &t.name));
        }
        What::PublicIp(ip) => {
            common(&mut r, &ip.name);
            r.set("allocation_method", "Static")
                .set("sku", sku(ip.sku))
                .set("sku_tier", "Regional")
                .set("ip_version", "IPv4")
                .set("idle_timeout_in_minutes", 4)
                .set("zones", json!(["1", "2", "3"]))
                .set("id", id(PUBLIC_IP, &ip.name));
            if let Some(a) = ip.ip {
                r.set("ip_address", a.to_string());
            }
        }
        What::Nat(g) => {
            common(&mut r, &g.name);
            r.set("sku_name", sku(g.sku))
                .set("idle_timeout_in_minutes", g.idle_timeout_minutes)
                .set("id", id(NAT, &g.name));
        }
        What::NatPublicIp(g, ip) => {
            let (nid, pid) = (id(NAT, &g.name), id(PUBLIC_IP, ip));
            r.set("nat_gateway_id", nid.clone())
                .set("public_ip_address_id", pid.clone())
                .set("id", format!("{nid}|{pid}"));
        }
        What::NatAssoc(path, nat) => {
            let sid = p.subnet_id(path);
            r.set("subnet_id", sid.clone()).set("nat_gateway_id", id(NAT, nat)).set("id", sid);
        }
        What::Firewall(f) => {
            common(&mut r, &f.name);
            let subnet = p.subnet_id(&format!("{}/AzureFirewallSubnet", f.vnet));
            let pips: Vec<Option<&str>> = if f.public_ips.is_empty() {
                vec![None]
            } else {
                f.public_ips.iter().map(|s| Some(s.as_str())).collect()
            };
            // The first configuration places the firewall; the others add public IPs.
            let configs: Vec<Value> = pips
                .iter()
                .enumerate()
                .map(|(i, pip)| {
                    json!({
                        "name": format!("ipconfig-{i}"),
                        "subnet_id": if i == 0 { subnet.clone() } else { String::new() },
                        "public_ip_address_id": pip.map(|n| id(PUBLIC_IP, n)).unwrap_or_default(),
                        "private_ip_address": if i == 0 { f.private_ip.to_string() } else { String::new() },
                    })
                })
                .collect();
            let tier = match f.sku {
                FirewallSku::Basic => "Basic",
                FirewallSku::Standard => "Standard",
                FirewallSku::Premium => "Premium",
            };
            r.set("sku_name", "AZFW_VNet")
                .set("sku_tier", tier)
                .set(
                    "firewall_policy_id",
                    f.policy.as_deref().map(|n| id(POLICY, n)).map_or(Value::Null, Value::from),
                )
                .set("ip_configuration", configs)
                .set("zones", json!(["1", "2", "3"]))
                .set("id", id("Microsoft.Network/azureFirewalls", &f.name));
        }
        What::Policy(pol) => {
            common(&mut r, &pol.name);
            let mode = match pol.threat_intel_mode {
                ThreatIntelMode::Off => "Off",
                ThreatIntelMode::Alert => "Alert",
                ThreatIntelMode::Deny => "Deny",
            };
            r.set("sku", "Premium")
                .set("dns", json!([{"proxy_enabled": pol.dns_proxy, "servers": []}]))
                .set("threat_intelligence_mode", mode)
                .set(
                    "base_policy_id",
                    pol.parent.as_deref().map(|n| id(POLICY, n)).map_or(Value::Null, Value::from),
                )
                .set("id", id(POLICY, &pol.name));
            if !pol.snat_private_ranges.is_empty() {
                r.set("private_ip_ranges", strings(&pol.snat_private_ranges));
            }
        }
        What::Group(pol, g) => {
            r.values = values::rule_collections(g, &|name| id(IP_GROUP, name));
            r.set("name", g.name.as_str())
                .set("priority", g.priority)
                .set("firewall_policy_id", id(POLICY, &pol.name))
                .set("id", format!("{}/ruleCollectionGroups/{}", id(POLICY, &pol.name), g.name));
        }
        What::IpGroup(g) => {
            common(&mut r, &g.name);
            r.set("cidrs", strings(&g.prefixes)).set("id", id(IP_GROUP, &g.name));
        }
        What::Gateway(g) => {
            common(&mut r, &g.name);
            let (kind, gw_sku) = match g.kind {
                GatewayKind::ExpressRoute => ("ExpressRoute", "ErGw1AZ"),
                GatewayKind::Vpn => ("Vpn", "VpnGw1AZ"),
            };
            r.set("type", kind)
                .set("sku", gw_sku)
                .set("vpn_type", "RouteBased")
                .set("active_active", false)
                .set("bgp_enabled", false)
                .set(
                    "ip_configuration",
                    json!([{
                        "name": "default",
                        "subnet_id": p.subnet_id(&format!("{}/GatewaySubnet", g.vnet)),
                        "public_ip_address_id": "",
                        "private_ip_address_allocation": "Dynamic",
                    }]),
                )
                .set("id", id("Microsoft.Network/virtualNetworkGateways", &g.name));
        }
        What::Zone(z) => {
            r.set("name", z.name.as_str())
                .set("resource_group_name", HUB_RG)
                .set("tags", json!({}))
                .set("number_of_record_sets", z.records.len() + 1)
                .set("id", id(ZONE, &z.name));
        }
        What::ZoneLink(z, l) => {
            r.set("name", format!("link-{}", l.vnet))
                .set("resource_group_name", HUB_RG)
                .set("private_dns_zone_name", z.name.as_str())
                .set("virtual_network_id", p.vnet_id(&l.vnet))
                .set("registration_enabled", l.registration_enabled)
                .set("resolution_policy", json!(l.resolution_policy))
                .set("tags", json!({}))
                .set("id", format!("{}/virtualNetworkLinks/link-{}", id(ZONE, &z.name), l.vnet));
        }
        What::Record(z, rec) => {
            r.set("name", rec.name.as_str())
                .set("zone_name", z.name.as_str())
                .set("resource_group_name", HUB_RG)
                .set("ttl", 300)
                .set("records", strings(&rec.ips))
                .set("fqdn", format!("{}.{}.", rec.name, z.name))
                .set("id", format!("{}/A/{}", id(ZONE, &z.name), rec.name));
        }
        What::Peering(pe) => {
            r.set("name", pe.name.as_str())
                .set("resource_group_name", HUB_RG)
                .set("virtual_network_name", pe.vnet.as_str())
                .set("remote_virtual_network_id", p.vnet_id(&pe.remote_vnet))
                .set("allow_virtual_network_access", pe.allow_virtual_network_access)
                .set("allow_forwarded_traffic", pe.allow_forwarded_traffic)
                .set("allow_gateway_transit", pe.allow_gateway_transit)
                .set("use_remote_gateways", pe.use_remote_gateways)
                .set("id", format!("{}/virtualNetworkPeerings/{}", p.vnet_id(&pe.vnet), pe.name));
        }
        What::Storage(a) => {
            r.values = values::storage_account(a, region, HUB_RG);
            let rules = Value::Object(values::network_rules(p, a));
            r.set("network_rules", json!([rules]))
                .set("id", id("Microsoft.Storage/storageAccounts", &a.name));
        }
        What::Metastore(ws, account, _) => {
            r.provider = DATABRICKS;
            r.create = true;
            r.set("name", format!("metastore-{}", ws.name))
                .set("storage_root", format!("abfss://metastore@{account}.dfs.{}/", p.storage_suffix))
                .set("region", ws.region.as_deref().unwrap_or(region))
                .set("force_destroy", false);
            r.unknown(&["id", "metastore_id", "owner", "global_metastore_id"]);
        }
        What::ExternalLocation(ws, l, _) => {
            r.provider = DATABRICKS;
            r.create = true;
            r.set("name", l.name.as_str())
                .set("url", format!("abfss://{}@{}.dfs.{}/", l.name, l.storage_account, p.storage_suffix))
                .set("credential_name", format!("uc-{}", ws.name))
                .set("comment", "created by the landing zone")
                .set("read_only", false);
            r.unknown(&["id", "owner", "isolation_mode"]);
        }
    }
    r
}

fn each_of(item: &Item) -> Each {
    match (&item.what, &item.key) {
        (_, None) => Each::One,
        (What::VNet(_), _) => Each::Keys("local.hub_vnets"),
        (What::Subnet(..), _) | (What::NsgAssoc(..), _) | (What::RouteTableAssoc(..), _) => {
            Each::Keys("local.hub_subnets")
        }
        (What::Nsg(_), _) | (What::NsgRule(..), _) => Each::Keys("local.nsgs"),
        (What::Group(..), _) | (What::Policy(_), _) | (What::Firewall(_), _) => Each::Keys("local.firewall"),
        (What::Zone(_), _) | (What::ZoneLink(..), _) | (What::Record(..), _) => Each::Keys("local.dns_zones"),
        _ => Each::Keys("local.hub"),
    }
}

/// A stable made-up GUID part.
fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

fn refs(r: &[&str]) -> Value {
    json!({ "references": r })
}

/// The configuration of a root resource block. The hub's values are all known, so nothing is
/// read from here but the Unity Catalog objects' provider; the expressions are what the hub's code
/// writes, for a plan that reads like a real one.
pub(crate) fn block_config(item: &Item) -> Value {
    let each = each_of(item);
    let mut exprs = serde_json::Map::new();
    let mut provider = "azurerm".to_string();
    match &item.what {
        What::ResourceGroup => {
            exprs.insert("name".into(), json!({"constant_value": HUB_RG}));
            exprs.insert("location".into(), refs(&["var.location"]));
        }
        What::Metastore(ws, _, alias) => {
            provider = format!("databricks.{alias}");
            let out = format!("module.spoke[{}]", Value::String(ws.name.clone()));
            exprs.insert("name".into(), json!({"constant_value": format!("metastore-{}", ws.name)}));
            exprs.insert(
                "storage_root".into(),
                refs(&[&format!("{out}.metastore_account_name"), &out, "module.spoke"]),
            );
            exprs.insert("region".into(), refs(&["var.location"]));
        }
        What::ExternalLocation(ws, l, alias) => {
            provider = format!("databricks.{alias}");
            let out = format!("module.spoke[{}]", Value::String(ws.name.clone()));
            exprs.insert("name".into(), json!({"constant_value": l.name}));
            exprs.insert("url".into(), refs(&[&format!("{out}.lake_account_name"), &out, "module.spoke"]));
        }
        _ => {
            exprs.insert("name".into(), refs(&["each.key"]));
            exprs.insert(
                "resource_group_name".into(),
                refs(&["azurerm_resource_group.hub.name", "azurerm_resource_group.hub"]),
            );
        }
    }
    let mut block = json!({
        "address": format!("{}.{}", item.rtype, item.name),
        "mode": "managed",
        "type": item.rtype,
        "name": item.name,
        "provider_config_key": provider,
        "expressions": exprs,
        "schema_version": 0,
    });
    if let Each::Keys(over) = each {
        block["for_each_expression"] = refs(&[over]);
    }
    block
}
