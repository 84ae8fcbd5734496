//! Property tests: NSG evaluation against a plain reference evaluator (domain notes §2.1 priority
//! order and first match, §2.2 defaults, §2.5 special tags, §2.6 platform exception), and the
//! soundness of shadowing in the effective rules view.

use adbflow_model::{Access, AddressSpec, Direction, Estate, Nsg, NsgRule, PortRange, PortSet, Protocol};
use adbflow_net::nsg::{effective_rules, evaluate, Packet};
use adbflow_net::{DestAddr, ServiceTags};
use ipnet::Ipv4Net;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::json;
use std::net::Ipv4Addr;

const HOST_VIP: Ipv4Addr = Ipv4Addr::new(168, 63, 129, 16);

/// One VNet, 10.1.0.0/16, no peers, gateways or route tables: VirtualNetwork is the VNet space
/// plus the host address.
fn estate() -> Estate {
    serde_json::from_value(json!({
        "vnets": [{"name": "v", "address_space": ["10.1.0.0/16"],
                   "subnets": [{"name": "s", "prefix": "10.1.1.0/24"}]}]
    }))
    .unwrap()
}

const PREFIXES: [&str; 10] = [
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.0.0.0/9",
    "10.128.0.0/9",
    "10.1.0.0/16",
    "10.1.1.0/24",
    "10.1.2.0/24",
    "10.200.0.0/16",
    "8.8.8.0/24",
    "168.63.129.16/32",
];
const TAGS: [&str; 4] = ["VirtualNetwork", "Internet", "AzureLoadBalancer", "AzurePlatformDNS"];
const ADDRESSES: [Option<&str>; 9] = [
    Some("10.1.1.5"),
    Some("10.1.2.7"),
    Some("10.2.3.4"),
    Some("10.200.0.1"),
    Some("10.130.0.1"),
    Some("8.8.8.8"),
    Some("168.63.129.16"),
    Some("172.16.0.1"),
    None, // a symbolic Storage.EastUS2 address
];
const PORTS: [u16; 8] = [0, 22, 53, 80, 443, 1000, 8080, 65535];
const RULE_PROTOCOLS: [Protocol; 6] =
    [Protocol::Tcp, Protocol::Udp, Protocol::Icmp, Protocol::Esp, Protocol::Ah, Protocol::Any];
const PACKET_PROTOCOLS: [Protocol; 5] =
    [Protocol::Tcp, Protocol::Udp, Protocol::Icmp, Protocol::Esp, Protocol::Ah];

fn address(a: Option<&str>) -> DestAddr {
    match a {
        Some(ip) => DestAddr::ip(ip.parse().unwrap()),
        None => DestAddr::symbolic(vec!["Storage.EastUS2".into()], Some("eastus2".into())),
    }
}

fn address_spec() -> impl Strategy<Value = Option<AddressSpec>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(AddressSpec::Any)),
        3 => prop::collection::vec(select(PREFIXES.to_vec()), 1..3)
            .prop_map(|ps| Some(AddressSpec::Prefixes(ps.iter().map(|p| p.parse().unwrap()).collect()))),
        2 => select(TAGS.to_vec()).prop_map(|t| Some(AddressSpec::Tag(t.to_string()))),
    ]
}

fn port_range() -> impl Strategy<Value = PortRange> {
    (select(PORTS.to_vec()), select(PORTS.to_vec()))
        .prop_map(|(a, b)| PortRange { from: a.min(b), to: a.max(b) })
}

fn port_set(max_ranges: usize) -> impl Strategy<Value = PortSet> {
    prop_oneof![
        1 => Just(PortSet::Any),
        2 => prop::collection::vec(port_range(), 1..=max_ranges).prop_map(PortSet::Ranges),
    ]
}

/// A rule without its priority and name, which the rule-set strategy assigns.
fn rule_body() -> impl Strategy<Value = NsgRule> {
    (
        prop::bool::ANY,
        prop::bool::ANY,
        select(RULE_PROTOCOLS.to_vec()),
        address_spec(),
        address_spec(),
        port_set(1),
        port_set(2),
    )
        .prop_map(|(outbound, allow, protocol, source, destination, source_ports, destination_ports)| {
            NsgRule {
                name: String::new(),
                priority: 0,
                direction: if outbound { Direction::Outbound } else { Direction::Inbound },
                access: if allow { Access::Allow } else { Access::Deny },
                protocol,
                source,
                source_asgs: vec![],
                source_ports,
                destination,
                destination_asgs: vec![],
                destination_ports,
                description: None,
                managed_by: None,
                origin: None,
            }
        })
}

/// Rules with unique priorities, in random input order.
fn rule_set() -> impl Strategy<Value = Vec<NsgRule>> {
    prop::collection::btree_set(100u32..=4096, 0..10).prop_flat_map(|priorities| {
        let n = priorities.len();
        (
            Just(priorities.into_iter().collect::<Vec<_>>()).prop_shuffle(),
            prop::collection::vec(rule_body(), n),
        )
            .prop_map(|(priorities, bodies)| {
                priorities
                    .into_iter()
                    .zip(bodies)
                    .map(|(p, mut r)| {
                        r.priority = p;
                        r.name = format!("rule{p}");
                        r
                    })
                    .collect()
            })
    })
}

fn packet() -> impl Strategy<Value = Packet> {
    (
        select(ADDRESSES.to_vec()),
        prop_oneof![Just(None), Just(Some(53u16)), Just(Some(40000u16))],
        select(ADDRESSES.to_vec()),
        select(PORTS.to_vec()),
        select(PACKET_PROTOCOLS.to_vec()),
    )
        .prop_map(|(src, src_port, dst, dst_port, protocol)| Packet {
            src: address(src),
            src_port,
            dst: address(dst),
            dst_port,
            protocol,
        })
}

// ---- the reference evaluator: written from the domain notes, sharing no code with nsg.rs ----

fn in_net(a: &DestAddr, net: &str) -> bool {
    let net: Ipv4Net = net.parse().unwrap();
    match a.ip {
        Some(ip) => net.contains(&ip),
        None => net.prefix_len() == 0,
    }
}

fn ref_virtual_network(a: &DestAddr) -> bool {
    in_net(a, "10.1.0.0/16") || a.ip == Some(HOST_VIP)
}

fn ref_private(a: &DestAddr) -> bool {
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]
        .iter()
        .any(|n| a.ip.is_some() && in_net(a, n))
}

fn ref_address(spec: &Option<AddressSpec>, a: &DestAddr) -> bool {
    match spec {
        None | Some(AddressSpec::Any) => true,
        Some(AddressSpec::Prefixes(ps)) => ps.iter().any(|p| in_net(a, &p.to_string())),
        Some(AddressSpec::Tag(t)) => match t.as_str() {
            "VirtualNetwork" => ref_virtual_network(a),
            "Internet" => !ref_private(a) && !ref_virtual_network(a),
            "AzureLoadBalancer" | "AzurePlatformDNS" => a.ip == Some(HOST_VIP),
            other => panic!("tag {other} is outside the test universe"),
        },
    }
}

fn ref_ports(set: &PortSet, port: Option<u16>) -> bool {
    match (set, port) {
        (PortSet::Any, _) => true,
        (PortSet::Ranges(rs), Some(p)) => rs.iter().any(|r| r.from <= p && p <= r.to),
        // An unknown ephemeral port is in the set only if the set is every port.
        (PortSet::Ranges(rs), None) => rs.iter().any(|r| r.from == 0 && r.to == 65535),
    }
}

fn ref_match(r: &NsgRule, p: &Packet) -> bool {
    let protocol = r.protocol == Protocol::Any || r.protocol == p.protocol;
    let ports = !matches!(p.protocol, Protocol::Tcp | Protocol::Udp)
        || (ref_ports(&r.destination_ports, Some(p.dst_port)) && ref_ports(&r.source_ports, p.src_port));
    protocol && ports && ref_address(&r.source, &p.src) && ref_address(&r.destination, &p.dst)
}

/// (access, rule name, priority, platform exception)
fn reference(rules: &[NsgRule], direction: Direction, p: &Packet) -> (Access, String, u32, bool) {
    let mut mine: Vec<&NsgRule> = rules.iter().filter(|r| r.direction == direction).collect();
    mine.sort_by_key(|r| r.priority);
    if p.dst.ip == Some(HOST_VIP) {
        let targeted = mine.iter().any(|r| {
            matches!(&r.destination, Some(AddressSpec::Tag(t)) if t == "AzurePlatformDNS") && ref_match(r, p)
        });
        if !targeted {
            return (Access::Allow, String::new(), 0, true);
        }
    }
    if let Some(r) = mine.iter().find(|r| ref_match(r, p)) {
        return (r.access, r.name.clone(), r.priority, false);
    }
    let both_vnet = ref_virtual_network(&p.src) && ref_virtual_network(&p.dst);
    let (access, name, priority) = match direction {
        Direction::Outbound if both_vnet => (Access::Allow, "AllowVnetOutBound", 65000),
        Direction::Outbound if !ref_private(&p.dst) && !ref_virtual_network(&p.dst) => {
            (Access::Allow, "AllowInternetOutBound", 65001)
        }
        Direction::Outbound => (Access::Deny, "DenyAllOutBound", 65500),
        Direction::Inbound if both_vnet => (Access::Allow, "AllowVNetInBound", 65000),
        Direction::Inbound if p.src.ip == Some(HOST_VIP) => {
            (Access::Allow, "AllowAzureLoadBalancerInBound", 65001)
        }
        Direction::Inbound => (Access::Deny, "DenyAllInbound", 65500),
    };
    (access, name.to_string(), priority, false)
}

fn nsg(rules: Vec<NsgRule>) -> Nsg {
    Nsg { name: "n".into(), rules, origin: None }
}

/// Every packet of the test universe, for checking a claim about all packets.
fn all_packets() -> Vec<Packet> {
    let mut out = Vec::new();
    for src in ADDRESSES {
        for dst in ADDRESSES {
            for protocol in PACKET_PROTOCOLS {
                let ports: &[u16] = if protocol.has_ports() { &PORTS } else { &[0] };
                let src_ports: &[Option<u16>] =
                    if protocol.has_ports() { &[None, Some(53), Some(40000)] } else { &[None] };
                for &dst_port in ports {
                    for &src_port in src_ports {
                        out.push(Packet {
                            src: address(src),
                            src_port,
                            dst: address(dst),
                            dst_port,
                            protocol,
                        });
                    }
                }
            }
        }
    }
    out
}

proptest! {
    #[test]
    fn evaluate_agrees_with_reference(rules in rule_set(), packets in prop::collection::vec(packet(), 1..8)) {
        let estate = estate();
        let subnet = estate.subnet("v/s").unwrap();
        let tags = ServiceTags::symbolic();
        let n = nsg(rules.clone());
        for p in &packets {
            for direction in [Direction::Inbound, Direction::Outbound] {
                let got = evaluate(&estate, &tags, &n, subnet, direction, p);
                let want = reference(&rules, direction, p);
                if want.3 {
                    prop_assert!(got.platform_exception, "{direction:?} {p:?}: {got:?}");
                    prop_assert_eq!(got.access, Access::Allow);
                } else {
                    prop_assert_eq!(
                        (got.access, got.rule_name.as_str().to_owned(), got.priority, got.platform_exception),
                        want,
                        "{:?} {:?}", direction, p
                    );
                    prop_assert_eq!(got.rule.id, format!("nsg-rule:n/{}", got.rule_name));
                }
            }
        }
    }

    /// A network keeps each NSG's rule order and the reference of each rule a decision names,
    /// made the first time: its decisions, asked twice over, are `evaluate`'s.
    #[test]
    fn kept_rule_references_decide_as_evaluate(rules in rule_set(), packets in prop::collection::vec(packet(), 1..8)) {
        let mut estate = estate();
        estate.vnets[0].subnets[0].nsg = Some("n".into());
        estate.nsgs.push(nsg(rules));
        let net = adbflow_net::Network::new(estate.clone(), ServiceTags::symbolic());
        let subnet = estate.subnet("v/s").unwrap();
        let kept = net.nsg("n").unwrap();
        for round in 0..2 {
            for p in &packets {
                for direction in [Direction::Inbound, Direction::Outbound] {
                    let want = evaluate(&estate, &ServiceTags::symbolic(), &estate.nsgs[0], subnet, direction, p);
                    let got = net.nsg_decision(kept, net.subnet("v/s").unwrap(), direction, p);
                    prop_assert_eq!(got, want, "round {} {:?} {:?}", round, direction, p);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// A rule flagged as shadowed never matches a packet its earlier shadowing rule misses, so it
    /// can never be the first match.
    #[test]
    fn shadowing_is_sound(rules in rule_set()) {
        let packets = all_packets();
        let n = nsg(rules.clone());
        for direction in [Direction::Inbound, Direction::Outbound] {
            let rows = effective_rules(&n, direction);
            let user: Vec<&NsgRule> = rows.iter().filter(|r| !r.is_default).map(|r| &r.rule).collect();
            for row in rows.iter().filter(|r| !r.is_default) {
                if let Some(by) = &row.shadowed_by {
                    let outer = user.iter().find(|r| &r.name == by).expect("shadowing rule is listed");
                    prop_assert!(outer.priority < row.rule.priority);
                    for p in &packets {
                        prop_assert!(
                            !ref_match(&row.rule, p) || ref_match(outer, p),
                            "{} matches {:?} but {} does not", row.rule.name, p, by
                        );
                    }
                }
            }
        }
    }
}
