//! The check walks a workspace's host and container subnets together where they walk alike
//! (`Network::trace_twins`). Its report must be the report of walking every flow on its own:
//! on generated estates (planted faults included), with and without a tag file, and on estates
//! changed so that the two subnets differ in each way a walk can tell them apart.

use adbflow_databricks::check::evaluate;
use adbflow_databricks::{check, prepare, CheckOptions, CheckReport};
use adbflow_gen::{generate, service_tags_json, GenOptions};
use adbflow_model::{
    Access, AddressSpec, Direction, Estate, FirewallAction, NsgRule, PortSet, Protocol, RuleCollectionKind,
};
use adbflow_net::{Network, ServiceTags};

fn generated(workspaces: usize, seed: u64) -> Estate {
    generate(&GenOptions::new(workspaces, seed)).expect("generates").estate
}

/// The check's report, and the report of the same prepared estate with every flow walked alone.
fn reports(estate: &Estate, tags: &ServiceTags) -> (CheckReport, CheckReport) {
    let options = CheckOptions::default();
    let together = check(estate, tags, &options).unwrap_or_else(|e| panic!("{e}"));
    let prepared = prepare(estate, options.regions, None).unwrap_or_else(|e| panic!("{e}"));
    let net = Network::new(prepared.estate.clone(), tags.clone());
    let alone = evaluate(&prepared, |f| net.trace(f));
    (together, alone)
}

/// An NSG rule on every protocol and port whose only condition is its source.
fn source_rule(
    name: String,
    priority: u32,
    direction: Direction,
    access: Access,
    source: ipnet::Ipv4Net,
) -> NsgRule {
    NsgRule {
        name,
        priority,
        direction,
        access,
        protocol: Protocol::Any,
        source: Some(AddressSpec::Prefixes(vec![source])),
        source_asgs: vec![],
        source_ports: PortSet::Any,
        destination: None,
        destination_asgs: vec![],
        destination_ports: PortSet::Any,
        description: None,
        managed_by: None,
        origin: None,
    }
}

fn assert_same_reports(estate: &Estate, tags: &ServiceTags) {
    let (together, alone) = reports(estate, tags);
    assert_eq!(together.flows.len(), alone.flows.len());
    for (t, a) in together.flows.iter().zip(&alone.flows) {
        assert_eq!(t, a, "flow {:?} from {} of {}", t.id, t.subnet, t.workspace);
    }
    assert_eq!(together, alone);
}

/// How many workspaces' cluster subnets walk alike.
fn alike_pairs(estate: &Estate, tags: &ServiceTags) -> usize {
    let prepared = prepare(estate, CheckOptions::default().regions, None).unwrap_or_else(|e| panic!("{e}"));
    let net = Network::new(prepared.estate.clone(), tags.clone());
    let subnet = |vnet: &str, name: &str| net.subnet(&format!("{vnet}/{name}")).expect("the subnet exists");
    estate
        .workspaces
        .iter()
        .filter(|w| net.walks_alike(subnet(&w.vnet, &w.host_subnet), subnet(&w.vnet, &w.container_subnet)))
        .count()
}

#[test]
fn generated_estates_answer_as_if_every_flow_were_walked_alone() {
    for seed in [1, 2, 3] {
        let estate = generated(12, seed);
        assert_same_reports(&estate, &ServiceTags::symbolic());
    }
}

#[test]
fn with_a_tag_file_too() {
    let text = service_tags_json(4);
    let tags = ServiceTags::from_json("tags.json", &text).unwrap_or_else(|e| panic!("{e}"));
    assert_same_reports(&generated(8, 4), &tags);
}

#[test]
fn subnets_told_apart_still_answer_as_if_walked_alone() {
    let mut estate = generated(8, 5);
    let tags = ServiceTags::symbolic();
    let before = alike_pairs(&estate, &tags);
    assert!(before >= 6, "most generated workspaces' subnets walk alike: {before} of 8");
    let ws: Vec<(String, String, String)> = estate
        .workspaces
        .iter()
        .map(|w| (w.vnet.clone(), w.host_subnet.clone(), w.container_subnet.clone()))
        .collect();
    let subnet_mut = |e: &mut Estate, vnet: &str, name: &str| {
        let v = e.vnets.iter_mut().find(|v| v.name == vnet).expect("the VNet exists");
        let s = v.subnets.iter_mut().find(|s| s.name == name).expect("the subnet exists");
        (s.prefix.0, s.nsg.clone())
    };

    // 0: an NSG rule denies the host subnet's own prefix.
    let (vnet, host, _) = &ws[0];
    let (prefix, nsg) = subnet_mut(&mut estate, vnet, host);
    let nsg =
        estate.nsgs.iter_mut().find(|n| Some(&n.name) == nsg.as_ref()).expect("the host subnet has an NSG");
    nsg.rules.push(source_rule("deny-host-out".into(), 4001, Direction::Outbound, Access::Deny, prefix));

    // 1: storage accounts let the host subnet in, not the container subnet.
    let (vnet, _, container) = &ws[1];
    let container_path = format!("{vnet}/{container}");
    let mut dropped = 0;
    for sa in &mut estate.storage_accounts {
        let n = sa.virtual_network_rules.len();
        sa.virtual_network_rules.retain(|r| !r.eq_ignore_ascii_case(&container_path));
        dropped += n - sa.virtual_network_rules.len();
    }
    assert!(dropped > 0, "some storage account has a rule for {container_path}");

    // 2: the host subnet alone loses its default outbound access.
    let (vnet, host, _) = &ws[2];
    let v = estate.vnets.iter_mut().find(|v| &v.name == vnet).expect("the VNet exists");
    let s = v.subnets.iter_mut().find(|s| &s.name == host).expect("the host subnet exists");
    s.default_outbound_access = !s.default_outbound_access;

    // 3: the VNet's DNS server is a custom one, whose reachability is worked out from each subnet
    // (here through the hub's firewall, for both).
    let (vnet, ..) = &ws[3];
    let v = estate.vnets.iter_mut().find(|v| &v.name == vnet).expect("the VNet exists");
    v.dns_servers = vec!["192.168.77.53".parse().expect("an address")];

    let after = alike_pairs(&estate, &tags);
    assert_eq!(after, before - 2, "the NSG rule and the setting tell two pairs apart before walking");
    assert_same_reports(&estate, &tags);
}

/// One way of telling a workspace's two cluster subnets apart, or of not quite doing so.
#[derive(Debug, Clone)]
enum Change {
    /// An NSG rule on the workspace's NSG whose source is the `len`-bit prefix holding the first
    /// NIC address of the host (or container) subnet: that subnet alone, or both (the generated
    /// subnets are neighbouring /24s). It comes after Databricks' own rules (100-104) and before
    /// the generated ones (200 and up).
    SourceRule { ws: usize, host: bool, len: u8, outbound: bool, deny: bool },
    /// Storage accounts' virtual-network rules lose the host (or container) subnet.
    DropStorageRule { ws: usize, host: bool },
    /// One subnet's default outbound access flipped.
    FlipOutbound { ws: usize, host: bool },
    /// One subnet's NAT gateway removed.
    DropNat { ws: usize, host: bool },
    /// One subnet's route table removed: its flows leave without the firewall.
    DropRouteTable { ws: usize, host: bool },
    /// The hub firewall's first rule collection (a deny) also denies a source prefix made as for
    /// `SourceRule`. Outbound NSG rules decide little here: the generated route tables send
    /// 0.0.0.0/0 to the firewall, so `VirtualNetwork` holds every address and Databricks' own
    /// rules (priorities 100-104) allow every flow out; the firewall decides most of them.
    FirewallDeny { ws: usize, host: bool, len: u8 },
}

fn change() -> impl proptest::strategy::Strategy<Value = Change> {
    use proptest::prelude::*;
    let ws = 0..3usize;
    prop_oneof![
        (ws.clone(), any::<bool>(), 20u8..=32, any::<bool>(), any::<bool>())
            .prop_map(|(ws, host, len, outbound, deny)| Change::SourceRule { ws, host, len, outbound, deny }),
        (ws.clone(), any::<bool>()).prop_map(|(ws, host)| Change::DropStorageRule { ws, host }),
        (ws.clone(), any::<bool>()).prop_map(|(ws, host)| Change::FlipOutbound { ws, host }),
        (ws.clone(), any::<bool>()).prop_map(|(ws, host)| Change::DropNat { ws, host }),
        (ws.clone(), any::<bool>()).prop_map(|(ws, host)| Change::DropRouteTable { ws, host }),
        (ws, any::<bool>(), 20u8..=32).prop_map(|(ws, host, len)| Change::FirewallDeny { ws, host, len }),
    ]
}

/// The host (or container) subnet of workspace `ws` (modulo their number).
fn cluster_subnet(estate: &mut Estate, ws: usize, host: bool) -> Option<&mut adbflow_model::Subnet> {
    let w = &estate.workspaces[ws % estate.workspaces.len()];
    let (vnet, name) =
        (w.vnet.clone(), if host { w.host_subnet.clone() } else { w.container_subnet.clone() });
    let v = estate.vnets.iter_mut().find(|v| v.name == vnet)?;
    v.subnets.iter_mut().find(|s| s.name == name)
}

/// The `len`-bit prefix holding the first address Azure gives a NIC in `s` (its .4).
fn around_nic(s: &adbflow_model::Subnet, len: u8) -> ipnet::Ipv4Net {
    let nic = u32::from(s.prefix.0.network()) + 4;
    ipnet::Ipv4Net::new(nic.into(), len).expect("a length up to 32").trunc()
}

fn apply(estate: &mut Estate, change: &Change) {
    match *change {
        Change::SourceRule { ws, host, len, outbound, deny } => {
            let Some(s) = cluster_subnet(estate, ws, host) else { return };
            let (prefix, nsg) = (around_nic(s, len), s.nsg.clone());
            let Some(nsg) = estate.nsgs.iter_mut().find(|n| Some(&n.name) == nsg.as_ref()) else { return };
            let priority =
                150 + 10 * (nsg.rules.iter().filter(|r| r.name.starts_with("prop-")).count() as u32);
            let direction = if outbound { Direction::Outbound } else { Direction::Inbound };
            let access = if deny { Access::Deny } else { Access::Allow };
            nsg.rules.push(source_rule(format!("prop-{priority}"), priority, direction, access, prefix));
        }
        Change::FirewallDeny { ws, host, len } => {
            let Some(s) = cluster_subnet(estate, ws, host) else { return };
            let prefix = around_nic(s, len);
            let first = estate
                .firewall_policies
                .iter_mut()
                .flat_map(|p| &mut p.rule_collection_groups)
                .flat_map(|g| &mut g.rule_collections)
                .find(|c| c.action == FirewallAction::Deny && c.kind == RuleCollectionKind::Network);
            let Some(collection) = first else { return };
            let Some(mut rule) = collection.rules.first().cloned() else { return };
            rule.name = format!("prop-deny-{}", collection.rules.len());
            rule.source_addresses = vec![prefix.to_string()];
            rule.source_ip_groups = vec![];
            rule.protocols = vec!["Any".into()];
            rule.destination_addresses = vec!["*".into()];
            rule.destination_ports = Some(PortSet::Any);
            collection.rules.push(rule);
        }
        Change::DropStorageRule { ws, host } => {
            let w = &estate.workspaces[ws % estate.workspaces.len()];
            let path = format!("{}/{}", w.vnet, if host { &w.host_subnet } else { &w.container_subnet });
            for sa in &mut estate.storage_accounts {
                sa.virtual_network_rules.retain(|r| !r.eq_ignore_ascii_case(&path));
            }
        }
        Change::FlipOutbound { ws, host } => {
            if let Some(s) = cluster_subnet(estate, ws, host) {
                s.default_outbound_access = !s.default_outbound_access;
            }
        }
        Change::DropNat { ws, host } => {
            if let Some(s) = cluster_subnet(estate, ws, host) {
                s.nat_gateway = None;
            }
        }
        Change::DropRouteTable { ws, host } => {
            if let Some(s) = cluster_subnet(estate, ws, host) {
                s.route_table = None;
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// Whatever tells the subnets apart, or nearly does, the check answers as if every flow were
    /// walked alone.
    #[test]
    fn changed_estates_answer_as_if_every_flow_were_walked_alone(
        seed in 1u64..500,
        changes in proptest::collection::vec(change(), 1..5),
    ) {
        let mut estate = generated(3, seed);
        for c in &changes {
            apply(&mut estate, c);
        }
        let (together, alone) = reports(&estate, &ServiceTags::symbolic());
        proptest::prop_assert_eq!(together, alone);
    }
}
