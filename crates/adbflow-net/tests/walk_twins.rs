//! Two subnets walked together (`Network::trace_twins`): whatever the two have in common and
//! whatever tells them apart, the answer is exactly the two traces of walking each on its own,
//! and each trace names its own subnet. Each scenario gives the spoke a second workload subnet,
//! `twin`, with the same settings as `work` unless it says otherwise.

#[path = "walk_support.rs"]
mod walk_support;

use adbflow_model::Protocol;
use adbflow_net::{FlowSpec, HopKind, Network, ReasonCode, Trace, Verdict};
use walk_support::*;

/// The spoke with `twin` (10.1.3.0/24) beside `work` (10.1.1.0/24): `settings` for both,
/// `twin_only` for `twin` alone.
fn twins(settings: &str, twin_only: &str, extra: &str) -> Network {
    let twin =
        format!("[[vnets.subnets]]\nname = \"twin\"\nprefix = \"10.1.3.0/24\"\n{settings}\n{twin_only}\n");
    net(&spoke(settings, &format!("{twin}{extra}")))
}

fn alike(n: &Network) -> bool {
    let subnet = |p: &str| n.subnet(p).unwrap_or_else(|| panic!("{p} is in the estate"));
    n.walks_alike(subnet("spoke/work"), subnet("spoke/twin"))
}

/// The pair's traces, checked against walking each subnet on its own.
fn walked_together(n: &Network, to: &str, port: u16) -> (Trace, Trace) {
    let flow =
        FlowSpec { from_subnet: "spoke/work".into(), to_host: to.into(), port, protocol: Protocol::Tcp };
    let (work, twin) = n.trace_twins(&flow, "spoke/twin");
    assert_eq!(work, trace(n, "spoke/work", to, port), "the source's trace");
    assert_eq!(twin, trace(n, "spoke/twin", to, port), "the twin's trace");
    assert_eq!(twin.flow.from_subnet, "spoke/twin");
    (work, twin)
}

fn detail(t: &Trace, kind: HopKind) -> &str {
    &t.hop(kind).unwrap_or_else(|| panic!("a {kind:?} hop: {t:#?}")).detail
}

const FIREWALLED: &str = "route_table = \"spoke-rt\"";

#[test]
fn through_the_firewall_each_trace_names_its_own_subnet() {
    let n = twins(FIREWALLED, "", &format!("{HUB_FIREWALL}{PYPI}{}", firewall_policy("\"pypi.org\"", "")));
    assert!(alike(&n));
    let (work, twin) = walked_together(&n, "pypi.org", 443);
    assert_eq!(work.verdict, Verdict::Delivered, "{work:#?}");
    assert!(detail(&work, HopKind::Route).contains("spoke/work's effective routes"));
    assert!(detail(&twin, HopKind::Route).contains("spoke/twin's effective routes"));
    assert_eq!(twin.hop(HopKind::Firewall), work.hop(HopKind::Firewall), "one decision for both");
}

#[test]
fn a_service_endpoint_route_is_each_subnets_own_element() {
    let settings = "service_endpoints = [\"Microsoft.Storage\"]";
    let sa = format!("{STORAGE_FIREWALLED}virtual_network_rules = [\"spoke/work\", \"spoke/twin\"]\n");
    let n = twins(settings, "", &sa);
    assert!(alike(&n));
    let (work, twin) = walked_together(&n, "data.blob.core.windows.net", 443);
    assert_eq!(work.verdict, Verdict::Delivered, "{work:#?}");
    let route_el = |t: &Trace| t.hop(HopKind::Route).map(|h| h.decided_by.id.clone());
    assert_ne!(route_el(&work), route_el(&twin), "each subnet's service endpoint decides its route");
    assert_eq!(
        twin.source_seen_as,
        "private IP 10.1.3.4 with the identity of subnet spoke/twin (service endpoint)"
    );
    assert!(detail(&twin, HopKind::Destination).contains("rule for spoke/twin"));
    assert!(detail(&work, HopKind::Egress).starts_with("service endpoint on spoke/work carries the packet"));
}

#[test]
fn a_storage_rule_for_one_subnet_only_tells_the_twins_apart() {
    let settings = "service_endpoints = [\"Microsoft.Storage\"]";
    let sa = format!("{STORAGE_FIREWALLED}virtual_network_rules = [\"spoke/work\"]\n");
    let n = twins(settings, "", &sa);
    assert!(alike(&n), "the settings are the same: the storage account tells them apart");
    let (work, twin) = walked_together(&n, "data.blob.core.windows.net", 443);
    assert_eq!(work.verdict, Verdict::Delivered, "{work:#?}");
    assert_eq!(twin.blocked_by.as_ref().map(|b| b.reason_code), Some(ReasonCode::DestinationDenied));
    assert!(twin.blocked_by.unwrap().message.contains("no virtual-network rule for spoke/twin"));
}

#[test]
fn a_rule_naming_one_subnets_prefix_makes_them_walk_apart() {
    let nsg = r#"
[[nsgs]]
name = "work-nsg"

[[nsgs.rules]]
name = "deny-twin-out"
priority = 100
direction = "Outbound"
access = "Deny"
protocol = "*"
source = "10.1.3.0/24"
"#;
    let n = twins("nsg = \"work-nsg\"\nnat_gateway = \"nat\"", "", &format!("{NAT}{PYPI}{nsg}"));
    assert!(!alike(&n));
    let (work, twin) = walked_together(&n, "pypi.org", 443);
    assert_eq!(work.verdict, Verdict::Delivered, "{work:#?}");
    assert_eq!(
        twin.blocked_by.map(|b| b.element.id.to_string()).as_deref(),
        Some("nsg-rule:work-nsg/deny-twin-out")
    );
}

#[test]
fn a_firewall_rule_for_one_subnets_prefix_makes_them_walk_apart() {
    let policy = firewall_policy("\"pypi.org\"", "").replace("10.1.0.0/16", "10.1.1.0/24");
    let n = twins(FIREWALLED, "", &format!("{HUB_FIREWALL}{PYPI}{policy}"));
    assert!(!alike(&n));
    let (work, twin) = walked_together(&n, "pypi.org", 443);
    assert_eq!(work.verdict, Verdict::Delivered, "{work:#?}");
    assert_eq!(twin.blocked_by.map(|b| b.reason_code), Some(ReasonCode::FirewallDenied));
}

#[test]
fn different_settings_make_them_walk_apart() {
    let n = twins("", "nat_gateway = \"nat\"", &format!("{NAT}{PYPI}"));
    assert!(!alike(&n));
    let (work, twin) = walked_together(&n, "pypi.org", 443);
    assert_ne!(work.egress, twin.egress);
}

// A destination inside one of the pair is that subnet's for both: its NSG, its sentences.
#[test]
fn a_destination_inside_one_of_them_is_the_same_place_for_both() {
    let n = twins("", "", "");
    assert!(alike(&n));
    let (work, twin) = walked_together(&n, "10.1.1.10", 443);
    assert_eq!(work.verdict, Verdict::Delivered, "{work:#?}");
    assert_eq!(work.source_seen_as, "private IP 10.1.1.4 (spoke/work)");
    assert_eq!(twin.source_seen_as, "private IP 10.1.3.4 (spoke/twin)");
    assert_eq!(detail(&twin, HopKind::Destination), "10.1.1.10 is a NIC address in spoke/work");
    let (_, twin) = walked_together(&n, "10.1.3.10", 443);
    assert_eq!(detail(&twin, HopKind::Destination), "10.1.3.10 is a NIC address in spoke/twin");
}

#[test]
fn outbound_access_and_its_absence_name_each_subnet() {
    let n = twins("", "", PYPI);
    let (_, twin) = walked_together(&n, "pypi.org", 443);
    assert!(detail(&twin, HopKind::Egress).starts_with("spoke/twin has no explicit outbound method"));
    assert!(detail(&twin, HopKind::NsgOutbound).starts_with("spoke/twin has no NSG"));
    assert!(twin.source_seen_as.contains("Microsoft-owned"), "{}", twin.source_seen_as);

    let n = twins("default_outbound_access = false", "", PYPI);
    let (_, twin) = walked_together(&n, "pypi.org", 443);
    assert_eq!(twin.blocked_by.map(|b| b.element.id.to_string()).as_deref(), Some("subnet:spoke/twin"));
}

#[test]
fn an_unreachable_dns_server_is_reported_for_each_subnet() {
    let n = net(&spoke("", &format!("[[vnets.subnets]]\nname = \"twin\"\nprefix = \"10.1.3.0/24\"\n{PYPI}"))
        .replace(
            "address_space = [\"10.1.0.0/16\"]",
            "address_space = [\"10.1.0.0/16\"]\ndns_servers = [\"192.168.10.53\"]",
        ));
    assert!(alike(&n));
    let (work, twin) = walked_together(&n, "pypi.org", 443);
    assert!(work.blocked_by.unwrap().message.contains("spoke/work"));
    assert!(twin.blocked_by.unwrap().message.contains("spoke/twin"));
}

#[test]
fn a_subnet_is_not_its_own_twin_and_unknown_subnets_are_walked_as_such() {
    let n = twins("", "", PYPI);
    let work = n.subnet("spoke/work").unwrap();
    assert!(!n.walks_alike(work, work));
    let flow = FlowSpec {
        from_subnet: "spoke/work".into(),
        to_host: "pypi.org".into(),
        port: 443,
        protocol: Protocol::Tcp,
    };
    let (a, b) = n.trace_twins(&flow, "spoke/nowhere");
    assert_eq!(a, trace(&n, "spoke/work", "pypi.org", 443));
    assert_eq!(b.blocked_by.map(|b| b.reason_code), Some(ReasonCode::NextHopUnreachable));
}

#[test]
fn a_pair_found_once_walks_as_the_pair_looked_up_for_each_flow() {
    // Subnets that walk alike, subnets told apart by their settings, a twin that does not exist,
    // and a flow from another subnet than the pair's: each as `trace_twins` walks it.
    let alike_net =
        twins(FIREWALLED, "", &format!("{HUB_FIREWALL}{PYPI}{}", firewall_policy("\"pypi.org\"", "")));
    let apart_net =
        twins("", FIREWALLED, &format!("{HUB_FIREWALL}{PYPI}{}", firewall_policy("\"pypi.org\"", "")));
    assert!(alike(&alike_net) && !alike(&apart_net));
    for n in [&alike_net, &apart_net] {
        for (from, twin) in [("spoke/work", "spoke/twin"), ("spoke/work", "spoke/nowhere")] {
            let pair = n.twin_subnets(from, twin);
            for (flow_from, to, port) in [
                ("spoke/work", "pypi.org", 443),
                ("spoke/work", "pypi.org", 80),
                ("spoke/twin", "pypi.org", 443),
            ] {
                let flow = FlowSpec {
                    from_subnet: flow_from.into(),
                    to_host: to.into(),
                    port,
                    protocol: Protocol::Tcp,
                };
                let expected_twin = if flow_from == from { twin } else { pair.twin().as_str() };
                assert_eq!(
                    n.trace_twin_subnets(&flow, &pair),
                    n.trace_twins(&flow, expected_twin),
                    "{flow_from} → {to}:{port}, pair {from} + {twin}"
                );
            }
        }
    }
}
