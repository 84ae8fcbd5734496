//! Attribute values shared by the hub and the spokes: NSG rules, routes, subnets, storage
//! firewalls, rule collection groups — in the azurerm 4.x spellings the importer reads.

use super::Plan;
use adbflow_model::{
    AddressSpec, FirewallAction, FirewallRule, NsgRule, PortSet, RouteTable, RuleCollectionGroup,
    RuleCollectionKind, StorageAccount, Subnet,
};
use serde_json::{json, Map, Value};

pub(crate) fn strings<T: ToString>(items: &[T]) -> Value {
    Value::Array(items.iter().map(|s| Value::String(s.to_string())).collect())
}

pub(crate) fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("called with object literals only"),
    }
}

/// `*_port_range` and `*_port_ranges`: one range in the first, several in the second.
fn ports(p: &PortSet) -> (String, Value) {
    match p {
        PortSet::Any => ("*".into(), json!([])),
        PortSet::Ranges(r) if r.len() == 1 => (r[0].to_string(), json!([])),
        PortSet::Ranges(r) => (String::new(), strings(r)),
    }
}

/// `*_address_prefix` and `*_address_prefixes`.
fn addresses(a: &Option<AddressSpec>) -> (String, Value) {
    match a {
        None => (String::new(), json!([])),
        Some(AddressSpec::Any) => ("*".into(), json!([])),
        Some(AddressSpec::Tag(t)) => (t.clone(), json!([])),
        Some(AddressSpec::Prefixes(p)) if p.len() == 1 => (p[0].to_string(), json!([])),
        Some(AddressSpec::Prefixes(p)) => (String::new(), strings(p)),
    }
}

/// One security rule as an inline `security_rule` block writes it: every attribute present,
/// empty when unused. `azurerm_network_security_rule` has the same attributes.
pub(crate) fn nsg_rule(r: &NsgRule) -> Map<String, Value> {
    let (sp, sps) = ports(&r.source_ports);
    let (dp, dps) = ports(&r.destination_ports);
    let (sa, sas) = addresses(&r.source);
    let (da, das) = addresses(&r.destination);
    object(json!({
        "access": r.access,
        "description": r.description.clone().unwrap_or_default(),
        "destination_address_prefix": da,
        "destination_address_prefixes": das,
        "destination_application_security_group_ids": [],
        "destination_port_range": dp,
        "destination_port_ranges": dps,
        "direction": r.direction,
        "name": r.name,
        "priority": r.priority,
        "protocol": r.protocol,
        "source_address_prefix": sa,
        "source_address_prefixes": sas,
        "source_application_security_group_ids": [],
        "source_port_range": sp,
        "source_port_ranges": sps,
    }))
}

/// A route table's inline `route` blocks.
pub(crate) fn routes(t: &RouteTable) -> Value {
    Value::Array(
        t.routes
            .iter()
            .map(|r| {
                json!({
                    "name": r.name,
                    "address_prefix": r.address_prefix.to_string(),
                    "next_hop_type": r.next_hop_type.as_str(),
                    "next_hop_in_ip_address": r.next_hop_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                })
            })
            .collect(),
    )
}

/// The attributes `azurerm_subnet` and a VNet's `subnet` blocks share.
pub(crate) fn subnet(s: &Subnet) -> Map<String, Value> {
    let delegation = match &s.delegation {
        Some(service) => {
            let actions: Vec<&str> = if service == "Microsoft.Databricks/workspaces" {
                vec![
                    "Microsoft.Network/virtualNetworks/subnets/join/action",
                    "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
                    "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action",
                ]
            } else {
                vec!["Microsoft.Network/virtualNetworks/subnets/join/action"]
            };
            json!([{"name": "delegation", "service_delegation": [{"name": service, "actions": actions}]}])
        }
        None => json!([]),
    };
    object(json!({
        "name": s.name,
        "address_prefixes": [s.prefix.to_string()],
        "default_outbound_access_enabled": s.default_outbound_access,
        "delegation": delegation,
        "private_endpoint_network_policies": s.private_endpoint_network_policies,
        "private_link_service_network_policies_enabled": true,
        "service_endpoints": s.service_endpoints,
        "service_endpoint_policy_ids": null,
    }))
}

/// A storage account's firewall, as its inline `network_rules` block or the separate
/// `azurerm_storage_account_network_rules` resource writes it. Subnets are named by ID.
pub(crate) fn network_rules(p: &Plan, a: &StorageAccount) -> Map<String, Value> {
    let bypass: Vec<&str> =
        if a.bypass.is_empty() { vec!["None"] } else { a.bypass.iter().map(String::as_str).collect() };
    let subnets: Vec<String> = a.virtual_network_rules.iter().map(|s| p.subnet_id(s)).collect();
    object(json!({
        "default_action": a.default_action,
        "bypass": bypass,
        "ip_rules": a.ip_rules,
        "virtual_network_subnet_ids": subnets,
        "private_link_access": [],
    }))
}

/// The attributes of `azurerm_storage_account` apart from its firewall.
pub(crate) fn storage_account(a: &StorageAccount, region: &str, rg: &str) -> Map<String, Value> {
    object(json!({
        "name": a.name,
        "location": a.region.as_deref().unwrap_or(region),
        "resource_group_name": rg,
        "account_kind": "StorageV2",
        "account_tier": "Standard",
        "account_replication_type": "ZRS",
        "is_hns_enabled": a.hns,
        "public_network_access_enabled": a.public_network_access == adbflow_model::PublicNetworkAccess::Enabled,
        "min_tls_version": "TLS1_2",
        "shared_access_key_enabled": false,
        "tags": {},
    }))
}

fn action(a: FirewallAction) -> &'static str {
    match a {
        FirewallAction::Allow => "Allow",
        FirewallAction::Deny => "Deny",
        FirewallAction::Dnat => "Dnat",
    }
}

fn network_rule(r: &FirewallRule, ip_group: &dyn Fn(&str) -> String) -> Value {
    let ports: Vec<String> = r.destination_ports.clone().map(Vec::from).unwrap_or_default();
    json!({
        "name": r.name,
        "description": "",
        "protocols": r.protocols,
        "source_addresses": r.source_addresses,
        "source_ip_groups": r.source_ip_groups.iter().map(|g| ip_group(g)).collect::<Vec<_>>(),
        "destination_addresses": r.destination_addresses,
        "destination_ip_groups": r.destination_ip_groups.iter().map(|g| ip_group(g)).collect::<Vec<_>>(),
        "destination_fqdns": r.destination_fqdns,
        "destination_ports": ports,
    })
}

fn application_rule(r: &FirewallRule, ip_group: &dyn Fn(&str) -> String) -> Value {
    // `Https:443` is written as a `protocols { type = "Https", port = 443 }` block.
    let protocols: Vec<Value> = r
        .protocols
        .iter()
        .map(|p| match p.split_once(':') {
            Some((t, port)) => match port.parse::<u16>() {
                Ok(n) => json!({"type": t, "port": n}),
                Err(_) => json!({"type": p, "port": null}),
            },
            None => json!({"type": p, "port": null}),
        })
        .collect();
    json!({
        "name": r.name,
        "description": "",
        "protocols": protocols,
        "source_addresses": r.source_addresses,
        "source_ip_groups": r.source_ip_groups.iter().map(|g| ip_group(g)).collect::<Vec<_>>(),
        "destination_addresses": r.destination_addresses,
        "destination_fqdns": r.target_fqdns,
        "destination_fqdn_tags": r.fqdn_tags,
        "destination_urls": [],
        "terminate_tls": false,
        "web_categories": [],
    })
}

fn nat_rule(r: &FirewallRule, ip_group: &dyn Fn(&str) -> String) -> Value {
    let ports: Vec<String> = r.destination_ports.clone().map(Vec::from).unwrap_or_default();
    json!({
        "name": r.name,
        "description": "",
        "protocols": r.protocols,
        "source_addresses": r.source_addresses,
        "source_ip_groups": r.source_ip_groups.iter().map(|g| ip_group(g)).collect::<Vec<_>>(),
        "destination_address": r.destination_addresses.first().cloned().unwrap_or_default(),
        "destination_ports": ports,
        "translated_address": r.translated_address.map(|a| a.to_string()).unwrap_or_default(),
        "translated_fqdn": "",
        "translated_port": r.translated_port,
    })
}

/// The `*_rule_collection` blocks of a rule collection group, by kind.
pub(crate) fn rule_collections(
    g: &RuleCollectionGroup,
    ip_group: &dyn Fn(&str) -> String,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, kind) in [
        ("application_rule_collection", RuleCollectionKind::Application),
        ("nat_rule_collection", RuleCollectionKind::Dnat),
        ("network_rule_collection", RuleCollectionKind::Network),
    ] {
        let blocks: Vec<Value> = g
            .rule_collections
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| {
                let rules: Vec<Value> = c
                    .rules
                    .iter()
                    .map(|r| match kind {
                        RuleCollectionKind::Application => application_rule(r, ip_group),
                        RuleCollectionKind::Dnat => nat_rule(r, ip_group),
                        RuleCollectionKind::Network => network_rule(r, ip_group),
                    })
                    .collect();
                json!({"name": c.name, "priority": c.priority, "action": action(c.action), "rule": rules})
            })
            .collect();
        out.insert(key.into(), Value::Array(blocks));
    }
    out
}
