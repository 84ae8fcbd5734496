//! The check walks a workspace's host and container subnets together where they walk alike
//! (`Network::trace_twins`). Its report must be the report of walking every flow on its own:
//! on generated estates (planted faults included), with and without a tag file, and on estates
//! changed so that the two subnets differ in each way a walk can tell them apart.

use adbflow_databricks::check::evaluate;
use adbflow_databricks::{check, prepare, CheckOptions, CheckReport};
use adbflow_gen::{generate, service_tags_json, GenOptions};
use adbflow_model::{Access, AddressSpec, Direction, Estate, NsgRule, PortSet, Protocol};
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
    nsg.rules.push(NsgRule {
        name: "deny-host-out".into(),
        priority: 4001,
        direction: Direction::Outbound,
        access: Access::Deny,
        protocol: Protocol::Any,
        source: Some(AddressSpec::Prefixes(vec![prefix])),
        source_asgs: vec![],
        source_ports: PortSet::Any,
        destination: None,
        destination_asgs: vec![],
        destination_ports: PortSet::Any,
        description: None,
        managed_by: None,
        origin: None,
    });

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
