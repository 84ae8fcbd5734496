//! NSG scenarios. Each test names the domain-notes section (azure-net-semantics.md) it encodes.

use adbflow_model::{Access, Direction, Estate, Nsg, Origin, Protocol, SubnetRef};
use adbflow_net::nsg::{
    default_rules, effective_rules, evaluate, nsg_for_subnet, virtual_network_prefixes, NicKind, NsgDecision,
    Packet, PLATFORM_EXCEPTION_ID,
};
use adbflow_net::{DestAddr, ServiceTags};
use ipnet::Ipv4Net;
use serde_json::{json, Value};

/// A spoke peered with a hub (which has a VPN gateway the spoke uses), with a peer that does not
/// grant VNet access, and with a VNet whose peering back is missing.
fn estate() -> Estate {
    serde_json::from_value(json!({
        "region": "eastus2",
        "vnets": [
            {"name": "spoke", "address_space": ["10.1.0.0/16"], "subnets": [
                {"name": "host", "prefix": "10.1.1.0/24", "nsg": "ws-nsg", "application_security_groups": ["web"]},
                {"name": "container", "prefix": "10.1.2.0/24", "nsg": "ws-nsg",
                 "application_security_groups": ["db"]},
                {"name": "tunnelled", "prefix": "10.1.3.0/24", "route_table": "rt-default"},
                {"name": "pe", "prefix": "10.1.4.0/24", "nsg": "ws-nsg"},
                {"name": "pe-policies", "prefix": "10.1.5.0/24", "nsg": "ws-nsg",
                 "private_endpoint_network_policies": "NetworkSecurityGroupEnabled"}
            ]},
            {"name": "hub", "address_space": ["10.0.0.0/16"], "subnets": [{"name": "shared", "prefix": "10.0.1.0/24"}]},
            {"name": "isolated", "address_space": ["10.2.0.0/16"], "subnets": [{"name": "apps", "prefix": "10.2.1.0/24"}]},
            {"name": "onesided", "address_space": ["10.3.0.0/16"]}
        ],
        "peerings": [
            {"name": "spoke-to-hub", "vnet": "spoke", "remote_vnet": "hub", "use_remote_gateways": true},
            {"name": "hub-to-spoke", "vnet": "hub", "remote_vnet": "spoke", "allow_gateway_transit": true},
            {"name": "spoke-to-isolated", "vnet": "spoke", "remote_vnet": "isolated",
             "allow_virtual_network_access": false},
            {"name": "isolated-to-spoke", "vnet": "isolated", "remote_vnet": "spoke"},
            {"name": "spoke-to-onesided", "vnet": "spoke", "remote_vnet": "onesided"}
        ],
        "gateways": [{"name": "hub-vpn", "vnet": "hub", "kind": "Vpn", "onprem_prefixes": ["192.168.0.0/16"]}],
        "route_tables": [{"name": "rt-default", "routes": [
            {"name": "Default-NVA", "address_prefix": "0.0.0.0/0", "next_hop_type": "VirtualAppliance",
             "next_hop_ip": "10.0.1.4"}
        ]}],
        "nsgs": [{"name": "ws-nsg"}],
        "application_security_groups": [{"name": "web"}, {"name": "db"}]
    }))
    .expect("fixture estate parses")
}

fn nsg(rules: Value) -> Nsg {
    serde_json::from_value(json!({"name": "ws-nsg", "rules": rules})).expect("fixture NSG parses")
}

fn subnet<'a>(estate: &'a Estate, path: &str) -> SubnetRef<'a> {
    estate.subnet(path).expect("fixture subnet exists")
}

fn ip(s: &str) -> DestAddr {
    DestAddr::ip(s.parse().expect("fixture address"))
}

fn packet(protocol: Protocol, src: DestAddr, dst: DestAddr, dst_port: u16) -> Packet {
    Packet { src, src_port: None, dst, dst_port, protocol }
}

fn tcp(src: &str, dst: &str, port: u16) -> Packet {
    packet(Protocol::Tcp, ip(src), ip(dst), port)
}

fn storage_eastus2() -> DestAddr {
    DestAddr::symbolic(vec!["Storage.EastUS2".into()], Some("eastus2".into()))
}

fn eval(nsg: &Nsg, path: &str, direction: Direction, p: &Packet) -> NsgDecision {
    let e = estate();
    evaluate(&e, &ServiceTags::symbolic(), nsg, subnet(&e, path), direction, p)
}

fn out(nsg: &Nsg, p: &Packet) -> NsgDecision {
    eval(nsg, "spoke/host", Direction::Outbound, p)
}

fn inbound(nsg: &Nsg, p: &Packet) -> NsgDecision {
    eval(nsg, "spoke/host", Direction::Inbound, p)
}

// §2.2: six defaults, names and priorities as Azure spells them, added by the platform.
#[test]
fn default_rules_are_azures_six() {
    let d = default_rules();
    let rows: Vec<(&str, u32, Direction, Access)> =
        d.iter().map(|r| (r.name.as_str(), r.priority, r.direction, r.access)).collect();
    use Access::*;
    use Direction::*;
    assert_eq!(
        rows,
        vec![
            ("AllowVNetInBound", 65000, Inbound, Allow),
            ("AllowAzureLoadBalancerInBound", 65001, Inbound, Allow),
            ("DenyAllInbound", 65500, Inbound, Deny),
            ("AllowVnetOutBound", 65000, Outbound, Allow),
            ("AllowInternetOutBound", 65001, Outbound, Allow),
            ("DenyAllOutBound", 65500, Outbound, Deny),
        ]
    );
    assert!(d.iter().all(|r| r.origin == Some(Origin::platform("Azure")) && r.protocol == Protocol::Any));
}

// §2.1: lower priority number first, first match stops processing — whatever the input order.
#[test]
fn lowest_priority_number_decides_first() {
    let n = nsg(json!([
        {"name": "AllowWeb", "priority": 300, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
         "destination_ports": "443"},
        {"name": "DenyWeb", "priority": 200, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
         "destination_ports": ["400-500"]}
    ]));
    let d = out(&n, &tcp("10.1.1.5", "8.8.8.8", 443));
    assert_eq!((d.access, d.rule_name.as_str(), d.priority), (Access::Deny, "DenyWeb", 200));
    // Outside the deny's ports the next rule decides.
    let d = out(&n, &tcp("10.1.1.5", "8.8.8.8", 80));
    assert_eq!(d.rule_name, "AllowInternetOutBound");
}

// §2.2: with no user rules, VNet and Internet outbound are allowed; other private space is denied.
#[test]
fn defaults_allow_vnet_and_internet_outbound() {
    let n = nsg(json!([]));
    let d = out(&n, &tcp("10.1.1.5", "10.1.2.9", 22));
    assert_eq!((d.access, d.rule_name.as_str()), (Access::Allow, "AllowVnetOutBound"));
    let d = out(&n, &tcp("10.1.1.5", "151.101.0.223", 443));
    assert_eq!((d.access, d.rule_name.as_str()), (Access::Allow, "AllowInternetOutBound"));
    let d = out(&n, &packet(Protocol::Tcp, ip("10.1.1.5"), storage_eastus2(), 443));
    assert_eq!(d.rule_name, "AllowInternetOutBound", "a public Azure address is in Internet (§2.5)");
    // 10.9.0.0 is private, outside every VNet: neither VirtualNetwork nor Internet.
    let d = out(&n, &tcp("10.1.1.5", "10.9.0.1", 443));
    assert_eq!((d.access, d.rule_name.as_str()), (Access::Deny, "DenyAllOutBound"));
}

// §2.2: inbound from the internet falls through to DenyAllInbound; VNet-internal is allowed.
#[test]
fn defaults_deny_inbound_from_internet() {
    let n = nsg(json!([]));
    let d = inbound(&n, &tcp("203.0.113.7", "10.1.1.5", 22));
    assert_eq!((d.access, d.rule_name.as_str(), d.priority), (Access::Deny, "DenyAllInbound", 65500));
    let d = inbound(&n, &tcp("10.1.2.9", "10.1.1.5", 22));
    assert_eq!((d.access, d.rule_name.as_str()), (Access::Allow, "AllowVNetInBound"));
    // Outbound rules play no part inbound.
    let deny_out =
        nsg(json!([{"name": "DenyOut", "priority": 100, "direction": "Outbound", "access": "Deny",
                               "protocol": "*"}]));
    assert_eq!(inbound(&deny_out, &tcp("10.1.2.9", "10.1.1.5", 22)).access, Access::Allow);
}

// §2.1/§2.2: a user deny at the lowest precedence (4096) still precedes every default rule.
#[test]
fn user_deny_at_4096_beats_defaults() {
    let n =
        nsg(json!([{"name": "DenyEverything", "priority": 4096, "direction": "Outbound", "access": "Deny",
                        "protocol": "*", "source": "*", "destination": "*"}]));
    let d = out(&n, &tcp("10.1.1.5", "10.1.2.9", 22));
    assert_eq!((d.access, d.rule_name.as_str(), d.priority), (Access::Deny, "DenyEverything", 4096));
    assert_eq!(d.rule.id, "nsg-rule:ws-nsg/DenyEverything");
}

// §2.5 + §3: regional tags narrow a service tag; a Storage.EastUS2 address is in `Storage` but not `Sql`.
#[test]
fn service_tag_rules_follow_the_tag_hierarchy() {
    let n = nsg(json!([
        {"name": "AllowSql", "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
         "destination": "Sql", "destination_ports": "1433"},
        {"name": "DenyStorage", "priority": 200, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
         "destination": "Storage", "destination_ports": "443"},
        {"name": "DenyStorageWestEurope", "priority": 150, "direction": "Outbound", "access": "Deny",
         "protocol": "Tcp", "destination": "Storage.WestEurope", "destination_ports": "443"}
    ]));
    let d = out(&n, &packet(Protocol::Tcp, ip("10.1.1.5"), storage_eastus2(), 443));
    assert_eq!((d.access, d.rule_name.as_str()), (Access::Deny, "DenyStorage"));
    let sql = DestAddr::symbolic(vec!["Sql.EastUS2".into()], Some("eastus2".into()));
    let d = out(&n, &packet(Protocol::Tcp, ip("10.1.1.5"), sql, 1433));
    assert_eq!(d.rule_name, "AllowSql");
}

// §3: with the tag data file, an exact IP is matched by the published prefixes.
#[test]
fn exact_tag_file_matches_ips() {
    let file = r#"{"changeNumber": 1, "cloud": "Public", "values": [
        {"name": "Storage", "id": "Storage", "properties": {"changeNumber": 1, "region": "", "regionId": 0,
         "platform": "Azure", "systemService": "AzureStorage", "addressPrefixes": ["20.60.0.0/16"],
         "networkFeatures": null}}]}"#;
    let tags = ServiceTags::from_json("tags.json", file).unwrap();
    let n = nsg(json!([{"name": "DenyStorage", "priority": 100, "direction": "Outbound", "access": "Deny",
                        "protocol": "Tcp", "destination": "Storage"}]));
    let e = estate();
    let host = subnet(&e, "spoke/host");
    let hit = evaluate(&e, &tags, &n, host, Direction::Outbound, &tcp("10.1.1.5", "20.60.1.2", 443));
    assert_eq!(hit.rule_name, "DenyStorage");
    let miss = evaluate(&e, &tags, &n, host, Direction::Outbound, &tcp("10.1.1.5", "20.61.1.2", 443));
    assert_eq!(miss.rule_name, "AllowInternetOutBound");
}

// §2.5: peered space is in VirtualNetwork only with allow_virtual_network_access on this side and
// a Connected peering; a gateway used through use_remote_gateways brings its on-prem prefixes.
#[test]
fn virtual_network_holds_peers_with_access_and_remote_gateway_prefixes() {
    let e = estate();
    let set = virtual_network_prefixes(&e, subnet(&e, "spoke/host"));
    let net = |s: &str| s.parse::<Ipv4Net>().unwrap();
    for inside in ["10.1.0.0/16", "10.0.0.0/16", "192.168.0.0/16", "168.63.129.16/32"] {
        assert!(set.contains(&net(inside)), "{inside} belongs to VirtualNetwork: {set:?}");
    }
    assert!(!set.contains(&net("10.2.0.0/16")), "peering without VNet access");
    assert!(!set.contains(&net("10.3.0.0/16")), "peering not Connected (no way back)");

    let n = nsg(json!([]));
    assert_eq!(out(&n, &tcp("10.1.1.5", "10.0.1.4", 443)).rule_name, "AllowVnetOutBound");
    assert_eq!(out(&n, &tcp("10.1.1.5", "192.168.7.7", 443)).rule_name, "AllowVnetOutBound");
    assert_eq!(out(&n, &tcp("10.1.1.5", "10.2.1.4", 443)).rule_name, "DenyAllOutBound");
    assert_eq!(inbound(&n, &tcp("10.2.1.4", "10.1.1.5", 22)).rule_name, "DenyAllInbound");
}

// §2.5: UDR prefixes join VirtualNetwork; a 0.0.0.0/0 UDR makes it match everything, even
// inbound from the internet — Azure documents this consequence.
#[test]
fn default_udr_makes_virtual_network_match_everything() {
    let n = nsg(json!([]));
    let d = eval(&n, "spoke/tunnelled", Direction::Inbound, &tcp("203.0.113.7", "10.1.3.5", 22));
    assert_eq!((d.access, d.rule_name.as_str()), (Access::Allow, "AllowVNetInBound"));
    // Without the route table the same packet is denied.
    assert_eq!(inbound(&n, &tcp("203.0.113.7", "10.1.1.5", 22)).access, Access::Deny);
}

// §2.5 (Internet): forced tunnelling does not take public space out of Internet, so a rule on
// Internet still catches public addresses on a subnet with a 0/0 UDR.
#[test]
fn internet_still_matches_public_addresses_under_default_udr() {
    let n = nsg(json!([{"name": "DenyInternet", "priority": 100, "direction": "Outbound", "access": "Deny",
                        "protocol": "*", "destination": "Internet"}]));
    let d = eval(&n, "spoke/tunnelled", Direction::Outbound, &tcp("10.1.3.5", "8.8.8.8", 53));
    assert_eq!(d.rule_name, "DenyInternet");
    let sym = packet(Protocol::Tcp, ip("10.1.3.5"), storage_eastus2(), 443);
    assert_eq!(eval(&n, "spoke/tunnelled", Direction::Outbound, &sym).rule_name, "DenyInternet");
    // Private and VNet addresses are never Internet.
    assert_eq!(
        eval(&n, "spoke/tunnelled", Direction::Outbound, &tcp("10.1.3.5", "10.1.1.5", 53)).rule_name,
        "AllowVnetOutBound"
    );
}

// §2.5: AzureLoadBalancer is the host address 168.63.129.16 and nothing else.
#[test]
fn azure_load_balancer_is_only_the_host_address() {
    let n = nsg(json!([
        {"name": "AllowProbes", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "*",
         "source": "AzureLoadBalancer"},
        {"name": "DenyVnet", "priority": 200, "direction": "Inbound", "access": "Deny", "protocol": "*",
         "source": "VirtualNetwork"}
    ]));
    assert_eq!(inbound(&n, &tcp("168.63.129.16", "10.1.1.5", 8080)).rule_name, "AllowProbes");
    assert_eq!(inbound(&n, &tcp("10.1.2.9", "10.1.1.5", 8080)).rule_name, "DenyVnet");
    assert_eq!(inbound(&n, &tcp("168.63.129.17", "10.1.1.5", 8080)).rule_name, "DenyAllInbound");
}

// §2.6: traffic to 168.63.129.16 / 169.254.169.254 bypasses the NSG even under a deny-all.
#[test]
fn platform_addresses_bypass_the_nsg() {
    let n = nsg(json!([{"name": "DenyAll", "priority": 100, "direction": "Outbound", "access": "Deny",
                        "protocol": "*"}]));
    for dst in ["168.63.129.16", "169.254.169.254"] {
        let d = out(&n, &packet(Protocol::Udp, ip("10.1.1.5"), ip(dst), 53));
        assert!(d.platform_exception, "{dst}");
        assert_eq!(d.access, Access::Allow);
        assert_eq!(d.rule.id, PLATFORM_EXCEPTION_ID);
        assert_eq!(d.rule.origin, Some(Origin::platform("Azure")));
    }
    assert_eq!(out(&n, &tcp("10.1.1.5", "168.63.129.17", 80)).rule_name, "DenyAll");
}

// §2.6: an AzurePlatformDNS deny applies the NSG to DNS traffic only; the VM agent (port 80) and
// IMDS keep their exception.
#[test]
fn azure_platform_dns_deny_blocks_dns_only() {
    let n = nsg(json!([{"name": "DenyAzureDns", "priority": 100, "direction": "Outbound", "access": "Deny",
                        "protocol": "*", "destination": "AzurePlatformDNS", "destination_ports": "53"}]));
    let d = out(&n, &packet(Protocol::Udp, ip("10.1.1.5"), ip("168.63.129.16"), 53));
    assert_eq!((d.access, d.rule_name.as_str(), d.platform_exception), (Access::Deny, "DenyAzureDns", false));
    assert!(out(&n, &tcp("10.1.1.5", "168.63.129.16", 80)).platform_exception);
    assert!(out(&n, &tcp("10.1.1.5", "169.254.169.254", 53)).platform_exception);

    let imds = nsg(json!([{"name": "DenyImds", "priority": 100, "direction": "Outbound", "access": "Deny",
                           "protocol": "Tcp", "destination": "AzurePlatformIMDS"}]));
    assert_eq!(out(&imds, &tcp("10.1.1.5", "169.254.169.254", 80)).rule_name, "DenyImds");
    assert!(out(&imds, &tcp("10.1.1.5", "168.63.129.16", 80)).platform_exception);
}

// §2.1: ASG rules apply to NICs that are members; outbound the protected subnet holds the source.
#[test]
fn source_asg_matches_member_nics_only() {
    let n = nsg(json!([{"name": "DenyWebOut", "priority": 100, "direction": "Outbound", "access": "Deny",
                        "protocol": "*", "source_asgs": ["web"]}]));
    let p = tcp("10.1.1.5", "10.1.2.9", 5432);
    assert_eq!(eval(&n, "spoke/host", Direction::Outbound, &p).rule_name, "DenyWebOut");
    let p = tcp("10.1.2.9", "10.1.1.5", 5432);
    assert_eq!(eval(&n, "spoke/container", Direction::Outbound, &p).rule_name, "AllowVnetOutBound");
}

// §2.1: inbound, the source NIC is found by its address; unknown or ASG-less senders never match.
#[test]
fn remote_asg_membership_comes_from_the_senders_subnet() {
    let n = nsg(json!([{"name": "AllowDbToWeb", "priority": 100, "direction": "Inbound", "access": "Allow",
                        "protocol": "Tcp", "source_asgs": ["db"], "destination_asgs": ["web"],
                        "destination_ports": "8080"},
                       {"name": "DenyRest", "priority": 200, "direction": "Inbound", "access": "Deny",
                        "protocol": "*"}]));
    assert_eq!(inbound(&n, &tcp("10.1.2.9", "10.1.1.5", 8080)).rule_name, "AllowDbToWeb");
    assert_eq!(inbound(&n, &tcp("10.0.1.4", "10.1.1.5", 8080)).rule_name, "DenyRest");
    let symbolic = packet(Protocol::Tcp, storage_eastus2(), ip("10.1.1.5"), 8080);
    assert_eq!(inbound(&n, &symbolic).rule_name, "DenyRest");
    // The destination NICs (container subnet) are not in `web`.
    let to_container = tcp("10.1.2.9", "10.1.2.10", 8080);
    assert_eq!(eval(&n, "spoke/container", Direction::Inbound, &to_container).rule_name, "DenyRest");
}

// §2.1: ESP and AH rules match only their own protocol, and no ports are checked.
#[test]
fn esp_and_ah_rules_match_their_protocol() {
    let n = nsg(json!([
        {"name": "AllowEsp", "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "Esp",
         "destination_ports": "500"},
        {"name": "DenyAh", "priority": 110, "direction": "Outbound", "access": "Deny", "protocol": "Ah"},
        {"name": "DenyPublic", "priority": 120, "direction": "Outbound", "access": "Deny", "protocol": "*"}
    ]));
    let p = |proto| packet(proto, ip("10.1.1.5"), ip("198.51.100.1"), 0);
    assert_eq!(out(&n, &p(Protocol::Esp)).rule_name, "AllowEsp");
    assert_eq!(out(&n, &p(Protocol::Ah)).rule_name, "DenyAh");
    assert_eq!(out(&n, &p(Protocol::Icmp)).rule_name, "DenyPublic");
}

// §2.1: `Any` covers every protocol; ports are only compared for TCP and UDP.
#[test]
fn any_protocol_rule_matches_icmp_regardless_of_ports() {
    let n = nsg(json!([
        {"name": "DenyAny443", "priority": 100, "direction": "Outbound", "access": "Deny", "protocol": "*",
         "destination_ports": "443"},
        {"name": "AllowTcp22", "priority": 110, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
         "destination_ports": "22"}
    ]));
    let icmp = packet(Protocol::Icmp, ip("10.1.1.5"), ip("8.8.8.8"), 0);
    assert_eq!(out(&n, &icmp).rule_name, "DenyAny443");
    assert_eq!(out(&n, &tcp("10.1.1.5", "8.8.8.8", 443)).rule_name, "DenyAny443");
    assert_eq!(out(&n, &tcp("10.1.1.5", "8.8.8.8", 22)).rule_name, "AllowTcp22");
    assert_eq!(out(&n, &tcp("10.1.1.5", "8.8.8.8", 80)).rule_name, "AllowInternetOutBound");
}

// §2.1 (5-tuple): a rule naming source ports does not match a client's unknown ephemeral port.
#[test]
fn source_port_rule_needs_a_known_source_port() {
    let n =
        nsg(json!([{"name": "DenyFromPort53", "priority": 100, "direction": "Outbound", "access": "Deny",
                        "protocol": "Udp", "source_ports": "53"}]));
    let mut p = packet(Protocol::Udp, ip("10.1.1.5"), ip("8.8.8.8"), 53);
    assert_eq!(out(&n, &p).rule_name, "AllowInternetOutBound");
    p.src_port = Some(53);
    assert_eq!(out(&n, &p).rule_name, "DenyFromPort53");
    p.src_port = Some(54);
    assert_eq!(out(&n, &p).rule_name, "AllowInternetOutBound");
}

// Invariant 1 (DESIGN): the decision names the rule with the place it was defined.
#[test]
fn decision_carries_the_rules_origin() {
    let mut n = nsg(json!([{"name": "DenyAll", "priority": 100, "direction": "Outbound", "access": "Deny",
                            "protocol": "*"}]));
    let origin = Origin::File { file: "estate.toml".into(), line: 12, column: 1 };
    n.rules[0].origin = Some(origin.clone());
    let d = out(&n, &tcp("10.1.1.5", "8.8.8.8", 443));
    assert_eq!((d.rule.name.as_str(), d.rule.origin), ("DenyAll", Some(origin)));
    let d = out(&nsg(json!([])), &tcp("10.1.1.5", "8.8.8.8", 443));
    assert_eq!(d.rule.id, "nsg-rule:ws-nsg/AllowInternetOutBound");
    assert_eq!(d.rule.origin, Some(Origin::platform("Azure")));
}

// §2.1: effective rules list user rules by priority, then the defaults; an identical or broader
// earlier rule makes a later one unreachable, a narrower earlier rule does not.
#[test]
fn effective_rules_order_and_shadowing() {
    let n = nsg(json!([
        {"name": "DenyNarrow", "priority": 300, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
         "destination": "10.1.0.0/16", "destination_ports": "443"},
        {"name": "AllowBroad", "priority": 200, "direction": "Outbound", "access": "Allow", "protocol": "*",
         "destination": "10.0.0.0/8", "destination_ports": ["0-1000"]},
        {"name": "AllowHost", "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
         "destination": "10.1.1.0/24", "destination_ports": "443"},
        {"name": "InboundRule", "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "*"}
    ]));
    let rows = effective_rules(&n, Direction::Outbound);
    let names: Vec<&str> = rows.iter().map(|r| r.rule.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "AllowHost",
            "AllowBroad",
            "DenyNarrow",
            "AllowVnetOutBound",
            "AllowInternetOutBound",
            "DenyAllOutBound"
        ]
    );
    let shadow: Vec<Option<&str>> = rows.iter().map(|r| r.shadowed_by.as_deref()).collect();
    assert_eq!(shadow, [None, None, Some("AllowBroad"), None, None, None]);
    assert_eq!(rows.iter().filter(|r| r.is_default).count(), 3);
    assert_eq!(rows[0].element.id, "nsg-rule:ws-nsg/AllowHost");
}

// §2.1: a user deny-all makes the default rules after it unreachable; the tag hierarchy (§3)
// counts as coverage, an unrelated tag does not.
#[test]
fn shadowing_by_deny_all_and_by_parent_tags() {
    let n = nsg(json!([
        {"name": "AllowStorage", "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
         "destination": "Storage"},
        {"name": "AllowSqlEast", "priority": 110, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
         "destination": "Sql.EastUS2"},
        {"name": "DenyStorageEast", "priority": 120, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
         "destination": "Storage.EastUS2", "destination_ports": "443"},
        {"name": "DenyEverything", "priority": 4096, "direction": "Outbound", "access": "Deny", "protocol": "*"}
    ]));
    let rows = effective_rules(&n, Direction::Outbound);
    let shadow: Vec<(&str, Option<&str>)> =
        rows.iter().map(|r| (r.rule.name.as_str(), r.shadowed_by.as_deref())).collect();
    assert_eq!(
        shadow,
        [
            ("AllowStorage", None),
            ("AllowSqlEast", None),
            ("DenyStorageEast", Some("AllowStorage")),
            ("DenyEverything", None),
            ("AllowVnetOutBound", Some("DenyEverything")),
            ("AllowInternetOutBound", Some("DenyEverything")),
            ("DenyAllOutBound", Some("DenyEverything")),
        ]
    );
}

// §2.1: ASG-scoped rules are shadowed only by rules for the same groups or by unscoped `*` rules.
#[test]
fn shadowing_respects_asgs() {
    let n = nsg(json!([
        {"name": "AllowPrivate", "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "*",
         "source": "10.0.0.0/8"},
        {"name": "DenyWeb", "priority": 110, "direction": "Outbound", "access": "Deny", "protocol": "*",
         "source_asgs": ["web"]},
        {"name": "DenyWebAgain", "priority": 120, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
         "source_asgs": ["web"]},
        {"name": "AllowAnyone", "priority": 130, "direction": "Outbound", "access": "Allow", "protocol": "*"},
        {"name": "DenyDb", "priority": 140, "direction": "Outbound", "access": "Deny", "protocol": "*",
         "source_asgs": ["db"]}
    ]));
    let rows = effective_rules(&n, Direction::Outbound);
    let shadow: Vec<Option<&str>> = rows.iter().take(5).map(|r| r.shadowed_by.as_deref()).collect();
    assert_eq!(shadow, [None, None, Some("DenyWeb"), None, Some("AllowAnyone")]);
}

// §6: a private endpoint's NIC is filtered by the subnet NSG only with NSG network policies on.
#[test]
fn private_endpoint_nsg_needs_network_policies() {
    let e = estate();
    assert_eq!(nsg_for_subnet(&e, subnet(&e, "spoke/pe"), NicKind::PrivateEndpoint), None);
    assert_eq!(
        nsg_for_subnet(&e, subnet(&e, "spoke/pe"), NicKind::Vm).map(|n| n.name.as_str()),
        Some("ws-nsg")
    );
    let with_policies = nsg_for_subnet(&e, subnet(&e, "spoke/pe-policies"), NicKind::PrivateEndpoint);
    assert_eq!(with_policies.map(|n| n.name.as_str()), Some("ws-nsg"));
    assert_eq!(nsg_for_subnet(&e, subnet(&e, "spoke/tunnelled"), NicKind::Vm), None);
}

// §2.5: the host address is part of VirtualNetwork, so the VNet default already admits traffic
// from it; its public neighbour is internet and falls to DenyAllInbound.
#[test]
fn host_address_is_inside_virtual_network() {
    let n = nsg(json!([]));
    assert_eq!(inbound(&n, &tcp("168.63.129.16", "10.1.1.5", 80)).rule_name, "AllowVNetInBound");
    assert_eq!(inbound(&n, &tcp("168.63.129.17", "10.1.1.5", 80)).rule_name, "DenyAllInbound");
}
