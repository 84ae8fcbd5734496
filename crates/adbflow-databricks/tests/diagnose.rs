//! `diagnose` on broken variants of the reference patterns: from a termination code or a reported
//! symptom back to the flow, the deciding element and the fix; generic causes when the model explains
//! nothing; the ranking rules; the extension point for other models.

mod common;

use adbflow_databricks::check::{CheckReport, FlowVerdict};
use adbflow_databricks::diagnose::{
    builtin_knowledge, explain, Cause, CauseSource, DiagnoseReport, Impact, Needs, Query, QueryError,
    RankKey, Strength,
};
use adbflow_databricks::{FlowId, Phase};
use adbflow_model::{Access, AddressSpec, Direction, Estate, NsgRule, PortSet, Protocol};
use common::*;

fn code(e: &Estate, c: &str) -> DiagnoseReport {
    explain(&run(e), &Query::code(builtin_knowledge(), c).unwrap(), &[])
}

fn symptom(e: &Estate, s: &str) -> DiagnoseReport {
    explain(&run(e), &Query::symptom(builtin_knowledge(), s).unwrap(), &[])
}

fn first(r: &DiagnoseReport) -> &Cause {
    r.causes.first().unwrap_or_else(|| panic!("no cause for {}: {:#?}", r.query.asked, r.other_failures))
}

fn flow_of(c: &Cause) -> FlowId {
    c.flow.as_ref().map(|f| f.id).expect("a flow cause")
}

fn app_rules<'a>(e: &'a mut Estate, collection: &str) -> &'a mut Vec<adbflow_model::FirewallRule> {
    let p = e.firewall_policies.iter_mut().find(|p| p.name == "hub-fw-policy").unwrap();
    let c = p
        .rule_collection_groups
        .iter_mut()
        .flat_map(|g| g.rule_collections.iter_mut())
        .find(|c| c.name == collection)
        .unwrap();
    &mut c.rules
}

fn without_nat(e: &mut Estate, subnets: &[&str]) {
    for s in e.vnets[0].subnets.iter_mut().filter(|s| subnets.contains(&s.name.as_str())) {
        s.nat_gateway = None;
    }
}

fn deny_internet(e: &mut Estate) {
    e.nsgs[0].rules.push(NsgRule {
        name: "deny-internet-out".into(),
        priority: 4000,
        direction: Direction::Outbound,
        access: Access::Deny,
        protocol: Protocol::Any,
        source: Some(AddressSpec::Tag("VirtualNetwork".into())),
        source_asgs: vec![],
        source_ports: PortSet::Any,
        destination: Some(AddressSpec::Tag("Internet".into())),
        destination_asgs: vec![],
        destination_ports: PortSet::Any,
        description: None,
        managed_by: None,
        origin: None,
    });
}

// The acceptance test. databricks-net-facts §3b: with UDR 0/0 to the hub firewall the relay
// needs a firewall rule; without it the firewall's default deny decides, and the fix names the rule.
#[test]
fn hub_spoke_without_a_relay_rule_names_that_rule_first() {
    let mut e = pattern("hub-spoke", "eastus2");
    app_rules(&mut e, "databricks-application").retain(|r| r.name != "scc-relay");
    let r = code(&e, "NPIP_TUNNEL_SETUP_FAILURE");
    assert!(r.explained);
    assert_eq!(r.exit_code(), 1);
    let c = first(&r);
    assert_eq!(c.rank, 1);
    assert_eq!(flow_of(c), FlowId::SccRelay);
    assert_eq!(c.strength, Strength::Exact);
    assert_eq!(c.reason_code, "FIREWALL_DENIED");
    assert!(c.element.id.starts_with("firewall") && c.element.id.contains("hub-fw"), "{}", c.element.id);
    assert!(c.element.origin.is_some(), "the deciding element says where it is defined");
    let f = c.flow.as_ref().unwrap();
    assert_eq!((f.blocked_from, f.sources), (2, 2), "both NICs");
    assert_eq!(f.subnets, ["adb-spoke/host", "adb-spoke/container"]);
    assert_eq!(c.fixes.len(), 1, "one fix for both NICs: {:?}", c.fixes);
    let fix = &c.fixes[0];
    assert!(
        fix.action.contains("application rule") && fix.action.contains("tunnel.eastus2.azuredatabricks.net"),
        "{}",
        fix.action
    );
    assert_eq!(fix.element.as_ref().unwrap().id, "firewall-policy:hub-fw-policy");
    assert!(c.ranked_by.iter().any(|x| x.contains("phase 3")), "{:?}", c.ranked_by);
    assert!(r.generic_causes.is_empty(), "generic causes only when the model explains nothing");
    assert!(r.query.inferred, "Databricks does not document this code (databricks-net-facts §6.6)");
}

// databricks-net-facts §3 (S6) and azure-net-semantics §4.4: no egress device → the relay is the first
// thing a pending cluster cannot reach; later phases come after it.
#[test]
fn pending_without_egress_ranks_the_relay_first() {
    let mut e = pattern("non-pl", "eastus2");
    without_nat(&mut e, &["host", "container"]);
    let r = symptom(&e, "pending");
    assert_eq!(r.exit_code(), 1);
    let relay: Vec<&Cause> = r.causes.iter().take(2).collect();
    for c in &relay {
        assert_eq!(flow_of(c), FlowId::SccRelay, "{:#?}", r.causes);
        assert_eq!(c.reason_code, "NO_OUTBOUND_CONNECTIVITY");
        assert!(c.element.id.starts_with("subnet:adb-vnet/"), "{}", c.element.id);
        assert!(c.fixes[0].action.starts_with("attach a NAT gateway"), "{}", c.fixes[0].action);
    }
    assert_ne!(relay[0].element.id, relay[1].element.id, "one cause per subnet without egress");
    let phases: Vec<Phase> = r.causes.iter().map(|c| c.flow.as_ref().unwrap().phase).collect();
    assert!(phases.windows(2).all(|w| w[0] <= w[1]), "earliest phase first: {phases:?}");
    assert!(r.causes.iter().any(|c| flow_of(c) == FlowId::Webapp));
    assert!(
        r.causes.iter().all(|c| c.impact == Impact::Startup),
        "pending is about startup flows only (pip is not in the list)"
    );
}

// databricks-net-facts §8 (microsoft/AzureTRE#3694): `*.pypi.org` does not match `pypi.org`.
#[test]
fn pip_behind_a_wildcard_firewall_rule() {
    let mut e = pattern("hub-spoke", "eastus2");
    let pypi = app_rules(&mut e, "package-repositories").iter_mut().find(|r| r.name == "pypi").unwrap();
    pypi.target_fqdns = vec!["*.pypi.org".into(), "files.pythonhosted.org".into()];
    let r = symptom(&e, "pip");
    let c = first(&r);
    assert_eq!(flow_of(c), FlowId::Pypi);
    assert_eq!(c.reason_code, "FIREWALL_DENIED");
    assert_eq!(c.impact, Impact::Workload);
    assert!(c.fixes[0].action.contains("'*.pypi.org' does not match"), "{}", c.fixes[0].action);
    assert_eq!(r.causes.len(), 1, "files.pythonhosted.org still passes: {:#?}", r.causes);
}

// azure-net-semantics §4.4: without NAT gateway or firewall a private subnet has no way to PyPI; the
// service endpoint carries storage only.
#[test]
fn pip_without_any_egress_device() {
    let mut e = pattern("non-pl", "eastus2");
    without_nat(&mut e, &["host", "container"]);
    let r = symptom(&e, "pip");
    assert!(r.causes.iter().all(|c| matches!(flow_of(c), FlowId::Pypi | FlowId::PypiFiles)));
    assert_eq!(r.causes.len(), 4, "two flows from two subnets, each subnet its own element");
    let c = first(&r);
    assert_eq!(c.reason_code, "NO_OUTBOUND_CONNECTIVITY");
    assert!(c.fixes[0].action.starts_with("attach a NAT gateway"), "{}", c.fixes[0].action);
    assert!(
        r.other_failures
            .iter()
            .any(|o| o.flow == FlowId::SccRelay && o.termination_code == Some("NPIP_TUNNEL_SETUP_FAILURE")),
        "the relay failure is reported as another failure: {:#?}",
        r.other_failures
    );
}

// azure-net-semantics §2: a custom NSG deny reaches what Databricks' priority-100 rules do not cover.
#[test]
fn pip_behind_a_custom_nsg_deny() {
    let mut e = pattern("non-pl", "eastus2");
    deny_internet(&mut e);
    let r = symptom(&e, "pip");
    let c = first(&r);
    assert_eq!(c.reason_code, "NSG_DENIED");
    assert_eq!(c.element.id, "nsg-rule:adb-nsg/deny-internet-out");
    assert_eq!(c.flow.as_ref().unwrap().blocked_from, 2);
}

// databricks-net-facts §5 (air-gapped workspaces): pip fails by design; still the answer, ranked as such.
#[test]
fn pip_on_full_private_is_blocked_by_design() {
    let r = symptom(&pattern("full-private", "eastus2"), "pip");
    let c = first(&r);
    assert_eq!(c.flow.as_ref().unwrap().verdict, FlowVerdict::BlockedByDesign);
    assert!(c.ranked_by.iter().any(|x| x == "blocked by design"), "{:?}", c.ranked_by);
    assert!(c.fixes[0].action.contains("mirror"), "{}", c.fixes[0].action);
    assert_eq!(r.exit_code(), 1);
}

// databricks-net-facts §8 (MicrosoftDocs/azure-docs#80464): the storage firewall lacks the container
// subnet; the 403 is the exact symptom.
#[test]
fn storage_403_names_the_storage_firewall_and_the_missing_subnet() {
    let mut e = pattern("non-pl", "eastus2");
    e.storage_accounts.iter_mut().find(|s| s.name == "adbdatalake").unwrap().virtual_network_rules =
        vec!["adb-vnet/host".into()];
    let r = symptom(&e, "storage-403");
    assert_eq!(r.causes.len(), 1, "{:#?}", r.causes);
    let c = first(&r);
    assert_eq!(flow_of(c), FlowId::ExternalLocation);
    assert_eq!(c.strength, Strength::Exact);
    assert_eq!(c.element.id, "storage-account:adbdatalake");
    let f = c.flow.as_ref().unwrap();
    assert_eq!(f.subnets, ["adb-vnet/container"]);
    assert_eq!((f.blocked_from, f.sources), (1, 2));
    assert!(c.symptom.as_ref().unwrap().message.contains("403"));
    assert!(c.fixes[0].action.contains("virtual network rule for subnet adb-vnet/container"));
}

// A closed path to storage is a timeout, not a 403 (databricks-net-facts §8, #80464 vs #43679): related,
// ranked after the 403s.
#[test]
fn storage_timeouts_rank_after_403s() {
    let mut e = pattern("non-pl", "eastus2");
    variants::add_black_hole_route_table(&mut e);
    let container = e.vnets[0].subnets.iter_mut().find(|s| s.name == "container").unwrap();
    container.route_table = Some("forced-tunnel".into());
    container.service_endpoints.clear();
    e.storage_accounts.iter_mut().find(|s| s.name == "adbucmetastore").unwrap().virtual_network_rules =
        vec!["adb-vnet/container".into()];
    let r = symptom(&e, "storage-403");
    let c = first(&r);
    assert_eq!((flow_of(c), c.strength), (FlowId::UcStorage, Strength::Exact));
    assert_eq!(c.flow.as_ref().unwrap().subnets, ["adb-vnet/host"]);
    assert_eq!(c.element.id, "storage-account:adbucmetastore");
    let timeouts: Vec<&Cause> = r.causes.iter().filter(|c| c.strength == Strength::Related).collect();
    assert!(!timeouts.is_empty(), "{:#?}", r.causes);
    for t in &timeouts {
        assert_eq!(t.reason_code, "ROUTE_NONE");
        assert_eq!(t.flow.as_ref().unwrap().subnets, ["adb-vnet/container"]);
        assert!(t.why.contains("timeout"), "{}", t.why);
    }
    let strengths: Vec<Strength> = r.causes.iter().map(|c| c.strength).collect();
    assert!(strengths.windows(2).all(|w| w[0] <= w[1]), "exact before related: {strengths:?}");
}

// databricks-net-facts §8 (MicrosoftDocs/azure-docs#103755): a zone named mysql.database.azure.com
// hijacks the metastore name.
#[test]
fn dns_hijacking_zone() {
    let e = variants::non_pl_mysql_zone_hijacks_the_metastore();
    let r = symptom(&e, "dns");
    let c = first(&r);
    assert_eq!(flow_of(c), FlowId::Metastore);
    assert_eq!(c.reason_code, "DNS_RESOLUTION_FAILED");
    assert!(c.element.id.contains("mysql.database.azure.com"), "{}", c.element.id);
    assert!(c.fixes[0].action.starts_with("unlink private DNS zone mysql.database.azure.com"));
    let m = code(&e, "METASTORE_COMPONENT_UNHEALTHY");
    assert_eq!(flow_of(first(&m)), FlowId::Metastore);
    assert_eq!(first(&m).strength, Strength::Exact);
}

// databricks-net-facts §8 (MicrosoftDocs/azure-docs#52423, #54124): an unreachable custom DNS server;
// NETWORK_CONFIGURATION_FAILURE is its documented code.
#[test]
fn dns_unreachable_custom_server() {
    let mut e = pattern("non-pl", "eastus2");
    e.vnets[0].dns_servers = vec!["192.168.50.10".parse().unwrap()];
    let r = symptom(&e, "dns");
    assert!(r.causes.iter().all(|c| c.reason_code == "DNS_RESOLUTION_FAILED"), "{:#?}", r.causes);
    assert_eq!(first(&r).impact, Impact::Startup, "startup flows first");
    let n = code(&e, "NETWORK_CONFIGURATION_FAILURE");
    let c = first(&n);
    assert_eq!(flow_of(c), FlowId::ArtifactPrimary);
    assert_eq!(c.strength, Strength::Exact);
    assert!(!n.query.inferred, "documented meaning");
    // The same block read against another code: it surfaces as NETWORK_CONFIGURATION_FAILURE, so at
    // most related there.
    let s = code(&e, "STORAGE_DOWNLOAD_FAILURE");
    let a = s.causes.iter().find(|c| flow_of(c) == FlowId::ArtifactPrimary).unwrap();
    assert_eq!(a.strength, Strength::Related);
    assert!(a.why.contains("NETWORK_CONFIGURATION_FAILURE"), "{}", a.why);
}

// azure-net-semantics §6.1: an unlinked privatelink zone sends DBFS to the closed public endpoint; the
// fix is in DNS, so the dns symptom lists it as related.
#[test]
fn dns_unlinked_privatelink_zone_is_related() {
    let mut e = pattern("full-private", "eastus2");
    e.private_dns_zones
        .iter_mut()
        .find(|z| z.name == "privatelink.dfs.core.windows.net")
        .unwrap()
        .links
        .clear();
    let r = symptom(&e, "dns");
    let c = first(&r);
    assert_eq!(flow_of(c), FlowId::DbfsDfs);
    assert_eq!(c.strength, Strength::Related);
    assert_eq!(c.reason_code, "DESTINATION_DENIED");
    assert_eq!(c.fixes[0].element.as_ref().unwrap().id, "private-dns-zone:privatelink.dfs.core.windows.net");
    assert!(
        r.notes.iter().any(|n| n.contains("no block in the model produces dns exactly")),
        "{:?}",
        r.notes
    );
}

// databricks-net-facts §1 (S27, S13): a subnet without an NSG stops the deployment; for a launch code
// that error is a cause, with the check's fix for the subnet.
#[test]
fn deployment_errors_explain_launch_codes() {
    let mut e = pattern("non-pl", "eastus2");
    e.vnets[0].subnets.iter_mut().find(|s| s.name == "host").unwrap().nsg = None;
    let r = code(&e, "NPIP_TUNNEL_SETUP_FAILURE");
    let d = r.causes.iter().find(|c| c.found_by == "deployment").expect("a deployment cause");
    assert_eq!(d.impact, Impact::Deployment);
    assert_eq!(d.reason_code, "subnet-nsg-missing");
    assert_eq!(d.element.id, "subnet:adb-vnet/host");
    assert!(d.fixes[0].action.starts_with("associate an NSG with subnet adb-vnet/host"));
    assert!(
        r.causes.iter().all(|c| c.flow.as_ref().is_none_or(|f| !f.subnets.contains(&"adb-vnet/host".into()))),
        "the pre-blocked flows are represented by the finding"
    );
    assert!(symptom(&e, "pip").causes.iter().all(|c| c.found_by != "deployment"), "not a launch symptom");
}

// A healthy deployment explains nothing: the documented generic causes, exit 0.
#[test]
fn healthy_deployment_lists_generic_causes_with_sources() {
    let r = code(&pattern("non-pl", "eastus2"), "NPIP_TUNNEL_SETUP_FAILURE");
    assert!(!r.explained && r.causes.is_empty());
    assert_eq!(r.exit_code(), 0);
    assert!(r.generic_causes.len() >= 3);
    for g in &r.generic_causes {
        assert!(!g.source.title.is_empty() && g.as_of.len() == 10, "{g:?}");
    }
    assert!(r.generic_causes.iter().any(|g| g.source.url.contains("azure-docs/issues/43679")));
}

// diagnose does not consult the simulation yet: slow-start is answered generically, and the report
// says so and where the timing is.
#[test]
fn slow_start_is_generic_without_a_timing_model() {
    let r = symptom(&pattern("hub-spoke", "eastus2"), "slow-start");
    assert!(!r.explained);
    assert_eq!(r.exit_code(), 0);
    assert!(!r.generic_causes.is_empty());
    assert!(
        r.notes.iter().any(|n| n.contains("startup timing") && n.contains("adbflow simulate")),
        "{:?}",
        r.notes
    );
}

/// Stands in for the lifecycle simulation: explains a slow start from "simulated" timing.
struct FakeTiming;

impl CauseSource for FakeTiming {
    fn name(&self) -> &str {
        "simulation"
    }
    fn provides(&self) -> &[Needs] {
        &[Needs::Timing]
    }
    fn causes(&self, query: &Query<'_>, check: &CheckReport) -> Vec<Cause> {
        if query.entry.key() != "slow-start" {
            return Vec::new();
        }
        let fw = check.flows.iter().find(|f| f.egress == "firewall").expect("a firewall path");
        let el =
            fw.hops.iter().find(|h| h.kind == adbflow_net::HopKind::Firewall).unwrap().decided_by.clone();
        vec![Cause {
            rank: 0,
            found_by: self.name().into(),
            strength: Strength::Exact,
            why: "the simulated image download through the firewall takes longest".into(),
            ranked_by: Vec::new(),
            impact: Impact::Startup,
            workspace: Some(fw.workspace.as_str().to_owned()),
            flow: None,
            reason_code: "SLOW_PATH".into(),
            element: el,
            message: "simulated".into(),
            inferred: false,
            symptom: None,
            fixes: Vec::new(),
            key: RankKey {
                strength: Some(Strength::Exact),
                impact: Some(Impact::Startup),
                by_design: false,
                phase: Some(Phase::Downloads),
                blocked_from: 0,
            },
        }]
    }
}

#[test]
fn another_model_can_explain_slow_start() {
    let check = run(&pattern("hub-spoke", "eastus2"));
    let q = Query::symptom(builtin_knowledge(), "slow-start").unwrap();
    let r = explain(&check, &q, &[&FakeTiming]);
    assert!(r.explained);
    assert_eq!(r.models, ["check", "simulation"]);
    assert_eq!(first(&r).found_by, "simulation");
    assert!(r.notes.iter().all(|n| !n.contains("startup timing")), "{:?}", r.notes);
    assert!(r.generic_causes.is_empty());
}

#[test]
fn unknown_codes_and_symptoms_list_the_known_ones() {
    let k = builtin_knowledge();
    let Err(QueryError::UnknownCode { code, known }) = Query::code(k, "NOT_A_REAL_CODE") else {
        panic!("accepted an unknown code")
    };
    assert_eq!(code, "NOT_A_REAL_CODE");
    assert!(known.contains("NPIP_TUNNEL_SETUP_FAILURE") && known.contains("SUBNET_EXHAUSTED_FAILURE"));
    let e = Query::symptom(k, "slow").unwrap_err().to_string();
    assert!(e.contains("pending, pip, storage-403, dns, slow-start"), "{e}");
    let v = Query::code(k, "control_plane_request_failure_due_to_misconfig").unwrap();
    assert_eq!(v.asked(), "CONTROL_PLANE_REQUEST_FAILURE_DUE_TO_MISCONFIG");
    assert_eq!(v.entry.key(), "CONTROL_PLANE_REQUEST_FAILURE");
}

// Same input, same answer — whatever order the check lists its flows in.
#[test]
fn ranking_is_deterministic_and_independent_of_flow_order() {
    let mut e = pattern("non-pl", "eastus2");
    without_nat(&mut e, &["container"]);
    deny_internet(&mut e);
    let q = Query::symptom(builtin_knowledge(), "pending").unwrap();
    let check = run(&e);
    let a = explain(&check, &q, &[]);
    assert_eq!(a, explain(&run(&e), &q, &[]));
    let mut reversed = check.clone();
    reversed.flows.reverse();
    let b = explain(&reversed, &q, &[]);
    let key = |r: &DiagnoseReport| -> Vec<(usize, String, String)> {
        r.causes.iter().map(|c| (c.rank, format!("{:?}", flow_of(c)), c.element.id.to_string())).collect()
    };
    assert_eq!(key(&a), key(&b));
    assert!(a.causes.len() >= 2);
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&explain(&check, &q, &[])).unwrap());
}

// "Both NICs failing before one": two flows of the same phase and requirement, one blocked from both
// NICs, the other from one; the wider failure comes first although its flow ID sorts later.
#[test]
fn flows_blocked_from_both_nics_rank_before_one() {
    let mut e = pattern("non-pl", "eastus2");
    deny_internet(&mut e);
    let q = Query::symptom(builtin_knowledge(), "pip").unwrap();
    let mut check = run(&e);
    // Let pypi pass from the host NIC: now pypi-files is blocked from 2 sources, pypi from 1.
    let host_files =
        check.flows.iter_mut().find(|f| f.id == FlowId::Pypi && f.subnet == "adb-vnet/host").unwrap();
    host_files.verdict = FlowVerdict::Delivered;
    host_files.blocked_by = None;
    let r = explain(&check, &q, &[]);
    let order: Vec<(FlowId, usize)> =
        r.causes.iter().map(|c| (flow_of(c), c.flow.as_ref().unwrap().blocked_from)).collect();
    assert_eq!(order, [(FlowId::PypiFiles, 2), (FlowId::Pypi, 1)]);
    assert!(r.causes[0].ranked_by.iter().any(|x| x.contains("every NIC")), "{:?}", r.causes[0].ranked_by);
}

// The troubleshooting guide's symptoms (seed) and every code databricks-net-facts §6.6 gives a
// meaning for, calls out as undocumented, or §8 reports are described.
#[test]
fn every_code_and_symptom_of_the_domain_notes_is_covered() {
    let k = builtin_knowledge();
    assert_eq!(k.symptom_names(), ["pending", "pip", "storage-403", "dns", "slow-start"]);
    let codes = [
        // §6.6 documented meanings
        "USER_REQUEST",
        "JOB_FINISHED",
        "INACTIVITY",
        "CLOUD_PROVIDER_SHUTDOWN",
        "COMMUNICATION_LOST",
        "CLOUD_PROVIDER_LAUNCH_FAILURE",
        "SPARK_STARTUP_FAILURE",
        "INVALID_ARGUMENT",
        "UNEXPECTED_LAUNCH_FAILURE",
        "INTERNAL_ERROR",
        "SPARK_ERROR",
        "METASTORE_COMPONENT_UNHEALTHY",
        "DBFS_COMPONENT_UNHEALTHY",
        "AZURE_RESOURCE_PROVIDER_THROTTLING",
        "AZURE_RESOURCE_MANAGER_THROTTLING",
        "NETWORK_CONFIGURATION_FAILURE",
        "DRIVER_UNREACHABLE",
        "DRIVER_UNRESPONSIVE",
        "INSTANCE_UNREACHABLE",
        "CONTAINER_LAUNCH_FAILURE",
        "INSTANCE_POOL_CLUSTER_FAILURE",
        "REQUEST_REJECTED",
        "INIT_SCRIPT_FAILURE",
        "TRIAL_EXPIRED",
        // §6.6 observed messages and §8
        "AZURE_VNET_CONFIGURATION_FAILURE",
        "SELF_BOOTSTRAP_FAILURE",
        // §6.6 without an official description (meaning inferred)
        "NPIP_TUNNEL_SETUP_FAILURE",
        "NPIP_TUNNEL_TOKEN_FAILURE",
        "STORAGE_DOWNLOAD_FAILURE",
        "STORAGE_DOWNLOAD_FAILURE_DUE_TO_MISCONFIG",
        "STORAGE_DOWNLOAD_FAILURE_SLOW",
        "STORAGE_DOWNLOAD_FAILURE_THROTTLED",
        "SUBNET_EXHAUSTED_FAILURE",
        "BOOTSTRAP_TIMEOUT",
        "BOOTSTRAP_TIMEOUT_DUE_TO_MISCONFIG",
        "BOOTSTRAP_TIMEOUT_CLOUD_PROVIDER_EXCEPTION",
        "CONTROL_PLANE_REQUEST_FAILURE",
        "CONTROL_PLANE_REQUEST_FAILURE_DUE_TO_MISCONFIG",
        "NETWORK_CHECK_CONTROL_PLANE_FAILURE",
        "NETWORK_CHECK_DNS_SERVER_FAILURE",
        "NETWORK_CHECK_METADATA_ENDPOINT_FAILURE",
        "NETWORK_CHECK_NIC_FAILURE",
        "NETWORK_CHECK_STORAGE_FAILURE",
        "NETWORK_CHECK_MULTIPLE_COMPONENTS_FAILURE",
        "IP_EXHAUSTION_FAILURE",
        "DNS_RESOLUTION_ERROR",
        "SECURITY_DAEMON_REGISTRATION_EXCEPTION",
    ];
    for c in codes {
        assert!(k.code(c).is_some(), "{c} is not described");
    }
    for c in ["NPIP_TUNNEL_SETUP_FAILURE", "SUBNET_EXHAUSTED_FAILURE", "BOOTSTRAP_TIMEOUT"] {
        assert!(k.code(c).unwrap().inferred, "{c}: no official description, so the meaning is inferred");
    }
    for c in ["DBFS_COMPONENT_UNHEALTHY", "NETWORK_CONFIGURATION_FAILURE", "INSTANCE_UNREACHABLE"] {
        assert!(!k.code(c).unwrap().inferred, "{c} is documented");
    }
}

// Every code the check itself can emit (symptom.rs) has an entry, and a blocked flow with that code
// is an exact cause of it.
#[test]
fn every_code_the_check_emits_is_explained_exactly() {
    let mut e = pattern("non-pl", "eastus2");
    without_nat(&mut e, &["host", "container"]);
    for s in &mut e.vnets[0].subnets {
        s.service_endpoints.clear();
    }
    let check = run(&e);
    let mut emitted: Vec<&str> =
        check.flows.iter().filter_map(|f| f.symptom.as_ref().and_then(|s| s.termination_code)).collect();
    emitted.sort_unstable();
    emitted.dedup();
    assert!(emitted.len() >= 4, "{emitted:?}");
    for c in emitted {
        let r = explain(&check, &Query::code(builtin_knowledge(), c).unwrap(), &[]);
        assert_eq!(first(&r).strength, Strength::Exact, "{c}");
        assert_eq!(first(&r).symptom.as_ref().and_then(|s| s.termination_code), Some(c));
    }
}

/// The seed profile with `nodes` nodes per cluster.
fn profile_of(nodes: u32) -> adbflow_databricks::profile::Profile {
    let mut p = adbflow_databricks::profile::Profile::named("seed").unwrap();
    p.settings.nodes_per_cluster = nodes;
    p
}

fn with_models(e: &Estate, q: &Query<'_>, nodes: u32) -> DiagnoseReport {
    use adbflow_databricks::diagnose::sources::{CapacityCauses, TimingCauses};
    use adbflow_databricks::diagnose::CauseSource;
    let profile = profile_of(nodes);
    let limits = adbflow_databricks::limits::builtin();
    let timing = adbflow_databricks::simulate::timing::builtin();
    let capacity = CapacityCauses { estate: e, profile: &profile, limits };
    let sim = TimingCauses { estate: e, profile: &profile, limits, timing, seed: 1 };
    let sources: [&dyn CauseSource; 2] = [&capacity, &sim];
    explain(&run(e), q, &sources)
}

// databricks-net-facts §6.6 (SUBNET_EXHAUSTED_FAILURE ↔ not enough free IPs): a workload larger than
// the injected subnets hold is explained by the capacity model, naming the subnet; one that fits is not.
#[test]
fn subnet_exhaustion_is_explained_by_the_capacity_model() {
    let e = variants::non_pl_with_subnets_of(26);
    let q = Query::code(builtin_knowledge(), "SUBNET_EXHAUSTED_FAILURE").unwrap();
    // A /26 holds 2^6 − 5 = 59 nodes.
    let r = with_models(&e, &q, 100);
    assert!(r.explained, "{:#?}", r.notes);
    let c = first(&r);
    assert_eq!((c.found_by.as_str(), c.strength), ("capacity", Strength::Exact));
    assert!(c.element.id.starts_with("subnet:adb-vnet/"), "{}", c.element.id);
    assert!(c.why.contains("runs 100 nodes at once") && c.why.contains("holds 59"), "{}", c.why);
    assert!(r.models.contains(&"capacity".to_string()));
    let r = with_models(&e, &q, 50);
    assert!(!r.explained, "50 nodes fit in 59 addresses: {:#?}", r.causes);
    assert!(r.notes.iter().all(|n| !n.contains("needs")), "capacity was consulted: {:?}", r.notes);
}

// Issue 6: "100 nodes pulling wheels through a new hub firewall start measurably later than through a
// NAT gateway" — the simulation explains the slow start by the firewall, which starts below its
// scaled-out throughput; the same workload on non-pl's NAT gateway adds less.
#[test]
fn a_slow_start_through_a_new_firewall_is_explained_by_the_simulation() {
    let q = Query::symptom(builtin_knowledge(), "slow-start").unwrap();
    let r = with_models(&pattern("hub-spoke", "eastus2"), &q, 100);
    assert!(r.explained, "{:#?}", r.notes);
    let c = first(&r);
    assert_eq!((c.found_by.as_str(), c.strength), ("simulation", Strength::Exact));
    assert_eq!(c.element.id, "firewall:hub-fw");
    assert!(c.inferred, "simulated durations rest on calibrated defaults");
    assert!(c.why.contains("until it scales out"), "{}", c.why);
    let excess = |r: &DiagnoseReport| -> f64 {
        r.causes.iter().find(|c| c.found_by == "simulation").map_or(0.0, |c| {
            c.why.split(" s more").next().and_then(|w| w.rsplit(' ').next()).unwrap().parse().unwrap()
        })
    };
    let nat = with_models(&pattern("non-pl", "eastus2"), &q, 100);
    assert!(excess(&r) > excess(&nat), "firewall {} s vs NAT {} s", excess(&r), excess(&nat));
    // A small cluster starts without a noticeable wait: nothing in the model explains a slow start.
    let small = with_models(&pattern("hub-spoke", "eastus2"), &q, 2);
    assert!(!small.explained, "{:#?}", small.causes);
}
