//! Cluster launch simulation on the reference patterns and their broken variants: the state
//! sequence and termination code each ends with, subnet exhaustion at the computed node count, and
//! download timing through a firewall against a NAT gateway.

mod common;

use adbflow_databricks::capacity::usable_addresses;
use adbflow_databricks::check::CheckOptions;
use adbflow_databricks::check::CheckReport;
use adbflow_databricks::limits;
use adbflow_databricks::plan::SourceRole;
use adbflow_databricks::simulate::{
    check_and_simulate, timing, ClusterSpec, EventType, SimOptions, SimReport, State,
};
use adbflow_databricks::{FlowId, Requirement};
use adbflow_model::Estate;
use adbflow_net::ServiceTags;
use common::variants::{self, fw_rules};
use common::*;

fn spec(workers: u32, image_gb: f64, libraries_gb: f64) -> ClusterSpec {
    ClusterSpec {
        cluster_name: "sim".into(),
        workspace: None,
        num_workers: workers,
        node_type_id: "Standard_DS3_v2".into(),
        image_gb,
        libraries_gb,
        autotermination_minutes: 0,
    }
}

fn options(spec: ClusterSpec) -> SimOptions {
    SimOptions { seed: 7, clusters: 1, spec, until_ms: None, connections_per_node: 100, arrival_gap_s: None }
}

fn sim(e: &Estate, o: &SimOptions) -> SimReport {
    sim_with_check(e, o).1
}

/// The check report the simulation ran on, and the simulation.
fn sim_with_check(e: &Estate, o: &SimOptions) -> (CheckReport, SimReport) {
    let check =
        adbflow_databricks::check(e, &ServiceTags::symbolic(), &CheckOptions::default()).expect("checks");
    let sim = check_and_simulate(
        e,
        &ServiceTags::symbolic(),
        &CheckOptions::default(),
        limits::builtin(),
        timing::builtin(),
        o,
    )
    .expect("simulation runs");
    (check, sim)
}

fn states(r: &SimReport) -> Vec<State> {
    r.clusters[0].states.iter().map(|s| s.state).collect()
}

fn phase<'a>(r: &'a SimReport, name: &str) -> &'a adbflow_databricks::simulate::cluster::PhaseSpan {
    r.clusters[0].phases.iter().find(|p| p.phase == name).unwrap_or_else(|| panic!("no phase {name}"))
}

// Seed startup sequence: a typical cluster is RUNNING within T+5min; the tunnel opens after T+2min.
#[test]
fn healthy_non_pl_cluster_reaches_running_within_the_seed_window() {
    let r = sim(&pattern("non-pl", "eastus2"), &options(spec(8, 3.5, 1.25)));
    let c = &r.clusters[0];
    assert_eq!(states(&r), vec![State::Pending, State::Running]);
    let up = c.startup_seconds().unwrap();
    assert!((100.0..=300.0).contains(&up), "RUNNING after {up} s");
    assert!(phase(&r, "image-download").start_ms >= 100_000);
    assert_eq!(c.current_num_workers, 8);
    assert_eq!(c.libraries[0].status, "INSTALLED");
    let kinds: Vec<EventType> = c.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds.first(), Some(&EventType::Creating));
    assert!(kinds.contains(&EventType::Running) && !kinds.contains(&EventType::Terminating));
    assert_eq!(r.exit_code(), 0);
    assert_eq!(r.summary.peak_nodes, 9);
}

#[test]
fn the_same_seed_gives_the_same_events_and_another_seed_other_timings() {
    let e = pattern("non-pl", "eastus2");
    let mut o = options(spec(8, 3.5, 1.25));
    o.clusters = 5;
    let a = serde_json::to_string(&sim(&e, &o)).unwrap();
    let b = serde_json::to_string(&sim(&e, &o)).unwrap();
    assert_eq!(a, b);
    o.seed = 8;
    let c = serde_json::to_string(&sim(&e, &o)).unwrap();
    assert_ne!(a, c);
}

// databricks-net-facts §3 and §6.4/§6.6: a private subnet without an egress device cannot reach the
// relay; the launch fails as PENDING → TERMINATING → TERMINATED with NPIP_TUNNEL_SETUP_FAILURE.
#[test]
fn nat_removed_ends_the_launch_with_npip_tunnel_setup_failure() {
    let r = sim(&variants::non_pl_container_without_nat(), &options(spec(8, 3.5, 1.25)));
    let c = &r.clusters[0];
    assert_eq!(states(&r), vec![State::Pending, State::Terminating, State::Terminated]);
    let reason = c.termination_reason.as_ref().unwrap();
    assert_eq!(reason.code, "NPIP_TUNNEL_SETUP_FAILURE");
    assert_eq!(reason.kind, "CLIENT_ERROR");
    assert!(c.termination_inferred);
    assert_eq!(c.decided_by.as_deref(), Some("subnet:adb-vnet/container"));
    // Terminated after the bootstrap timeout from the moment the tunnel was attempted.
    let tunnel = phase(&r, "secure-tunnel");
    assert_eq!(tunnel.outcome, "blocked");
    assert_eq!(tunnel.end_ms - tunnel.start_ms, timing::builtin().ms("startup-flow-timeout"));
    let term = c.events.iter().find(|e| e.kind == EventType::Terminating).unwrap();
    assert_eq!(term.timestamp - r.epoch_ms, tunnel.end_ms);
    assert!(c.running_ms.is_none() && c.nodes == 0, "addresses are released");
    assert_eq!(r.summary.failed.get("NPIP_TUNNEL_SETUP_FAILURE"), Some(&1));
    assert_eq!(r.exit_code(), 1);
}

// databricks-net-facts §3b: behind a hub firewall the relay needs an application rule.
#[test]
fn hub_firewall_without_relay_rule_fails_the_launch() {
    let r = sim(&variants::hub_spoke_without_relay_rule(), &options(spec(2, 3.5, 0.0)));
    assert_eq!(states(&r), vec![State::Pending, State::Terminating, State::Terminated]);
    assert_eq!(r.clusters[0].termination_reason.as_ref().unwrap().code, "NPIP_TUNNEL_SETUP_FAILURE");
}

// databricks-net-facts §8 (pip symptom): public PyPI blocked leaves the cluster RUNNING with the
// library FAILED, after pip's own retries.
#[test]
fn blocked_pypi_leaves_the_cluster_running_with_the_library_failed() {
    let r = sim(&variants::hub_spoke_without_pypi_rule(), &options(spec(4, 3.5, 1.5)));
    let c = &r.clusters[0];
    assert_eq!(c.state, State::Running);
    assert_eq!(states(&r), vec![State::Pending, State::Running]);
    assert_eq!(c.libraries[0].status, "FAILED");
    assert!(c.libraries[0].messages[0].starts_with("pip install fails"), "{:?}", c.libraries);
    assert_eq!(c.ready_ms.unwrap() - c.running_ms.unwrap(), timing::builtin().ms("library-timeout"));
    assert_eq!(r.summary.libraries_failed, 1);
    assert_eq!(r.exit_code(), 1);
}

/// The largest cluster (nodes) Databricks launches when `usable` addresses are free: it needs at
/// least 85 % of the nodes (databricks-net-facts §6.2).
fn largest_launch(usable: u64) -> u64 {
    (1..=usable * 2).rev().find(|n| (*n as f64 * 0.85).ceil() as u64 <= usable).unwrap()
}

// databricks-net-facts §6.6 (inferred): SUBNET_EXHAUSTED_FAILURE ↔ not enough free addresses.
#[test]
fn subnet_exhaustion_fires_at_the_computed_node_count() {
    let e = variants::non_pl_with_subnets_of(26);
    let usable = usable_addresses(26, 5);
    let largest = largest_launch(usable);
    let ok = sim(&e, &options(spec((largest - 1) as u32, 0.5, 0.0)));
    assert_eq!(ok.clusters[0].state, State::Running);
    assert_eq!(
        u64::from(ok.clusters[0].current_num_workers),
        usable - 1,
        "short of the request, capped by the subnet"
    );
    let full = sim(&e, &options(spec(largest as u32, 0.5, 0.0)));
    let c = &full.clusters[0];
    assert_eq!(states(&full), vec![State::Pending, State::Terminating, State::Terminated]);
    assert_eq!(c.termination_reason.as_ref().unwrap().code, "SUBNET_EXHAUSTED_FAILURE");
    assert!(c.termination_reason.as_ref().unwrap().parameters["databricks_error_message"].contains("59"));
}

#[test]
fn a_second_cluster_finds_the_subnet_taken_by_the_first() {
    let e = variants::non_pl_with_subnets_of(26);
    let mut o = options(spec(40, 0.5, 0.0));
    o.clusters = 2;
    let r = sim(&e, &o);
    assert_eq!(r.clusters[0].state, State::Running);
    assert_eq!(r.clusters[1].termination_reason.as_ref().unwrap().code, "SUBNET_EXHAUSTED_FAILURE");
    assert_eq!(r.summary.peak_nodes, 41);
    assert_eq!(r.summary.peak_ips, 82);
}

fn library_seconds(r: &SimReport) -> f64 {
    let p = phase(r, "library-download");
    (p.end_ms - p.start_ms) as f64 / 1000.0
}

// Issue 6 acceptance: 100 nodes pulling 1.5 GB of wheels through a new hub firewall start later than
// through a NAT gateway, by what the model predicts: the aggregate rate is the smaller of the device's
// throughput (limits.toml: NAT Standard 50 Gbps, a new Standard firewall 3 Gbps before scale-out) and
// the nodes' own ceilings (NIC 3 Gbps, 1.5 Gbps per connection through the firewall).
#[test]
fn wheels_through_a_new_firewall_take_longer_than_through_nat_by_the_predicted_amount() {
    let workers = 100u32;
    let nodes = f64::from(workers + 1);
    let gbit = nodes * 1.5 * 8.0;
    let l = limits::builtin();
    let nic = l.value("vm-bandwidth", Some("Standard_DS3_v2")).unwrap();
    let nat_rate = l.value("nat-throughput", Some("Standard")).unwrap().min(nodes * nic);
    let fw_conn = l.value("firewall-single-connection-throughput", Some("Standard")).unwrap();
    let fw_rate =
        l.value("firewall-initial-throughput", Some("Standard")).unwrap().min(nodes * nic.min(fw_conn));
    let nat_s = gbit / nat_rate;
    let fw_s = gbit / fw_rate;
    let scale_out_s = l.value("firewall-scale-out", None).unwrap() * 60.0;
    assert!(fw_s < scale_out_s, "the prediction assumes the pull ends before the firewall scales out");

    let o = options(spec(workers, 0.0, 1.5));
    let nat = sim(&pattern("non-pl", "eastus2"), &o);
    let fw = sim(&pattern("hub-spoke", "eastus2"), &o);
    assert!((library_seconds(&nat) - nat_s).abs() <= 0.002, "{} vs {nat_s}", library_seconds(&nat));
    assert!((library_seconds(&fw) - fw_s).abs() <= 0.002, "{} vs {fw_s}", library_seconds(&fw));
    let ready = |r: &SimReport| r.clusters[0].ready_ms.unwrap() as f64 / 1000.0;
    let running = |r: &SimReport| r.clusters[0].running_ms.unwrap() as f64 / 1000.0;
    let later = ready(&fw) - ready(&nat);
    let predicted = (running(&fw) - running(&nat)) + (fw_s - nat_s);
    assert!((later - predicted).abs() <= 0.004, "{later} vs {predicted}");
    assert!(later > 300.0, "measurably later: {later} s");
}

// learn.microsoft.com firewall-performance (limits.toml): past 60 % load a new firewall scales out
// within 7 minutes; a pull longer than that speeds up to the full throughput.
#[test]
fn a_long_pull_through_a_new_firewall_speeds_up_after_scale_out() {
    let nodes = 101.0;
    let gbit = nodes * 3.0 * 8.0;
    let l = limits::builtin();
    let initial = l.value("firewall-initial-throughput", Some("Standard")).unwrap();
    let full = l.value("firewall-throughput", Some("Standard")).unwrap();
    let scale_out_s = l.value("firewall-scale-out", None).unwrap() * 60.0;
    let predicted = scale_out_s + (gbit - initial * scale_out_s) / full;
    let r = sim(&pattern("hub-spoke", "eastus2"), &options(spec(100, 0.0, 3.0)));
    assert!((library_seconds(&r) - predicted).abs() <= 0.002, "{} vs {predicted}", library_seconds(&r));
}

#[test]
fn resize_restart_and_autotermination_follow_the_api_transitions() {
    use adbflow_databricks::simulate::{world, Engine};
    let e = pattern("non-pl", "eastus2");
    let check = adbflow_databricks::check(&e, &ServiceTags::symbolic(), &CheckOptions::default()).unwrap();
    let prepared = adbflow_databricks::prepare(&e, adbflow_databricks::builtin_regions(), None).unwrap();
    let w = world(&check, &prepared.estate, limits::builtin(), 100);
    let mut eng = Engine::new(w, timing::builtin().clone(), 1);
    let mut s = spec(2, 1.0, 0.0);
    s.autotermination_minutes = 30;
    let id = eng.submit(s, 0).unwrap();
    eng.advance_to(600_000);
    assert_eq!(eng.cluster(&id).unwrap().state, State::Running);
    eng.resize(&id, 4, 600_000).unwrap();
    eng.restart(&id, 1_200_000).unwrap();
    eng.advance_to(1_500_000);
    let c = eng.cluster(&id).unwrap();
    assert_eq!(c.current_num_workers, 4);
    assert_eq!(c.nodes, 5);
    let kinds: Vec<EventType> = eng.cluster_events(&id).unwrap().iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EventType::Resizing) && kinds.contains(&EventType::UpsizeCompleted));
    assert!(kinds.contains(&EventType::Restarting));
    // 30 idle minutes after the restart completed, the idle timer terminates it.
    eng.advance_to(1_500_000 + 31 * 60_000);
    let c = eng.cluster(&id).unwrap();
    assert_eq!(c.state, State::Terminated);
    assert_eq!(c.termination_reason.as_ref().unwrap().code, "INACTIVITY");
    assert_eq!(c.termination_reason.as_ref().unwrap().kind, "SUCCESS");
    let st: Vec<State> = c.states.iter().map(|s| s.state).collect();
    for pair in st.windows(2) {
        assert!(pair[0].may_become(pair[1]), "{:?}", pair);
    }
    assert!(c.heartbeats > 50, "heartbeats every 30 s while running: {}", c.heartbeats);
}

// Seed phase 4a: three missed heartbeats mark the cluster unhealthy.
#[test]
fn three_missed_heartbeats_mark_the_driver_not_responding() {
    use adbflow_databricks::simulate::{world, Engine};
    let e = pattern("non-pl", "eastus2");
    let prepared = adbflow_databricks::prepare(&e, adbflow_databricks::builtin_regions(), None).unwrap();
    let check = run(&e);
    let w = world(&check, &prepared.estate, limits::builtin(), 100);
    let mut eng = Engine::new(w, timing::builtin().clone(), 1);
    let id = eng.submit(spec(1, 1.0, 0.0), 0).unwrap();
    eng.advance_to(400_000);
    let before = eng.cluster(&id).unwrap().heartbeats;
    eng.set_flow_delivered("adb-ws", FlowId::SccRelay, false).unwrap();
    eng.advance_to(400_000 + 2 * 30_000);
    assert!(!eng.cluster(&id).unwrap().unhealthy, "two missed are not yet unhealthy");
    eng.advance_to(400_000 + 3 * 30_000);
    let c = eng.cluster(&id).unwrap();
    assert!(c.unhealthy);
    assert_eq!(c.heartbeats, before);
    assert_eq!(c.events.last().unwrap().kind, EventType::DriverNotResponding);
}

/// The launch-stopping flows in the order the bootstrap meets them.
const BOOT_ORDER: [FlowId; 6] = [
    FlowId::SccRelay,
    FlowId::Webapp,
    FlowId::ArtifactPrimary,
    FlowId::DbfsBlob,
    FlowId::DbfsDfs,
    FlowId::WorkerToWorker,
];

// databricks-net-facts §3b (every hub firewall rule Databricks needs) and §6.4: removing any one rule
// of the hub-spoke pattern either leaves the launch RUNNING or ends it with the termination code of
// the first blocked startup flow the bootstrap reaches — the simulation agrees with `check`.
#[test]
fn every_single_firewall_rule_removed_ends_as_check_predicts() {
    let base = pattern("hub-spoke", "eastus2");
    let collections: Vec<(String, Vec<String>)> = base
        .firewall_policies
        .iter()
        .flat_map(|p| p.rule_collection_groups.iter())
        .flat_map(|g| g.rule_collections.iter())
        .map(|c| (c.name.clone(), c.rules.iter().map(|r| r.name.clone()).collect()))
        .collect();
    let mut variants = 0;
    let mut failures = 0;
    for (collection, rules) in &collections {
        for rule in rules {
            let mut e = base.clone();
            fw_rules(&mut e, collection).retain(|r| &r.name != rule);
            let check = run(&e);
            let expected = BOOT_ORDER.iter().find_map(|id| {
                check
                    .flows
                    .iter()
                    .filter(|f| f.id == *id && f.source_role != SourceRole::User)
                    .find(|f| f.is_failure() && f.requirement == Requirement::Startup)
                    .and_then(|f| f.symptom.as_ref().and_then(|s| s.termination_code))
            });
            let r = sim(&e, &options(spec(2, 1.0, 0.0)));
            let c = &r.clusters[0];
            variants += 1;
            match expected {
                Some(code) => {
                    failures += 1;
                    assert_eq!(
                        c.termination_reason.as_ref().map(|t| t.code.as_str()),
                        Some(code),
                        "without {collection}/{rule}"
                    );
                    assert_eq!(states(&r), vec![State::Pending, State::Terminating, State::Terminated]);
                }
                None => assert_eq!(
                    c.state,
                    State::Running,
                    "without {collection}/{rule}: {:?}",
                    c.termination_reason
                ),
            }
        }
    }
    assert!(variants >= 8 && failures >= 2, "{variants} variants, {failures} failing launches");
}

// §6.4: RESIZING → TERMINATING is allowed; a terminate during a resize ends both, and the run settles.
#[test]
fn terminate_during_a_resize_settles_with_user_request() {
    use adbflow_databricks::simulate::{world, Engine};
    let e = pattern("non-pl", "eastus2");
    let prepared = adbflow_databricks::prepare(&e, adbflow_databricks::builtin_regions(), None).unwrap();
    let w = world(&run(&e), &prepared.estate, limits::builtin(), 100);
    let mut eng = Engine::new(w, timing::builtin().clone(), 3);
    let id = eng.submit(spec(2, 1.0, 0.0), 0).unwrap();
    eng.advance_to(400_000);
    eng.resize(&id, 6, 400_000).unwrap();
    eng.terminate(&id, 410_000).unwrap();
    eng.run_until_settled();
    let c = eng.cluster(&id).unwrap();
    let st: Vec<State> = c.states.iter().map(|s| s.state).collect();
    assert_eq!(
        st,
        vec![State::Pending, State::Running, State::Resizing, State::Terminating, State::Terminated]
    );
    let reason = c.termination_reason.as_ref().unwrap();
    assert_eq!((reason.code.as_str(), reason.kind), ("USER_REQUEST", "SUCCESS"));
    assert_eq!(c.nodes, 0, "every address released");
    assert!(eng.now() < 410_000 + 120_000, "settled right after termination, at {}", eng.now());
}

/// How one launch on a broken variant ends, written out per variant (not derived from `check`).
enum Outcome {
    /// PENDING → TERMINATING → TERMINATED: `flow` is blocked in bootstrap `phase` and the launch ends
    /// with `code` after the bootstrap timeout, decided by `element` (the element `check` blames).
    Fails { phase: &'static str, flow: FlowId, code: &'static str, element: &'static str },
    /// The workspace cannot be deployed (`check` blocks startup flows with no termination code), so the
    /// launch ends at once with WORKSPACE_CONFIGURATION_ERROR (marked inferred), decided by `element`.
    NotDeployed { element: &'static str },
    /// RUNNING, with the cluster library FAILED: the library flow `flow` is blocked (§8 pip failures).
    LibraryFailed { flow: FlowId },
    /// RUNNING with the library installed: only the workload flows `broken` are blocked, which the
    /// bootstrap does not need; `events` are the extra events the launch carries (`METASTORE_DOWN`).
    Runs { broken: &'static [FlowId], events: &'static [EventType] },
}

/// A variant's name (with the domain-notes section), its builder, and the outcome expected.
type LaunchCase = (&'static str, fn() -> Estate, Outcome);

/// Every cluster-launch variant of `common::variants`. Check-only, not here: the two user-side
/// variants (users outside the private network, a blocked user address), which no launch crosses.
fn launch_cases() -> Vec<LaunchCase> {
    use FlowId::*;
    use Outcome::*;
    vec![
        (
            "non-pl, container subnet without NAT (§3, §6.6)",
            variants::non_pl_container_without_nat,
            Fails {
                phase: "secure-tunnel",
                flow: SccRelay,
                code: "NPIP_TUNNEL_SETUP_FAILURE",
                element: "subnet:adb-vnet/container",
            },
        ),
        (
            "hub-spoke, no relay rule (§3b)",
            variants::hub_spoke_without_relay_rule,
            Fails {
                phase: "secure-tunnel",
                flow: SccRelay,
                code: "NPIP_TUNNEL_SETUP_FAILURE",
                element: "firewall-policy:hub-fw-policy",
            },
        ),
        (
            "full-private, back-end endpoint Pending (azure-net-semantics §6)",
            variants::full_private_pending_back_end_endpoint,
            Fails {
                phase: "secure-tunnel",
                flow: SccRelay,
                code: "NPIP_TUNNEL_SETUP_FAILURE",
                element: "private-endpoint:adb-backend-pe",
            },
        ),
        (
            "non-pl, forced tunnel into a black hole (§8)",
            variants::non_pl_forced_tunnel_black_hole,
            Fails {
                phase: "secure-tunnel",
                flow: SccRelay,
                code: "NPIP_TUNNEL_SETUP_FAILURE",
                element: "route:forced-tunnel/blackhole",
            },
        ),
        (
            "non-pl, self-managed NSG rules without 8443-8451 (§2, §8)",
            variants::non_pl_self_managed_rules_without_the_new_ports,
            Fails {
                phase: "control-plane",
                flow: Webapp,
                code: "CONTROL_PLANE_REQUEST_FAILURE",
                element: "nsg-rule:adb-nsg/deny-internet",
            },
        ),
        (
            "hub-spoke, web-app network rule 443 only (§3b)",
            variants::hub_spoke_webapp_rule_without_the_new_ports,
            Fails {
                phase: "control-plane",
                flow: Webapp,
                code: "CONTROL_PLANE_REQUEST_FAILURE",
                element: "firewall-policy:hub-fw-policy",
            },
        ),
        (
            "full-private, privatelink.dfs zone not linked (azure-net-semantics §6.1, §6.6)",
            variants::full_private_unlinked_dfs_zone,
            Fails {
                phase: "storage",
                flow: DbfsDfs,
                code: "DBFS_COMPONENT_UNHEALTHY",
                element: "storage-account:dbstorageadbws",
            },
        ),
        (
            // A node resolves the artifact store before it opens the tunnel, so a DNS failure shows as
            // "Could not access worker artifacts … misconfigured DNS" (§8: azure-docs#52423, #54124).
            "non-pl, unreachable custom DNS server (§6.6, §8)",
            variants::non_pl_unreachable_custom_dns,
            Fails {
                phase: "artifact-resolution",
                flow: ArtifactPrimary,
                code: "NETWORK_CONFIGURATION_FAILURE",
                element: "vnet:adb-vnet",
            },
        ),
        (
            // §1 (S27, S13): an injected subnet without an NSG fails the workspace deployment itself.
            "non-pl, host subnet without an NSG (§1)",
            variants::non_pl_host_subnet_without_nsg,
            NotDeployed { element: "subnet:adb-vnet/host" },
        ),
        (
            "hub-spoke, `*.pypi.org` misses pypi.org (§8)",
            variants::hub_spoke_wildcard_pypi_rule,
            LibraryFailed { flow: Pypi },
        ),
        ("hub-spoke, no PyPI rule (§8)", variants::hub_spoke_without_pypi_rule, LibraryFailed { flow: Pypi }),
        (
            "non-pl, custom NSG deny-internet (azure-net-semantics §2)",
            variants::non_pl_custom_nsg_deny_internet,
            LibraryFailed { flow: Pypi },
        ),
        (
            // The metastore is a workload flow: the driver comes up and reports METASTORE_DOWN (§6.5);
            // hive_metastore queries fail later ("Unable to instantiate … HiveMetaStoreClient", §8).
            "non-pl, private zone mysql.database.azure.com (§8)",
            variants::non_pl_mysql_zone_hijacks_the_metastore,
            Runs { broken: &[Metastore], events: &[EventType::MetastoreDown] },
        ),
        (
            // Metastore (3306) and Event Hub (9093) are FQDN network rules; both are workload flows.
            "hub-spoke, network-rule FQDNs without DNS proxy (azure-net-semantics §7.4)",
            variants::hub_spoke_network_rule_fqdns_without_dns_proxy,
            Runs { broken: &[Metastore, EventHub], events: &[EventType::MetastoreDown] },
        ),
        (
            // The data lake is only read by workloads: the 403 comes with the first query (§8).
            "non-pl, storage firewall without the container subnet (§8)",
            variants::non_pl_storage_firewall_without_the_container_subnet,
            Runs { broken: &[ExternalLocation], events: &[] },
        ),
    ]
}

/// The check rows of `id` from the cluster nodes (host and container), the blocked ones first.
fn node_rows(check: &CheckReport, id: FlowId) -> Vec<&adbflow_databricks::check::CheckFlow> {
    let mut rows: Vec<_> =
        check.flows.iter().filter(|f| f.id == id && f.source_role != SourceRole::User).collect();
    rows.sort_by_key(|f| !f.is_failure());
    rows
}

// Issue 6 acceptance: each broken variant from the check issue ends with its expected termination
// code and the state sequence PENDING → TERMINATING → TERMINATED (databricks-net-facts §6.4, §6.6),
// or RUNNING with the library FAILED, or plain RUNNING when only workload flows are broken.
#[test]
fn every_broken_variant_ends_as_expected() {
    let o = options(spec(2, 1.0, 0.2));
    let timeout = timing::builtin().ms("startup-flow-timeout");
    let cases = launch_cases();
    assert_eq!(cases.len(), 15);
    for (name, build, expect) in cases {
        let (check, r) = sim_with_check(&build(), &o);
        let c = &r.clusters[0];
        let events: Vec<EventType> = c.events.iter().map(|e| e.kind).collect();
        match expect {
            Outcome::Fails { phase: ph, flow: id, code, element: el } => {
                assert_eq!(states(&r), vec![State::Pending, State::Terminating, State::Terminated], "{name}");
                let reason = c.termination_reason.as_ref().unwrap_or_else(|| panic!("{name}: no reason"));
                assert_eq!((reason.code.as_str(), reason.kind), (code, "CLIENT_ERROR"), "{name}");
                assert_eq!(c.decided_by.as_deref(), Some(el), "{name}");
                // The element and code agree with what `check` says about the same flow.
                let row = node_rows(&check, id)[0];
                assert!(row.is_failure() && row.requirement == Requirement::Startup, "{name}: {id}");
                assert_eq!(element(row), el, "{name}: check blames another element");
                assert_eq!(termination(row), Some(code), "{name}");
                assert_eq!(
                    reason.parameters["databricks_error_message"],
                    row.symptom.as_ref().unwrap().message
                );
                // Ended in the phase that needs the flow, after the bootstrap timeout.
                let p = phase(&r, ph);
                assert_eq!((p.flow, p.outcome), (Some(id), "blocked"), "{name}");
                assert_eq!(p.end_ms - p.start_ms, timeout, "{name}");
                assert_eq!(events.last(), Some(&EventType::Terminating), "{name}");
                assert!(c.running_ms.is_none() && c.libraries.is_empty() && c.nodes == 0, "{name}");
                assert_eq!(r.summary.failed.get(code), Some(&1), "{name}");
            }
            Outcome::NotDeployed { element: el } => {
                assert_eq!(states(&r), vec![State::Pending, State::Terminating, State::Terminated], "{name}");
                let reason = c.termination_reason.as_ref().unwrap_or_else(|| panic!("{name}: no reason"));
                assert_eq!(reason.code, "WORKSPACE_CONFIGURATION_ERROR", "{name}");
                assert!(c.termination_inferred, "{name}: the code is the twin's reading");
                assert_eq!(c.decided_by.as_deref(), Some(el), "{name}");
                assert!(c.running_ms.is_none() && c.nodes == 0, "{name}: no VM was provisioned");
                assert!(reason.parameters["databricks_error_message"].contains("deployment fails"), "{name}");
            }
            Outcome::LibraryFailed { flow: id } => {
                assert_eq!(
                    states(&r),
                    vec![State::Pending, State::Running],
                    "{name}: {:?}",
                    c.termination_reason
                );
                assert!(c.termination_reason.is_none() && c.decided_by.is_none(), "{name}");
                assert_eq!(c.libraries.len(), 1, "{name}");
                assert_eq!(c.libraries[0].status, "FAILED", "{name}");
                assert!(
                    c.libraries[0].messages[0].starts_with("pip install fails"),
                    "{name}: {:?}",
                    c.libraries
                );
                let p = phase(&r, "library-download");
                assert_eq!((p.flow, p.outcome), (Some(id), "blocked"), "{name}");
                // The report names no element for a failed library; check blames the flow on one.
                let row = node_rows(&check, id)[0];
                assert!(row.is_failure() && row.requirement == Requirement::Workload, "{name}: {id}");
                assert_eq!(r.summary.libraries_failed, 1, "{name}");
            }
            Outcome::Runs { broken, events: extra } => {
                assert_eq!(
                    states(&r),
                    vec![State::Pending, State::Running],
                    "{name}: {:?}",
                    c.termination_reason
                );
                assert!(c.termination_reason.is_none() && c.decided_by.is_none(), "{name}");
                assert_eq!(c.libraries[0].status, "INSTALLED", "{name}");
                for id in broken {
                    let row = node_rows(&check, *id)[0];
                    assert!(row.is_failure() && row.requirement == Requirement::Workload, "{name}: {id}");
                }
                for kind in extra {
                    assert!(events.contains(kind), "{name}: no {kind:?} in {events:?}");
                }
                if !extra.contains(&EventType::MetastoreDown) {
                    assert!(!events.contains(&EventType::MetastoreDown), "{name}");
                }
            }
        }
        // Whatever the outcome, the states only take allowed transitions (§6.4).
        for pair in states(&r).windows(2) {
            assert!(pair[0].may_become(pair[1]), "{name}: {pair:?}");
        }
    }
}
