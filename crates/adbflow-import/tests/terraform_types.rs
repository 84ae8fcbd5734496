//! One test per mapped azurerm resource type, each in the attribute spellings of provider 3.x and
//! 4.x where they differ. Inputs are small states (concrete values, links by resource ID).

#[path = "terraform_support.rs"]
mod support;

use adbflow_model::{
    Access, AddressSpec, ConnectionState, DefaultAction, Direction, FirewallAction, GatewayKind, NextHopType,
    PortSet, PrivateEndpointNetworkPolicies as Pen, Protocol, PublicNetworkAccess, ResolutionPolicy,
    RouteDestination, RuleCollectionKind, Sku, ThreatIntelMode,
};
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use support::*;

const VNETS: &str = "Microsoft.Network/virtualNetworks";
const SUBNETS: &str = "Microsoft.Network/virtualNetworks/subnets";

fn vnet(addr: &str, name: &str, space: &[&str], extra: Value) -> Value {
    let mut v =
        json!({"id": id(VNETS, &[name]), "name": name, "location": "eastus2", "address_space": space});
    merge(&mut v, extra);
    res(addr, v)
}

fn subnet(addr: &str, vnet: &str, name: &str, prefix: &str, extra: Value) -> Value {
    let mut v = json!({"id": id(SUBNETS, &[vnet, name]), "name": name, "virtual_network_name": vnet,
                       "address_prefixes": [prefix]});
    merge(&mut v, extra);
    res(addr, v)
}

fn merge(into: &mut Value, extra: Value) {
    if let Value::Object(e) = extra {
        for (k, v) in e {
            into[k] = v;
        }
    }
}

fn named(addr: &str, provider_type: &str, name: &str, extra: Value) -> Value {
    let mut v = json!({"id": id(provider_type, &[name]), "name": name, "location": "eastus2"});
    merge(&mut v, extra);
    res(addr, v)
}

#[test]
fn virtual_network_with_inline_subnets_in_both_spellings() {
    let nsg = id("Microsoft.Network/networkSecurityGroups", &["n"]);
    let rt = id("Microsoft.Network/routeTables", &["rt"]);
    let sep = id("Microsoft.Network/serviceEndpointPolicies", &["sep"]);
    let t = import(&state(vec![
        // 3.x: `address_prefix` (singular) and `security_group` in the inline block.
        vnet(
            "azurerm_virtual_network.v3",
            "v3",
            &["10.3.0.0/16"],
            json!({"dns_servers": ["10.3.0.4", "10.3.0.5"],
            "subnet": [{"name": "a", "address_prefix": "10.3.1.0/24", "security_group": nsg, "id": id(SUBNETS, &["v3", "a"])}]}),
        ),
        // 4.x: `address_prefixes`, `route_table_id`, delegation and policies inline.
        vnet(
            "azurerm_virtual_network.v4",
            "v4",
            &["10.4.0.0/16"],
            json!({"subnet": [{
            "name": "b", "address_prefixes": ["10.4.1.0/24"], "route_table_id": rt, "security_group": "",
            "default_outbound_access_enabled": false, "private_endpoint_network_policies": "RouteTableEnabled",
            "service_endpoints": ["Microsoft.Storage", "Microsoft.KeyVault"], "service_endpoint_policy_ids": [sep],
            "delegation": [{"name": "d", "service_delegation": [{"name": "Microsoft.Databricks/workspaces", "actions": []}]}],
            "id": id(SUBNETS, &["v4", "b"])}]}),
        ),
        named(
            "azurerm_network_security_group.n",
            "Microsoft.Network/networkSecurityGroups",
            "n",
            json!({"security_rule": []}),
        ),
        named("azurerm_route_table.rt", "Microsoft.Network/routeTables", "rt", json!({"route": []})),
        named(
            "azurerm_subnet_service_endpoint_storage_policy.sep",
            "Microsoft.Network/serviceEndpointPolicies",
            "sep",
            json!({}),
        ),
    ]));
    let e = &t.estate;
    let v3 = e.vnet("v3").unwrap();
    assert_eq!(v3.dns_servers, vec![Ipv4Addr::new(10, 3, 0, 4), Ipv4Addr::new(10, 3, 0, 5)]);
    let a = &v3.subnets[0];
    assert_eq!((a.prefix.to_string().as_str(), a.nsg.as_deref()), ("10.3.1.0/24", Some("n")));
    assert_eq!(a.origin, at("azurerm_virtual_network.v3"));
    let b = e.subnet("v4/b").unwrap().subnet;
    assert_eq!(b.route_table.as_deref(), Some("rt"));
    assert_eq!(b.nsg, None);
    assert!(!b.default_outbound_access);
    assert_eq!(b.private_endpoint_network_policies, Pen::RouteTableEnabled);
    assert_eq!(b.service_endpoints, vec!["Microsoft.Storage", "Microsoft.KeyVault"]);
    assert_eq!(b.service_endpoint_policies, vec!["sep"]);
    assert_eq!(b.delegation.as_deref(), Some("Microsoft.Databricks/workspaces"));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
}

#[test]
fn subnet_private_endpoint_policies_in_every_provider_spelling() {
    let cases = [
        (json!({"private_endpoint_network_policies": "Disabled"}), Pen::Disabled),
        (json!({"private_endpoint_network_policies": "Enabled"}), Pen::Enabled),
        (
            json!({"private_endpoint_network_policies": "NetworkSecurityGroupEnabled"}),
            Pen::NetworkSecurityGroupEnabled,
        ),
        (json!({"private_endpoint_network_policies": "RouteTableEnabled"}), Pen::RouteTableEnabled),
        // 3.x boolean.
        (json!({"private_endpoint_network_policies_enabled": true}), Pen::Enabled),
        (json!({"private_endpoint_network_policies_enabled": false}), Pen::Disabled),
        // 2.x / early 3.x: `true` means the policies are *not* enforced.
        (json!({"enforce_private_link_endpoint_network_policies": true}), Pen::Disabled),
        (json!({"enforce_private_link_endpoint_network_policies": false}), Pen::Enabled),
        (json!({}), Pen::Disabled),
    ];
    for (attrs, want) in cases {
        let t = import(&state(vec![
            vnet("azurerm_virtual_network.v", "v", &["10.0.0.0/16"], json!({})),
            subnet("azurerm_subnet.s", "v", "s", "10.0.1.0/24", attrs.clone()),
        ]));
        assert_eq!(t.estate.subnet("v/s").unwrap().subnet.private_endpoint_network_policies, want, "{attrs}");
    }
}

#[test]
fn subnet_resource_reads_endpoints_policies_and_outbound_access() {
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.v", "v", &["10.0.0.0/16"], json!({})),
        subnet(
            "azurerm_subnet.s",
            "v",
            "s",
            "10.0.1.0/24",
            json!({"service_endpoints": ["Microsoft.Storage"],
            "default_outbound_access_enabled": false, "delegation": []}),
        ),
        subnet("azurerm_subnet.t", "v", "t", "10.0.2.0/24", json!({})),
    ]));
    let s = t.estate.subnet("v/s").unwrap().subnet;
    assert_eq!(s.service_endpoints, vec!["Microsoft.Storage"]);
    assert!(!s.default_outbound_access);
    assert!(t.estate.subnet("v/t").unwrap().subnet.default_outbound_access, "Azure's default when unset");
    assert_eq!(s.origin, at("azurerm_subnet.s"));
}

#[test]
fn nsg_inline_and_separate_rules_and_association() {
    let nsg_id = id("Microsoft.Network/networkSecurityGroups", &["nsg"]);
    let asg_id = id("Microsoft.Network/applicationSecurityGroups", &["web"]);
    let rule = |name: &str, priority: u32, extra: Value| {
        let mut r = json!({"name": name, "priority": priority, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "source_port_range": "*", "source_port_ranges": [], "destination_port_range": "", "destination_port_ranges": [],
            "source_address_prefix": "", "source_address_prefixes": [], "destination_address_prefix": "",
            "destination_address_prefixes": [], "source_application_security_group_ids": [],
            "destination_application_security_group_ids": [], "description": ""});
        merge(&mut r, extra);
        r
    };
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.v", "v", &["10.0.0.0/16"], json!({})),
        subnet("azurerm_subnet.s", "v", "s", "10.0.1.0/24", json!({})),
        named(
            "azurerm_application_security_group.web",
            "Microsoft.Network/applicationSecurityGroups",
            "web",
            json!({}),
        ),
        named(
            "azurerm_network_security_group.nsg",
            "Microsoft.Network/networkSecurityGroups",
            "nsg",
            json!({"security_rule": [
                rule("lists", 200, json!({"source_address_prefixes": ["10.1.0.0/16", "10.2.0.0/16"], "destination_port_ranges": ["443", "8443-8451"],
                    "destination_application_security_group_ids": [asg_id]})),
                rule("dual-stack", 300, json!({"source_address_prefixes": ["10.9.0.0/16", "fd00::/8"], "destination_address_prefix": "*",
                    "destination_port_range": "22"})),
                rule("v6-only", 310, json!({"source_address_prefix": "fd00::/8", "destination_address_prefix": "*", "destination_port_range": "22"})),
            ]}),
        ),
        res(
            "azurerm_network_security_rule.out",
            json!({"id": format!("{nsg_id}/securityRules/deny-out"), "name": "deny-out",
            "network_security_group_name": "nsg", "priority": 4000, "direction": "Outbound", "access": "Deny", "protocol": "*",
            "source_address_prefix": "*", "destination_address_prefix": "Internet", "source_port_range": "*",
            "destination_port_range": "*"}),
        ),
        res(
            "azurerm_subnet_network_security_group_association.s",
            json!({"id": id(SUBNETS, &["v", "s"]),
            "subnet_id": id(SUBNETS, &["v", "s"]), "network_security_group_id": nsg_id}),
        ),
    ]));
    let e = &t.estate;
    assert_eq!(e.subnet("v/s").unwrap().subnet.nsg.as_deref(), Some("nsg"));
    let nsg = e.nsg("nsg").unwrap();
    let names: Vec<&str> = nsg.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["lists", "dual-stack", "deny-out"],
        "the IPv6-only rule cannot apply to IPv4 traffic"
    );
    let lists = &nsg.rules[0];
    assert_eq!(
        lists.source,
        Some(AddressSpec::Prefixes(vec!["10.1.0.0/16".parse().unwrap(), "10.2.0.0/16".parse().unwrap()]))
    );
    assert_eq!(lists.destination, None);
    assert_eq!(lists.destination_asgs, vec!["web"]);
    assert!(lists.destination_ports.contains(8447) && !lists.destination_ports.contains(80));
    assert_eq!(lists.source_ports, PortSet::Any);
    assert_eq!(nsg.rules[1].source, Some(AddressSpec::Prefixes(vec!["10.9.0.0/16".parse().unwrap()])));
    let out = &nsg.rules[2];
    assert_eq!(
        (out.direction, out.access, out.protocol, out.priority),
        (Direction::Outbound, Access::Deny, Protocol::Any, 4000)
    );
    assert_eq!(out.destination, Some(AddressSpec::Tag("Internet".into())));
    assert_eq!(out.origin, at("azurerm_network_security_rule.out"));
    assert!(warned(&t.warnings, "terraform-attribute-not-interpreted", &["fd00::/8"]));
    assert!(warned(&t.warnings, "terraform-rule-left-out", &["v6-only", "IPv6"]));
    assert_eq!(t.warnings.len(), 2, "{:#?}", t.warnings);
}

#[test]
fn nsg_rule_values_azure_rejects_are_errors_naming_address_and_attribute() {
    let bad = |rule: Value| {
        from_json_err(&state(vec![named(
            "azurerm_network_security_group.nsg",
            "Microsoft.Network/networkSecurityGroups",
            "nsg",
            json!({"security_rule": [rule]}),
        )]))
    };
    let base = json!({"name": "r", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "source_address_prefix": "*", "destination_address_prefix": "*", "source_port_range": "*", "destination_port_range": "443"});
    let with = |k: &str, v: Value| {
        let mut r = base.clone();
        r[k] = v;
        r
    };
    let e = bad(with("access", json!("Permit")));
    assert!(
        e.contains("azurerm_network_security_group.nsg: security_rule[0].access") && e.contains("Permit"),
        "{e}"
    );
    let e = bad(with("destination_port_range", json!("90-80")));
    assert!(e.contains("security_rule[0].destination_port_range") && e.contains("reversed"), "{e}");
    let e = bad(with("source_address_prefix", json!("10.0.0.1/8")));
    assert!(e.contains("security_rule[0].source_address_prefix") && e.contains("host bits"), "{e}");
    let e = bad(with("protocol", json!("Gre")));
    assert!(e.contains("protocol") && e.contains("Gre"), "{e}");
}

fn from_json_err(text: &str) -> String {
    match adbflow_import::terraform::from_json(text, "main.json") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn route_tables_in_both_bgp_spellings_with_inline_and_separate_routes() {
    let rt3 = id("Microsoft.Network/routeTables", &["rt3"]);
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.v", "v", &["10.0.0.0/16"], json!({})),
        subnet("azurerm_subnet.s", "v", "s", "10.0.1.0/24", json!({})),
        // 3.x
        named(
            "azurerm_route_table.rt3",
            "Microsoft.Network/routeTables",
            "rt3",
            json!({"disable_bgp_route_propagation": true,
            "route": [{"name": "default", "address_prefix": "0.0.0.0/0", "next_hop_type": "VirtualAppliance", "next_hop_in_ip_address": "10.0.9.4"},
                      {"name": "storage", "address_prefix": "Storage.EastUS2", "next_hop_type": "Internet", "next_hop_in_ip_address": ""}]}),
        ),
        // 4.x
        named(
            "azurerm_route_table.rt4",
            "Microsoft.Network/routeTables",
            "rt4",
            json!({"bgp_route_propagation_enabled": true, "route": []}),
        ),
        res(
            "azurerm_route.drop",
            json!({"id": "x", "name": "drop", "route_table_name": "rt4", "address_prefix": "192.168.0.0/16",
            "next_hop_type": "None", "next_hop_in_ip_address": null}),
        ),
        res(
            "azurerm_subnet_route_table_association.s",
            json!({"id": id(SUBNETS, &["v", "s"]), "subnet_id": id(SUBNETS, &["v", "s"]), "route_table_id": rt3}),
        ),
    ]));
    let e = &t.estate;
    let rt3 = e.route_table("rt3").unwrap();
    assert!(rt3.disable_bgp_route_propagation);
    assert_eq!(rt3.routes[0].next_hop_ip, Some(Ipv4Addr::new(10, 0, 9, 4)));
    assert_eq!(rt3.routes[1].address_prefix, RouteDestination::Tag("Storage.EastUS2".into()));
    assert_eq!(rt3.routes[1].next_hop_type, NextHopType::Internet);
    let rt4 = e.route_table("rt4").unwrap();
    assert!(!rt4.disable_bgp_route_propagation);
    assert_eq!((rt4.routes[0].name.as_str(), rt4.routes[0].next_hop_type), ("drop", NextHopType::None));
    assert_eq!(rt4.routes[0].origin, at("azurerm_route.drop"));
    assert_eq!(e.subnet("v/s").unwrap().subnet.route_table.as_deref(), Some("rt3"));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    let e = from_json_err(&state(vec![named(
        "azurerm_route_table.x",
        "Microsoft.Network/routeTables",
        "x",
        json!({"route": [{"name": "r", "address_prefix": "0.0.0.0/0", "next_hop_type": "VNetPeering"}]}),
    )]));
    assert!(e.contains("route[0].next_hop_type") && e.contains("VNetPeering"), "{e}");
}

#[test]
fn nat_gateway_public_ips_and_prefixes() {
    let nat = id("Microsoft.Network/natGateways", &["nat"]);
    let pip = id("Microsoft.Network/publicIPAddresses", &["pip"]);
    let prefix = id("Microsoft.Network/publicIPPrefixes", &["pfx"]);
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.v", "v", &["10.0.0.0/16"], json!({})),
        subnet("azurerm_subnet.s", "v", "s", "10.0.1.0/24", json!({})),
        named(
            "azurerm_nat_gateway.nat",
            "Microsoft.Network/natGateways",
            "nat",
            json!({"sku_name": "StandardV2", "idle_timeout_in_minutes": 15}),
        ),
        named(
            "azurerm_public_ip.pip",
            "Microsoft.Network/publicIPAddresses",
            "pip",
            json!({"ip_address": "20.0.0.1", "sku": "Standard", "ip_version": "IPv4"}),
        ),
        named(
            "azurerm_public_ip.v6",
            "Microsoft.Network/publicIPAddresses",
            "v6",
            json!({"ip_address": "2603:1030::1", "sku": "Standard", "ip_version": "IPv6"}),
        ),
        named(
            "azurerm_public_ip_prefix.pfx",
            "Microsoft.Network/publicIPPrefixes",
            "pfx",
            json!({"ip_prefix": "20.0.1.0/28", "prefix_length": 28}),
        ),
        res(
            "azurerm_nat_gateway_public_ip_association.a",
            json!({"id": "a", "nat_gateway_id": nat, "public_ip_address_id": pip}),
        ),
        res(
            "azurerm_nat_gateway_public_ip_prefix_association.b",
            json!({"id": "b", "nat_gateway_id": nat, "public_ip_prefix_id": prefix}),
        ),
        res(
            "azurerm_subnet_nat_gateway_association.c",
            json!({"id": id(SUBNETS, &["v", "s"]), "subnet_id": id(SUBNETS, &["v", "s"]), "nat_gateway_id": nat}),
        ),
    ]));
    let e = &t.estate;
    let g = e.nat_gateway("nat").unwrap();
    assert_eq!((g.sku, g.idle_timeout_minutes), (Sku::StandardV2, 15));
    assert_eq!(g.public_ips, vec!["pip"]);
    assert_eq!(g.public_ip_prefixes, vec!["pfx"]);
    assert_eq!(e.public_ip("pip").unwrap().ip, Some(Ipv4Addr::new(20, 0, 0, 1)));
    assert_eq!(e.public_ip("v6").unwrap().ip, None);
    let p = e.public_ip_prefix("pfx").unwrap();
    assert_eq!((p.prefix.map(|p| p.to_string()), p.prefix_length), (Some("20.0.1.0/28".into()), Some(28)));
    assert_eq!(e.subnet("v/s").unwrap().subnet.nat_gateway.as_deref(), Some("nat"));
    assert!(warned(&t.warnings, "terraform-attribute-not-interpreted", &["ip_version", "IPv6"]));
    assert_eq!(t.warnings.len(), 1, "{:#?}", t.warnings);
}

#[test]
fn peerings_and_vnet_dns_servers_resource() {
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.a", "a", &["10.0.0.0/16"], json!({})),
        vnet("azurerm_virtual_network.b", "b", &["10.1.0.0/16"], json!({})),
        res(
            "azurerm_virtual_network_peering.ab",
            json!({"id": "p1", "name": "a-to-b", "virtual_network_name": "a",
            "remote_virtual_network_id": id(VNETS, &["b"]), "allow_virtual_network_access": true, "allow_forwarded_traffic": true,
            "allow_gateway_transit": true, "use_remote_gateways": false}),
        ),
        res(
            "azurerm_virtual_network_peering.ax",
            json!({"id": "p2", "name": "a-to-elsewhere", "virtual_network_name": "a",
            "remote_virtual_network_id": id(VNETS, &["elsewhere"])}),
        ),
        res(
            "azurerm_virtual_network_dns_servers.b",
            json!({"id": "d", "virtual_network_id": id(VNETS, &["b"]), "dns_servers": ["10.0.0.4"]}),
        ),
    ]));
    let e = &t.estate;
    assert_eq!(e.peerings.len(), 1);
    let p = &e.peerings[0];
    assert_eq!(
        (p.vnet.as_str(), p.remote_vnet.as_str(), p.allow_forwarded_traffic, p.allow_gateway_transit),
        ("a", "b", true, true)
    );
    assert!(!p.use_remote_gateways && p.allow_virtual_network_access);
    assert_eq!(e.vnet("b").unwrap().dns_servers, vec![Ipv4Addr::new(10, 0, 0, 4)]);
    assert!(warned(&t.warnings, "terraform-link-outside-input", &["remote_virtual_network_id", "elsewhere"]));
    assert_eq!(t.warnings.len(), 1, "{:#?}", t.warnings);
}

#[test]
fn gateways_take_onprem_prefixes_from_connected_local_gateways() {
    let gw = id("Microsoft.Network/virtualNetworkGateways", &["vpn"]);
    let lng = id("Microsoft.Network/localNetworkGateways", &["dc1"]);
    let pip = id("Microsoft.Network/publicIPAddresses", &["gw-ip"]);
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.v", "v", &["10.0.0.0/16"], json!({})),
        subnet("azurerm_subnet.gw", "v", "GatewaySubnet", "10.0.255.0/27", json!({})),
        named(
            "azurerm_public_ip.gw",
            "Microsoft.Network/publicIPAddresses",
            "gw-ip",
            json!({"ip_address": "20.0.0.9"}),
        ),
        named(
            "azurerm_virtual_network_gateway.vpn",
            "Microsoft.Network/virtualNetworkGateways",
            "vpn",
            json!({"type": "Vpn",
            "enable_bgp": false, "ip_configuration": [{"name": "c", "subnet_id": id(SUBNETS, &["v", "GatewaySubnet"]), "public_ip_address_id": pip}]}),
        ),
        named(
            "azurerm_virtual_network_gateway.er",
            "Microsoft.Network/virtualNetworkGateways",
            "er",
            json!({"type": "ExpressRoute",
            "ip_configuration": [{"name": "c", "subnet_id": id(SUBNETS, &["v", "GatewaySubnet"])}]}),
        ),
        named(
            "azurerm_local_network_gateway.dc1",
            "Microsoft.Network/localNetworkGateways",
            "dc1",
            json!({"address_space": ["10.10.0.0/16", "10.20.0.0/16"]}),
        ),
        named(
            "azurerm_local_network_gateway.unused",
            "Microsoft.Network/localNetworkGateways",
            "unused",
            json!({"address_space": ["10.30.0.0/16"]}),
        ),
        named(
            "azurerm_virtual_network_gateway_connection.c",
            "Microsoft.Network/connections",
            "c",
            json!({"type": "IPsec",
            "virtual_network_gateway_id": gw, "local_network_gateway_id": lng}),
        ),
    ]));
    let e = &t.estate;
    let vpn = e.gateway("vpn").unwrap();
    assert_eq!(
        (vpn.kind, vpn.vnet.as_str(), vpn.public_ip),
        (GatewayKind::Vpn, "v", Some(Ipv4Addr::new(20, 0, 0, 9)))
    );
    let p: Vec<String> = vpn.onprem_prefixes.iter().map(|p| p.to_string()).collect();
    assert_eq!(p, vec!["10.10.0.0/16", "10.20.0.0/16"]);
    assert_eq!(e.gateway("er").unwrap().kind, GatewayKind::ExpressRoute);
    assert!(warned(&t.warnings, "terraform-learned-routes-unknown", &["azurerm_virtual_network_gateway"]));
    assert!(warned(&t.warnings, "terraform-unused", &["azurerm_local_network_gateway", "not routed"]));
    assert_eq!(t.warnings.len(), 2, "{:#?}", t.warnings);
}

#[test]
fn private_endpoints_zones_links_and_records() {
    let zone = id("Microsoft.Network/privateDnsZones", &["privatelink.blob.core.windows.net"]);
    let dfs_zone = id("Microsoft.Network/privateDnsZones", &["privatelink.dfs.core.windows.net"]);
    let sa = id("Microsoft.Storage/storageAccounts", &["lake"]);
    let pe = |addr: &str, name: &str, ip: &str, sub: &str, manual: bool, zones: Vec<String>| {
        res(
            addr,
            json!({"id": name, "name": name, "subnet_id": id(SUBNETS, &["v", "pe"]),
            "ip_configuration": [],
            "private_service_connection": [{"name": "c", "is_manual_connection": manual, "private_connection_resource_id": sa,
                "subresource_names": [sub], "private_ip_address": ip, "private_connection_resource_alias": ""}],
            "private_dns_zone_group": [{"name": "default", "private_dns_zone_ids": zones}]}),
        )
    };
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.v", "v", &["10.0.0.0/16"], json!({})),
        subnet("azurerm_subnet.pe", "v", "pe", "10.0.5.0/24", json!({})),
        named(
            "azurerm_storage_account.lake",
            "Microsoft.Storage/storageAccounts",
            "lake",
            json!({"is_hns_enabled": true}),
        ),
        named(
            "azurerm_private_dns_zone.blob",
            "Microsoft.Network/privateDnsZones",
            "privatelink.blob.core.windows.net",
            json!({}),
        ),
        named(
            "azurerm_private_dns_zone.dfs",
            "Microsoft.Network/privateDnsZones",
            "privatelink.dfs.core.windows.net",
            json!({}),
        ),
        res(
            "azurerm_private_dns_zone_virtual_network_link.l3",
            json!({"id": "l3", "name": "l3",
            "private_dns_zone_name": "privatelink.blob.core.windows.net", "virtual_network_id": id(VNETS, &["v"]), "registration_enabled": false}),
        ),
        // 4.x adds `resolution_policy`.
        res(
            "azurerm_private_dns_zone_virtual_network_link.l4",
            json!({"id": "l4", "name": "l4",
            "private_dns_zone_name": "privatelink.dfs.core.windows.net", "virtual_network_id": id(VNETS, &["v"]),
            "registration_enabled": true, "resolution_policy": "NxDomainRedirect"}),
        ),
        pe(
            "azurerm_private_endpoint.blob",
            "lake-blob",
            "10.0.5.4",
            "blob",
            false,
            vec![zone.clone(), dfs_zone.clone()],
        ),
        pe("azurerm_private_endpoint.dfs", "lake-dfs", "10.0.5.5", "dfs", true, vec![dfs_zone.clone()]),
        res(
            "azurerm_private_dns_a_record.extra",
            json!({"id": "r", "name": "legacy", "zone_name": "privatelink.blob.core.windows.net",
            "records": ["10.0.5.9", "10.0.5.10"], "ttl": 300}),
        ),
        res(
            "azurerm_private_dns_cname_record.alias",
            json!({"id": "c", "name": "www", "zone_name": "privatelink.blob.core.windows.net",
            "record": "lake.privatelink.blob.core.windows.net", "ttl": 300}),
        ),
    ]));
    let e = &t.estate;
    let blob = e.private_endpoint("lake-blob").unwrap();
    assert_eq!(
        (blob.subnet.as_str(), blob.target.as_str(), blob.subresource.as_str()),
        ("v/pe", "lake", "blob")
    );
    assert_eq!(
        (blob.ip, blob.connection_state),
        (Some(Ipv4Addr::new(10, 0, 5, 4)), ConnectionState::Approved)
    );
    assert_eq!(e.private_endpoint("lake-dfs").unwrap().connection_state, ConnectionState::Pending);
    let bz = e.private_dns_zone("privatelink.blob.core.windows.net").unwrap();
    let recs: Vec<(&str, Vec<Ipv4Addr>)> =
        bz.records.iter().map(|r| (r.name.as_str(), r.ips.clone())).collect();
    // Record resources are read before endpoints, whose zone groups add theirs.
    assert_eq!(
        recs,
        vec![
            ("legacy", vec![Ipv4Addr::new(10, 0, 5, 9), Ipv4Addr::new(10, 0, 5, 10)]),
            ("lake", vec![Ipv4Addr::new(10, 0, 5, 4)]),
        ]
    );
    assert_eq!(bz.records[0].origin, at("azurerm_private_dns_a_record.extra"));
    assert_eq!(bz.records[1].origin, at("azurerm_private_endpoint.blob"));
    assert_eq!(bz.links[0].resolution_policy, ResolutionPolicy::Default);
    let dz = e.private_dns_zone("privatelink.dfs.core.windows.net").unwrap();
    assert_eq!(dz.records.len(), 1, "the blob endpoint writes no record into the dfs zone");
    assert_eq!(dz.records[0].ips, vec![Ipv4Addr::new(10, 0, 5, 5)]);
    assert!(dz.links[0].registration_enabled);
    assert_eq!(dz.links[0].resolution_policy, ResolutionPolicy::NxDomainRedirect);
    assert!(warned(&t.warnings, "terraform-zone-mismatch", &["privatelink.dfs.core.windows.net", "blob"]));
    assert!(warned(&t.warnings, "terraform-manual-connection", &["Pending"]));
    assert!(warned(&t.warnings, "terraform-cname-not-modelled", &["www.privatelink.blob.core.windows.net"]));
    assert_eq!(t.warnings.len(), 3, "{:#?}", t.warnings);
}

#[test]
fn firewall_policy_groups_and_parent() {
    let parent = id("Microsoft.Network/firewallPolicies", &["base"]);
    let child = id("Microsoft.Network/firewallPolicies", &["child"]);
    let ipg = id("Microsoft.Network/ipGroups", &["spokes"]);
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.hub", "hub", &["10.100.0.0/16"], json!({})),
        subnet("azurerm_subnet.fw", "hub", "AzureFirewallSubnet", "10.100.0.0/26", json!({})),
        named(
            "azurerm_ip_group.spokes",
            "Microsoft.Network/ipGroups",
            "spokes",
            json!({"cidrs": ["10.1.0.0/16", "10.2.0.4"]}),
        ),
        // The child is listed first: its parent link must not depend on order.
        named(
            "azurerm_firewall_policy.child",
            "Microsoft.Network/firewallPolicies",
            "child",
            json!({"base_policy_id": parent,
            "threat_intelligence_mode": "Off", "private_ip_ranges": ["10.0.0.0/8"], "dns": []}),
        ),
        named(
            "azurerm_firewall_policy.base",
            "Microsoft.Network/firewallPolicies",
            "base",
            json!({"dns": [{"proxy_enabled": true, "servers": []}]}),
        ),
        res(
            "azurerm_firewall_policy_rule_collection_group.g",
            json!({"id": "g", "name": "g", "priority": 300, "firewall_policy_id": child,
            "nat_rule_collection": [{"name": "dnat", "priority": 100, "action": "Dnat", "rule": [{"name": "ssh", "protocols": ["TCP"],
                "source_addresses": ["*"], "destination_address": "20.0.0.1", "destination_ports": ["22"],
                "translated_address": "10.1.0.4", "translated_port": "22"}]}],
            "network_rule_collection": [{"name": "net", "priority": 200, "action": "Deny", "rule": [{"name": "dns",
                "protocols": ["UDP"], "source_ip_groups": [ipg], "destination_addresses": ["*"], "destination_ports": ["53"]}]}],
            "application_rule_collection": [{"name": "app", "priority": 300, "action": "Allow", "rule": [{"name": "web",
                "protocols": [{"type": "Http", "port": 80}, {"type": "Https", "port": 443}], "source_addresses": ["10.1.0.0/16"],
                "destination_fqdns": ["*.example.com"], "destination_fqdn_tags": ["WindowsUpdate"],
                "destination_urls": ["example.com/path"], "web_categories": []}]}]}),
        ),
        named(
            "azurerm_firewall.fw",
            "Microsoft.Network/azureFirewalls",
            "fw",
            json!({"sku_tier": "Premium", "firewall_policy_id": child,
            "ip_configuration": [{"name": "c", "subnet_id": id(SUBNETS, &["hub", "AzureFirewallSubnet"]), "private_ip_address": "10.100.0.4"}]}),
        ),
    ]));
    let e = &t.estate;
    assert_eq!(
        e.ip_group("spokes").unwrap().prefixes.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        vec!["10.1.0.0/16", "10.2.0.4/32"]
    );
    let child = e.firewall_policy("child").unwrap();
    assert_eq!(child.parent.as_deref(), Some("base"));
    assert_eq!((child.threat_intel_mode, child.dns_proxy), (ThreatIntelMode::Off, false));
    assert_eq!(child.snat_private_ranges, vec!["10.0.0.0/8"]);
    assert!(e.firewall_policy("base").unwrap().dns_proxy);
    let g = &child.rule_collection_groups[0];
    assert_eq!((g.name.as_str(), g.priority), ("g", 300));
    let kinds: Vec<(RuleCollectionKind, FirewallAction)> =
        g.rule_collections.iter().map(|c| (c.kind, c.action)).collect();
    assert_eq!(
        kinds,
        vec![
            (RuleCollectionKind::Dnat, FirewallAction::Dnat),
            (RuleCollectionKind::Network, FirewallAction::Deny),
            (RuleCollectionKind::Application, FirewallAction::Allow),
        ]
    );
    let dnat = &g.rule_collections[0].rules[0];
    assert_eq!(
        (dnat.destination_addresses.clone(), dnat.translated_address, dnat.translated_port),
        (vec!["20.0.0.1".to_string()], Some(Ipv4Addr::new(10, 1, 0, 4)), Some(22))
    );
    assert_eq!(g.rule_collections[1].rules[0].source_ip_groups, vec!["spokes"]);
    let web = &g.rule_collections[2].rules[0];
    assert_eq!(web.protocols, vec!["Http:80", "Https:443"]);
    assert_eq!(
        (web.target_fqdns.clone(), web.fqdn_tags.clone()),
        (vec!["*.example.com".to_string()], vec!["WindowsUpdate".to_string()])
    );
    let fw = e.firewall("fw").unwrap();
    assert_eq!(
        (fw.sku, fw.private_ip, fw.policy.as_deref()),
        (adbflow_model::FirewallSku::Premium, Ipv4Addr::new(10, 100, 0, 4), Some("child"))
    );
    assert!(warned(
        &t.warnings,
        "terraform-attribute-not-interpreted",
        &["destination_urls", "example.com/path"]
    ));
    assert_eq!(t.warnings.len(), 1, "{:#?}", t.warnings);
}

#[test]
fn classic_rule_collections_become_a_policy_named_after_the_firewall() {
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.hub", "hub", &["10.100.0.0/16"], json!({})),
        subnet("azurerm_subnet.fw", "hub", "AzureFirewallSubnet", "10.100.0.0/26", json!({})),
        named(
            "azurerm_firewall.fw",
            "Microsoft.Network/azureFirewalls",
            "classic-fw",
            json!({"sku_tier": "Standard",
            "firewall_policy_id": "", "dns_proxy_enabled": true, "threat_intel_mode": "Deny",
            "ip_configuration": [{"name": "c", "subnet_id": id(SUBNETS, &["hub", "AzureFirewallSubnet"]), "private_ip_address": "10.100.0.4"}]}),
        ),
        res(
            "azurerm_firewall_network_rule_collection.net",
            json!({"id": "n", "name": "net", "azure_firewall_name": "classic-fw",
            "priority": 100, "action": "Allow", "rule": [{"name": "relay", "source_addresses": ["10.1.0.0/16"], "destination_addresses": ["AzureDatabricks"],
            "destination_ports": ["443"], "protocols": ["TCP"], "destination_fqdns": [], "destination_ip_groups": [], "source_ip_groups": []}]}),
        ),
        res(
            "azurerm_firewall_application_rule_collection.app",
            json!({"id": "a", "name": "app", "azure_firewall_name": "classic-fw",
            "priority": 200, "action": "Allow", "rule": [{"name": "pypi", "source_addresses": ["10.1.0.0/16"], "target_fqdns": ["pypi.org"],
            "fqdn_tags": [], "protocol": [{"port": 443, "type": "Https"}]}]}),
        ),
        res(
            "azurerm_firewall_nat_rule_collection.nat",
            json!({"id": "d", "name": "nat", "azure_firewall_name": "classic-fw",
            "priority": 300, "action": "Dnat", "rule": [{"name": "rdp", "source_addresses": ["*"], "destination_addresses": ["20.0.0.1"],
            "destination_ports": ["3389"], "protocols": ["TCP"], "translated_address": "10.1.0.5", "translated_port": "3389"}]}),
        ),
    ]));
    let e = &t.estate;
    let fw = e.firewall("classic-fw").unwrap();
    assert_eq!(fw.policy.as_deref(), Some("classic-fw"));
    let p = e.firewall_policy("classic-fw").unwrap();
    assert!(p.dns_proxy);
    assert_eq!(p.threat_intel_mode, ThreatIntelMode::Deny);
    assert_eq!(p.origin, at("azurerm_firewall.fw"));
    let cols: Vec<(&str, RuleCollectionKind, u32)> = p.rule_collection_groups[0]
        .rule_collections
        .iter()
        .map(|c| (c.name.as_str(), c.kind, c.priority))
        .collect();
    assert_eq!(
        cols,
        vec![
            ("net", RuleCollectionKind::Network, 100),
            ("app", RuleCollectionKind::Application, 200),
            ("nat", RuleCollectionKind::Dnat, 300)
        ]
    );
    assert_eq!(p.rule_collection_groups[0].rule_collections[1].rules[0].protocols, vec!["Https:443"]);
    assert_eq!(
        p.rule_collection_groups[0].rule_collections[0].origin,
        at("azurerm_firewall_network_rule_collection.net")
    );
    let classic = codes(&t.warnings, "terraform-classic-firewall-rules");
    assert_eq!(classic.len(), 1, "one warning per firewall: {classic:?}");
    assert!(classic[0].contains("'classic-fw'"));
    assert_eq!(t.warnings.len(), 1, "{:#?}", t.warnings);
}

#[test]
fn classic_collections_on_a_firewall_with_a_policy_are_left_out_with_a_warning() {
    let policy = id("Microsoft.Network/firewallPolicies", &["p"]);
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.hub", "hub", &["10.100.0.0/16"], json!({})),
        subnet("azurerm_subnet.fw", "hub", "AzureFirewallSubnet", "10.100.0.0/26", json!({})),
        named("azurerm_firewall_policy.p", "Microsoft.Network/firewallPolicies", "p", json!({})),
        named(
            "azurerm_firewall.fw",
            "Microsoft.Network/azureFirewalls",
            "fw",
            json!({"firewall_policy_id": policy,
            "ip_configuration": [{"name": "c", "subnet_id": id(SUBNETS, &["hub", "AzureFirewallSubnet"]), "private_ip_address": "10.100.0.4"}]}),
        ),
        res(
            "azurerm_firewall_network_rule_collection.net",
            json!({"id": "n", "name": "net", "azure_firewall_name": "fw",
            "priority": 100, "action": "Allow", "rule": []}),
        ),
    ]));
    assert!(t.estate.firewall_policy("p").unwrap().rule_collection_groups.is_empty());
    assert!(t.estate.firewall_policy("fw").is_none());
    assert!(warned(&t.warnings, "terraform-classic-firewall-rules", &["uses policy 'p'", "left out"]));
}

#[test]
fn storage_accounts_network_rules_in_both_forms() {
    let sa2 = id("Microsoft.Storage/storageAccounts", &["two"]);
    let rules = |extra: Value| {
        let mut r = json!({"default_action": "Deny", "bypass": ["AzureServices", "Logging"], "ip_rules": ["203.0.113.7"],
            "virtual_network_subnet_ids": [id(SUBNETS, &["v", "s"])], "private_link_access": []});
        merge(&mut r, extra);
        r
    };
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.v", "v", &["10.0.0.0/16"], json!({})),
        subnet(
            "azurerm_subnet.s",
            "v",
            "s",
            "10.0.1.0/24",
            json!({"service_endpoints": ["Microsoft.Storage"]}),
        ),
        named(
            "azurerm_storage_account.one",
            "Microsoft.Storage/storageAccounts",
            "one",
            json!({"is_hns_enabled": true,
            "public_network_access_enabled": true, "location": "westeurope",
            "network_rules": [rules(json!({"private_link_access": [{"endpoint_resource_id": "x", "endpoint_tenant_id": "t"}]}))]}),
        ),
        named(
            "azurerm_storage_account.two",
            "Microsoft.Storage/storageAccounts",
            "two",
            json!({"is_hns_enabled": false,
            "public_network_access_enabled": false, "network_rules": []}),
        ),
        res("azurerm_storage_account_network_rules.two", {
            let mut r = rules(json!({"bypass": ["None"]}));
            r["id"] = json!(sa2);
            r["storage_account_id"] = json!(sa2);
            r
        }),
    ]));
    let e = &t.estate;
    let one = e.storage_account("one").unwrap();
    assert!(one.hns);
    assert_eq!(one.region.as_deref(), Some("westeurope"), "a region other than the estate's is kept");
    assert_eq!(
        (one.public_network_access, one.default_action),
        (PublicNetworkAccess::Enabled, DefaultAction::Deny)
    );
    assert_eq!(one.virtual_network_rules, vec!["v/s"]);
    assert_eq!(one.ip_rules, vec!["203.0.113.7"]);
    assert_eq!(one.bypass, vec!["AzureServices", "Logging"]);
    let two = e.storage_account("two").unwrap();
    assert_eq!((two.hns, two.public_network_access), (false, PublicNetworkAccess::Disabled));
    assert_eq!((two.default_action, two.bypass.len()), (DefaultAction::Deny, 0));
    assert_eq!(two.virtual_network_rules, vec!["v/s"]);
    assert!(warned(
        &t.warnings,
        "terraform-attribute-not-interpreted",
        &["network_rules[0].private_link_access"]
    ));
    assert_eq!(t.warnings.len(), 1, "{:#?}", t.warnings);
}

#[test]
fn service_endpoint_policy_accounts_aliases_and_scopes() {
    let sa = id("Microsoft.Storage/storageAccounts", &["lake"]);
    let t = import(&state(vec![
        named("azurerm_storage_account.lake", "Microsoft.Storage/storageAccounts", "lake", json!({})),
        named(
            "azurerm_subnet_service_endpoint_storage_policy.p",
            "Microsoft.Network/serviceEndpointPolicies",
            "p",
            json!({"definition": [
            {"name": "accounts", "service": "Microsoft.Storage", "service_resources": [sa,
                id("Microsoft.Storage/storageAccounts", &["elsewhere"]), "/subscriptions/00000000-0000-0000-0000-000000000000"]},
            {"name": "databricks", "service": "Global", "service_resources": ["/services/Azure/Databricks"]}]}),
        ),
    ]));
    let p = t.estate.service_endpoint_policy("p").unwrap();
    assert_eq!(p.allowed_storage_accounts, vec!["lake", "elsewhere"]);
    assert!(p.allowed_aliases.is_empty(), "the Global definition is not modelled");
    assert!(warned(&t.warnings, "terraform-attribute-not-interpreted", &["whole subscription"]));
    assert!(warned(&t.warnings, "terraform-attribute-not-interpreted", &["'Global'"]));
    assert_eq!(t.warnings.len(), 2, "{:#?}", t.warnings);
}

#[test]
fn application_security_groups_and_nic_membership() {
    let asg = id("Microsoft.Network/applicationSecurityGroups", &["web"]);
    let nic = id("Microsoft.Network/networkInterfaces", &["vm-nic"]);
    let t = import(&state(vec![
        vnet("azurerm_virtual_network.v", "v", &["10.0.0.0/16"], json!({})),
        subnet("azurerm_subnet.s", "v", "s", "10.0.1.0/24", json!({})),
        named(
            "azurerm_application_security_group.web",
            "Microsoft.Network/applicationSecurityGroups",
            "web",
            json!({}),
        ),
        named(
            "azurerm_network_interface.vm",
            "Microsoft.Network/networkInterfaces",
            "vm-nic",
            json!({"ip_configuration": [
            {"name": "c", "subnet_id": id(SUBNETS, &["v", "s"]), "private_ip_address": "10.0.1.4"}]}),
        ),
        res(
            "azurerm_network_interface_application_security_group_association.a",
            json!({"id": "x",
            "network_interface_id": nic, "application_security_group_id": asg}),
        ),
    ]));
    assert_eq!(t.estate.subnet("v/s").unwrap().subnet.application_security_groups, vec!["web"]);
    assert_eq!(t.estate.asg("web").unwrap().origin, at("azurerm_application_security_group.web"));
    assert!(warned(
        &t.warnings,
        "terraform-asg-approximated",
        &["v/s", "'web'", "azurerm_network_interface.vm"]
    ));
}

// A second route table of a name is left out with its routes, and a separate route resource
// naming that table joins the one that was kept.
#[test]
fn a_route_resource_joins_the_first_table_of_its_name() {
    let t = import(&state(vec![
        named(
            "azurerm_route_table.first",
            "Microsoft.Network/routeTables",
            "rt",
            json!({"route": [{"name": "a", "address_prefix": "10.1.0.0/16", "next_hop_type": "None", "next_hop_in_ip_address": null}]}),
        ),
        named(
            "azurerm_route_table.second",
            "Microsoft.Network/routeTables",
            "rt",
            json!({"route": [{"name": "b", "address_prefix": "10.2.0.0/16", "next_hop_type": "None", "next_hop_in_ip_address": null}]}),
        ),
        res(
            "azurerm_route.c",
            json!({"id": "x", "name": "c", "route_table_name": "rt", "address_prefix": "10.3.0.0/16",
            "next_hop_type": "None", "next_hop_in_ip_address": null}),
        ),
    ]));
    let tables: Vec<_> = t.estate.route_tables.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(tables, ["rt"]);
    let routes: Vec<_> = t.estate.route_tables[0].routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(routes, ["a", "c"]);
    assert!(t.warnings.iter().any(|w| w.code == "terraform-duplicate-name"), "{:?}", t.warnings);
}
