//! `capacity`: node counts from subnet sizes (databricks-net-facts §3: one address per node in each
//! of the two subnets, 5 reserved per subnet) and the SNAT and connection limits of the NAT gateway
//! (azure-net-semantics §4.2: 64,512 ports per public IP, 50,000 connections per IP to one
//! destination), firing exactly past their thresholds.

mod common;

use adbflow_databricks::capacity::{check_capacity, CapacityReport, LimitCheck, LimitKind};
use adbflow_databricks::check::CheckOptions;
use adbflow_databricks::limits;
use adbflow_databricks::profile::Profile;
use adbflow_model::{Estate, PublicIp, Workload};
use adbflow_net::ServiceTags;
use common::pattern;

fn run(e: &Estate, profile: &Profile, nodes: Option<u64>) -> CapacityReport {
    check_capacity(e, &ServiceTags::symbolic(), &CheckOptions::default(), profile, limits::builtin(), nodes)
        .expect("capacity runs")
}

fn limit<'a>(r: &'a CapacityReport, id: &str, element: &str) -> &'a LimitCheck {
    r.workspaces[0]
        .limits
        .iter()
        .find(|l| l.id == id && l.element.name == element)
        .unwrap_or_else(|| panic!("no {id} on {element}"))
}

fn with_subnets(name: &str, host: &str, container: &str) -> Estate {
    let mut e = pattern(name, "eastus2");
    let v = &mut e.vnets[0];
    for s in &mut v.subnets {
        match s.name.as_str() {
            "host" => s.prefix = adbflow_model::Prefix(host.parse().unwrap()),
            "container" => s.prefix = adbflow_model::Prefix(container.parse().unwrap()),
            _ => {}
        }
    }
    e
}

fn connections(per_node: u32, per_destination: u32) -> Profile {
    let w = Workload {
        connections_per_node: Some(per_node),
        connections_per_destination: Some(per_destination),
        ..Default::default()
    };
    Profile::resolve(None, &[("test".into(), &w)]).unwrap()
}

#[test]
fn equal_26_subnets_allow_59_nodes() {
    let r = run(
        &with_subnets("full-private", "10.179.64.0/26", "10.179.0.0/26"),
        &Profile::named("seed").unwrap(),
        None,
    );
    let w = &r.workspaces[0];
    assert!(w.subnets.iter().all(|s| s.addresses == 64 && s.reserved == 5 && s.usable == 59));
    assert_eq!(w.max_nodes, Some(59));
    assert_eq!(w.binding.as_deref().map(|b| b.starts_with("subnet-addresses")), Some(true));
}

#[test]
fn equal_24_and_22_subnets_follow_the_formula() {
    let seed = Profile::named("seed").unwrap();
    let r = run(&with_subnets("full-private", "10.179.64.0/24", "10.179.0.0/24"), &seed, None);
    assert_eq!(r.workspaces[0].max_nodes, Some(251));
    let r = run(&with_subnets("full-private", "10.179.64.0/22", "10.179.0.0/22"), &seed, None);
    assert_eq!(r.workspaces[0].max_nodes, Some(1019));
}

// Mixed sizes: every node needs an address in both, so the smaller subnet decides.
#[test]
fn mixed_subnets_take_the_minimum() {
    let r = run(
        &with_subnets("full-private", "10.179.64.0/24", "10.179.0.0/26"),
        &Profile::named("seed").unwrap(),
        None,
    );
    let w = &r.workspaces[0];
    assert_eq!(limit(&r, "subnet-addresses", "adb-vnet/host").max_nodes, Some(251));
    assert_eq!(limit(&r, "subnet-addresses", "adb-vnet/container").max_nodes, Some(59));
    assert_eq!(w.max_nodes, Some(59));
    assert_eq!(w.binding.as_deref(), Some("subnet-addresses (adb-vnet/container)"));
    let r = run(
        &with_subnets("full-private", "10.179.64.0/26", "10.179.0.0/22"),
        &Profile::named("seed").unwrap(),
        Some(60),
    );
    assert_eq!(r.workspaces[0].max_nodes, Some(59));
    assert!(limit(&r, "subnet-addresses", "adb-vnet/host").exceeded, "60 nodes do not fit a /26");
    assert!(!limit(&r, "subnet-addresses", "adb-vnet/container").exceeded);
    assert_eq!(r.exit_code(), 1);
}

// 64,512 ports on one NAT public IP; 1,008 connections per node: 64 nodes use exactly 64,512
// (no warning), 65 nodes 65,520 (warning).
#[test]
fn snat_port_warning_fires_exactly_past_64512_per_ip() {
    let e = pattern("non-pl", "eastus2");
    let p = connections(1008, 10);
    let at = run(&e, &p, Some(64));
    let l = limit(&at, "nat-snat-ports", "adb-nat");
    assert_eq!((l.capacity, l.demand, l.max_nodes, l.exceeded), (64512.0, 64512.0, Some(64), false));
    assert!(at.workspaces[0].warnings.iter().all(|w| !w.message.contains("nat-snat-ports")));
    assert_eq!(at.exit_code(), 0);
    let past = run(&e, &p, Some(65));
    assert!(limit(&past, "nat-snat-ports", "adb-nat").exceeded);
    let w =
        past.workspaces[0].warnings.iter().find(|w| w.message.contains("nat-snat-ports")).expect("warning");
    assert_eq!(w.code, "capacity-exceeded");
    assert!(w.message.contains("65,520") || w.message.contains("65520"), "{}", w.message);
    assert_eq!(past.exit_code(), 1);
}

// 200 nodes each opening 250 connections to one storage endpoint through one NAT IP: exactly
// 50,000, allowed; the 201st node passes the limit. A second public IP doubles it.
#[test]
fn per_destination_warning_fires_exactly_past_50000_per_ip() {
    let mut e = pattern("non-pl", "eastus2");
    let p = connections(300, 250);
    let at = run(&e, &p, Some(200));
    let l = limit(&at, "nat-connections-per-destination", "adb-nat");
    assert_eq!((l.capacity, l.demand, l.exceeded), (50000.0, 50000.0, false));
    let past = run(&e, &p, Some(201));
    assert!(limit(&past, "nat-connections-per-destination", "adb-nat").exceeded);
    assert!(past.workspaces[0]
        .warnings
        .iter()
        .any(|w| w.message.contains("nat-connections-per-destination")));
    e.public_ips.push(PublicIp {
        name: "adb-nat-pip2".into(),
        ip: None,
        sku: Default::default(),
        origin: None,
    });
    e.nat_gateways[0].public_ips.push("adb-nat-pip2".into());
    let two = run(&e, &p, Some(201));
    let l = limit(&two, "nat-connections-per-destination", "adb-nat");
    assert_eq!((l.capacity, l.max_nodes, l.exceeded), (100000.0, Some(400), false));
    assert_eq!(limit(&two, "nat-snat-ports", "adb-nat").capacity, 129024.0);
}

// DESIGN.md "Where the seed is wrong" 3: the NAT gateway carries 50 Gbps, not 45; with 3 Gbps
// DS3_v2 nodes, 16 get full bandwidth. The seed's figure is corrected in a note.
#[test]
fn nat_throughput_uses_azures_figure_and_corrects_the_seed() {
    let r = run(&pattern("non-pl", "eastus2"), &Profile::named("seed").unwrap(), Some(17));
    let l = limit(&r, "nat-throughput", "adb-nat");
    assert_eq!((l.kind, l.capacity, l.max_nodes, l.exceeded), (LimitKind::Throughput, 50.0, Some(16), true));
    assert_eq!(r.workspaces[0].full_speed_nodes, Some(16));
    assert_eq!(r.exit_code(), 0, "a throughput limit slows transfers, it does not fail them");
    assert!(r.notes.iter().any(|n| n.code == "seed-nat-throughput" && n.message.contains("45 Gbps")));
}

// pricing notes A3: a new Standard firewall carries 3 Gbps until it scales out (5-7 minutes), so
// the first cluster start's library downloads through the hub firewall slow down.
#[test]
fn a_new_firewall_slows_the_first_cluster_start() {
    let r = run(&pattern("hub-spoke", "eastus2"), &Profile::named("etl").unwrap(), None);
    let w = &r.workspaces[0];
    assert_eq!(w.requested_nodes, 16, "8 nodes × 2 concurrent clusters");
    let l = limit(&r, "firewall-initial-throughput", "hub-fw");
    assert_eq!((l.capacity, l.max_nodes, l.exceeded), (3.0, Some(1), true));
    let s = l.startup.as_ref().expect("startup transfer time");
    // etl: 0.5 GB PyPI + 0.1 GB Maven + index and bootstrap per node, 8 nodes at 3 Gbps.
    assert!(s.gb_per_node > 0.6 && s.gb_per_node < 0.61, "{}", s.gb_per_node);
    assert!((s.seconds - s.gb_per_node * 8.0 * 8.0 / 3.0).abs() < 1e-9);
    assert!(s.seconds > s.seconds_at_node_speed * 7.9);
    assert!(l.sources.iter().any(|x| x.limit == "firewall-scale-out"));
    assert!(w.warnings.iter().any(|x| x.code == "throughput-limited"));
    assert!(limit(&r, "firewall-snat-ports", "hub-fw").inferred, "the firewall SNAT figure is a weak source");
}

#[test]
fn per_flow_estimates_name_their_rows() {
    let r = run(&pattern("hub-spoke", "eastus2"), &Profile::named("seed").unwrap(), None);
    let relay = r.flows.iter().find(|f| f.id == adbflow_databricks::FlowId::SccRelay).unwrap();
    assert_eq!(relay.performance.latency_from, ["latency-control-plane", "latency-firewall"]);
    assert_eq!(relay.performance.latency_ms, [31.0, 83.0]);
    assert_eq!(relay.performance.connection_gbps, Some(1.5), "one connection through a Standard firewall");
    assert!(relay.performance.inferred);
    assert!(r.estimate_sources.iter().any(|s| s.limit == "latency-firewall"));
}

// A check works out each distinct set of estimate inputs once per workspace and hands the answer
// to every flow sharing them: each flow's estimate must be the one worked out for it alone.
#[test]
fn every_flows_estimate_is_the_one_worked_out_for_it_alone() {
    use adbflow_databricks::performance::{node_type, Estimates};
    let mut nat_v2 = pattern("non-pl", "eastus2");
    for nat in &mut nat_v2.nat_gateways {
        nat.sku = adbflow_model::Sku::StandardV2;
    }
    let mut seen = std::collections::BTreeSet::new();
    for e in [
        pattern("non-pl", "eastus2"),
        pattern("hub-spoke", "eastus2"),
        pattern("full-private", "westeurope"),
        nat_v2,
    ] {
        let report = common::run(&e);
        let prepared =
            adbflow_databricks::prepare(&e, adbflow_databricks::builtin_regions(), None).expect("prepares");
        let lookup = adbflow_model::Lookup::new(&prepared.estate);
        for f in &report.flows {
            let alone = Estimates::new(limits::builtin(), node_type(&prepared.estate)).of(&lookup, f);
            assert_eq!(f.performance, alone, "{} {:?}", f.id, f.source_role);
            if let Some(p) = &alone {
                seen.insert((p.latency_from.clone(), p.limited_by.clone()));
            }
        }
    }
    // The estates give flows of different kinds: through the firewall or not, from the user's side
    // or a node, out through a Standard V2 NAT gateway.
    assert!(seen.len() >= 6, "{seen:#?}");
    assert!(seen.iter().any(|(_, by)| by.as_deref().is_some_and(|b| b.contains("firewall"))), "{seen:#?}");
    assert!(seen.iter().any(|(_, by)| by.as_deref().is_some_and(|b| b.contains("NAT gateway"))), "{seen:#?}");
}
