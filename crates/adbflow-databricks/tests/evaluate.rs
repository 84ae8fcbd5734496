//! How `check` turns walks into verdicts, symptoms, fixes, findings and an exit status. The walks
//! here are made by hand so these tests are about Databricks logic only; the real walk is exercised
//! in `scenarios.rs` and `patterns.rs`.

mod common;

use adbflow_databricks::check::{evaluate, FlowVerdict};
use adbflow_databricks::plan::SourceRole;
use adbflow_databricks::{builtin_regions, prepare, sequence, FindingSeverity, FlowId, Phase, Requirement};
use adbflow_model::{IpAccessList, IpAccessListType, PublicNetworkAccess, RequiredNsgRules};
use adbflow_net::{Egress, FlowSpec, ReasonCode, Trace};
use common::*;

fn all_delivered(f: &FlowSpec) -> Trace {
    let egress =
        if f.to_host.contains("core.windows.net") { Egress::ServiceEndpoint } else { Egress::NatGateway };
    delivered(f, egress, "allow")
}

fn report_with(
    e: &adbflow_model::Estate,
    t: impl FnMut(&FlowSpec) -> Trace,
) -> adbflow_databricks::CheckReport {
    evaluate(&prepare(e, builtin_regions(), None).unwrap(), t)
}

#[test]
fn everything_delivered_means_exit_zero_and_ok_status() {
    let r = report_with(&pattern("non-pl", "eastus2"), all_delivered);
    assert_eq!(r.exit_code(), 0);
    assert_eq!(r.summary.blocked_required, 0);
    assert_eq!(r.summary.delivered, r.summary.flows);
    assert_eq!(r.workspaces[0].status, "ok");
    assert_eq!(r.schema_version, 1);
    let relay = flow(&r, FlowId::SccRelay, SourceRole::Host);
    assert_eq!(relay.nsg_rule.as_ref().unwrap().id, "nsg-rule:adb-nsg/allow");
    assert!(relay.blocked_by.is_none() && relay.symptom.is_none() && relay.fix.is_none());
    // DESIGN.md seed error 1: the explanation is a finding when control-plane traffic uses the NAT gateway.
    assert!(r.findings.iter().any(|f| f.code == "control-plane-via-nat"));
}

#[test]
fn flows_are_sorted_by_phase_then_catalog_then_source() {
    let r = report_with(&pattern("non-pl", "eastus2"), all_delivered);
    let keys: Vec<_> = r.flows.iter().map(|f| (f.phase, f.id, f.instance.clone(), f.source_role)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(r.flows[0].id, FlowId::UserApi);
    assert_eq!(r.flows.last().unwrap().id, FlowId::WorkerToWorker);
}

#[test]
fn a_blocked_startup_flow_fails_with_symptom_fix_and_grouped_finding() {
    let r = report_with(&pattern("non-pl", "eastus2"), |f| {
        if f.to_host.starts_with("tunnel.") {
            blocked(f, ReasonCode::NoOutboundConnectivity, &format!("subnet:{}", f.from_subnet))
        } else {
            all_delivered(f)
        }
    });
    assert_eq!(r.exit_code(), 1);
    assert_eq!(r.summary.blocked_required, 2, "both NICs");
    let relay = flow(&r, FlowId::SccRelay, SourceRole::Container);
    assert_blocked(relay, "NO_OUTBOUND_CONNECTIVITY");
    assert_eq!(termination(relay), Some("NPIP_TUNNEL_SETUP_FAILURE"));
    let fix = relay.fix.as_ref().unwrap();
    assert!(
        fix.action.contains("NAT gateway") && fix.action.contains("adb-vnet/container"),
        "{}",
        fix.action
    );
    assert_eq!(fix.element.as_ref().unwrap().id, "subnet:adb-vnet/container");
    let grouped: Vec<_> = r.findings.iter().filter(|f| f.code == "flow-blocked").collect();
    assert_eq!(grouped.len(), 2, "one per deciding element: {grouped:#?}");
    assert!(grouped.iter().all(|f| f.severity == FindingSeverity::Error && f.flow == Some(FlowId::SccRelay)));
    assert_eq!(r.workspaces[0].status, "blocked");
}

#[test]
fn the_first_blocked_port_of_a_multi_port_flow_is_reported() {
    let r = report_with(&pattern("non-pl", "eastus2"), |f| {
        if f.to_host == "eastus2.azuredatabricks.net" && f.port != 443 {
            blocked(f, ReasonCode::NsgDenied, "nsg-rule:adb-nsg/deny-all")
        } else {
            all_delivered(f)
        }
    });
    let w = flow(&r, FlowId::Webapp, SourceRole::Host);
    assert_blocked(w, "NSG_DENIED");
    assert_eq!(w.destination.port, 8443);
    assert_eq!(w.destination.blocked_ports, (8443..=8451).collect::<Vec<u16>>());
    assert_eq!(w.destination.ports, "443,8443-8451");
    assert_eq!(termination(w), Some("CONTROL_PLANE_REQUEST_FAILURE"));
}

#[test]
fn optional_and_by_design_blocks_are_not_failures() {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).libraries.pypi = "none".to_string().try_into().unwrap();
    let r = report_with(&e, |f| {
        if f.to_host == "pypi.org" || f.to_host.starts_with("dbartifactsprodeastus.") {
            blocked(f, ReasonCode::FirewallDenied, "firewall:fw")
        } else {
            all_delivered(f)
        }
    });
    assert_eq!(r.exit_code(), 0, "{:#?}", r.failures().collect::<Vec<_>>());
    let p = flow(&r, FlowId::Pypi, SourceRole::Host);
    assert_eq!(p.verdict, FlowVerdict::BlockedByDesign);
    assert!(p.symptom.as_ref().unwrap().message.contains("by design"));
    let s = flow(&r, FlowId::ArtifactSecondary, SourceRole::Host);
    assert_eq!((s.verdict, s.requirement), (FlowVerdict::Blocked, Requirement::Optional));
    assert_eq!(r.summary.blocked_by_design, 2);
    assert_eq!(r.summary.blocked_optional, 2);
    assert!(r.findings.iter().any(|f| f.code == "blocked-by-design" && f.severity == FindingSeverity::Info));
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "optional-flow-blocked" && f.severity == FindingSeverity::Warning));
}

// DESIGN.md destination acceptance: the workspace's publicNetworkAccess and IP access lists.
#[test]
fn users_on_the_internet_meet_public_access_and_ip_access_lists() {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).ip_access_lists.push(IpAccessList {
        name: "corp".into(),
        list_type: IpAccessListType::Allow,
        ip_addresses: vec!["203.0.113.0/24".to_string().try_into().unwrap()],
        enabled: true,
        origin: None,
    });
    let r = report_with(&e, all_delivered);
    let api = flow(&r, FlowId::UserApi, SourceRole::User);
    assert_delivered(api);
    assert_eq!((api.subnet.as_str(), api.egress.as_str()), ("internet", "internet"));
    assert!(api.hops.last().unwrap().inferred, "client address unknown: the allow list decision is inferred");
    ws(&mut e).user_public_ip = Some("198.51.100.7".parse().unwrap());
    let r = report_with(&e, all_delivered);
    let api = flow(&r, FlowId::UserApi, SourceRole::User);
    assert_blocked(api, "DESTINATION_DENIED");
    assert_eq!(element(api), "ip-access-list:adb-ws/corp");
    ws(&mut e).user_public_ip = Some("203.0.113.9".parse().unwrap());
    assert_delivered(flow(&report_with(&e, all_delivered), FlowId::UserApi, SourceRole::User));
}

// databricks-net-facts §5: with public access disabled, only private-endpoint traffic is accepted.
#[test]
fn public_access_disabled_refuses_public_control_plane_paths_but_not_private_ones() {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).public_network_access = PublicNetworkAccess::Disabled;
    ws(&mut e).required_nsg_rules = RequiredNsgRules::NoAzureDatabricksRules;
    let r = report_with(&e, all_delivered);
    let relay = flow(&r, FlowId::SccRelay, SourceRole::Host);
    assert_blocked(relay, "DESTINATION_DENIED");
    assert_eq!(element(relay), "workspace:adb-ws");
    assert!(relay.blocked_by.as_ref().unwrap().inferred);
    assert!(relay.fix.as_ref().unwrap().action.contains("back-end private endpoint"));
    let api = flow(&r, FlowId::UserApi, SourceRole::User);
    assert_blocked(api, "DESTINATION_DENIED");
    let r = report_with(&e, |f| delivered(f, Egress::PrivateEndpoint, "allow"));
    assert_delivered(flow(&r, FlowId::SccRelay, SourceRole::Host));
}

#[test]
fn output_is_deterministic() {
    let a = serde_json::to_string(&report_with(&pattern("hub-spoke", "westeurope"), all_delivered)).unwrap();
    let b = serde_json::to_string(&report_with(&pattern("hub-spoke", "westeurope"), all_delivered)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn json_contract_has_the_documented_fields() {
    let r = report_with(&pattern("non-pl", "eastus2"), |f| {
        if f.to_host == "pypi.org" {
            blocked(f, ReasonCode::FirewallDenied, "firewall:fw")
        } else {
            all_delivered(f)
        }
    });
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["workspaces"][0]["name"], "adb-ws");
    let pypi = v["flows"].as_array().unwrap().iter().find(|f| f["id"] == "pypi").unwrap();
    for key in [
        "id",
        "phase",
        "requirement",
        "subnet",
        "destination",
        "verdict",
        "egress",
        "hops",
        "blocked_by",
        "symptom",
        "fix",
    ] {
        assert!(pypi.get(key).is_some(), "missing {key}");
    }
    assert_eq!(pypi["phase"], "4b");
    assert_eq!(pypi["verdict"], "blocked");
    assert_eq!(pypi["destination"]["fqdn"], "pypi.org");
    assert_eq!(pypi["destination"]["port"], 443);
    assert_eq!(pypi["blocked_by"]["reason_code"], "FIREWALL_DENIED");
    assert_eq!(pypi["blocked_by"]["element"]["id"], "firewall:fw");
    assert!(pypi["symptom"]["message"].as_str().unwrap().contains("pip install"));
}

#[test]
fn the_sequence_has_every_phase_in_order_with_its_flows() {
    let r = report_with(&pattern("non-pl", "eastus2"), all_delivered);
    let s = sequence(&r);
    let ids: Vec<&str> = s.phases.iter().map(|p| p.id.id()).collect();
    assert_eq!(ids, ["1", "2", "3", "4a", "4b", "4c", "5"]);
    assert!(s.phases[1].flows.is_empty() && s.phases[1].note.is_some(), "phase 2 is ARM only");
    let tunnel = s.phases.iter().find(|p| p.id == Phase::SecureTunnel).unwrap();
    assert!(tunnel.flows.iter().all(|f| f.id == FlowId::SccRelay) && tunnel.flows.len() == 2);
    assert_eq!(s.phases.iter().map(|p| p.flows.len()).sum::<usize>(), r.flows.len());
}

#[test]
fn a_report_moved_into_its_sequence_gives_the_sequence_of_the_report() {
    for name in ["non-pl", "hub-spoke", "full-private"] {
        let r = run(&pattern(name, "eastus2"));
        assert!(r.flows.iter().any(|f| f.phase != r.flows[0].phase));
        assert_eq!(adbflow_databricks::sequence::into_sequence(r.clone()), sequence(&r), "{name}");
    }
}
