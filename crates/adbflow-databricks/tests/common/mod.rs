//! Helpers shared by the integration tests: the built-in patterns as estates, small edits to them,
//! and hand-made traces standing in for the twin's walk where a test is about Databricks logic only.
#![allow(dead_code)]

pub mod variants;

use adbflow_databricks::check::{check, CheckFlow, CheckOptions, CheckReport, FlowVerdict};
use adbflow_databricks::plan::SourceRole;
use adbflow_databricks::{patterns, FlowId};
use adbflow_model::{ElementRef, Estate, Workspace};
use adbflow_net::{BlockedBy, Egress, FlowSpec, Hop, HopKind, ReasonCode, ServiceTags, Trace, Verdict};

/// A built-in pattern read through the same importer as user files.
pub fn pattern(name: &str, region: &str) -> Estate {
    let text = patterns::render(name, region).unwrap_or_else(|e| panic!("{name}/{region}: {e}"));
    let file = format!("pattern:{name}");
    adbflow_import::load_str(&text, &file, adbflow_import::Format::NativeToml)
        .unwrap_or_else(|e| panic!("{name}/{region}: {e}"))
        .estate
}

pub fn ws(e: &mut Estate) -> &mut Workspace {
    &mut e.workspaces[0]
}

pub fn run(e: &Estate) -> CheckReport {
    check(e, &ServiceTags::symbolic(), &CheckOptions::default()).expect("check runs")
}

/// The row of `id` from the given NIC (or the user's side).
pub fn flow(r: &CheckReport, id: FlowId, role: SourceRole) -> &CheckFlow {
    r.flows
        .iter()
        .find(|f| f.id == id && f.source_role == role)
        .unwrap_or_else(|| panic!("no {id} flow from {role:?}"))
}

pub fn reason(f: &CheckFlow) -> &'static str {
    f.blocked_by.as_ref().map(|b| b.reason_code.as_str()).unwrap_or("-")
}

pub fn element(f: &CheckFlow) -> &str {
    f.blocked_by.as_ref().map(|b| b.element.id.as_str()).unwrap_or("-")
}

pub fn termination(f: &CheckFlow) -> Option<&'static str> {
    f.symptom.as_ref().and_then(|s| s.termination_code)
}

pub fn assert_blocked(f: &CheckFlow, reason_code: &str) {
    assert_eq!(f.verdict, FlowVerdict::Blocked, "{} from {}: {:#?}", f.id, f.subnet, f.hops);
    assert_eq!(reason(f), reason_code, "{} from {}: {:?}", f.id, f.subnet, f.blocked_by);
}

pub fn assert_delivered(f: &CheckFlow) {
    assert_eq!(f.verdict, FlowVerdict::Delivered, "{} from {}: {:?}", f.id, f.subnet, f.blocked_by);
}

/// A walk result made by hand.
pub fn delivered(flow: &FlowSpec, egress: Egress, nsg_rule: &str) -> Trace {
    Trace {
        schema_version: 1,
        flow: flow.clone(),
        verdict: Verdict::Delivered,
        egress,
        snat_ip: None,
        source_seen_as: "test".into(),
        resolved: Vec::new(),
        hops: vec![Hop::new(
            HopKind::NsgOutbound,
            ElementRef::new(format!("nsg-rule:adb-nsg/{nsg_rule}"), nsg_rule, None),
            "allowed",
        )],
        blocked_by: None,
        meters: Vec::new(),
    }
}

pub fn blocked(flow: &FlowSpec, reason: ReasonCode, element_id: &str) -> Trace {
    let el = ElementRef::new(element_id, element_id.split(':').nth(1).unwrap_or(element_id), None);
    Trace {
        schema_version: 1,
        flow: flow.clone(),
        verdict: Verdict::Blocked,
        egress: Egress::None,
        snat_ip: None,
        source_seen_as: String::new(),
        resolved: Vec::new(),
        hops: vec![Hop::new(HopKind::Route, el.clone(), "blocked here")],
        blocked_by: Some(BlockedBy { reason_code: reason, element: el, message: "blocked in test".into() }),
        meters: Vec::new(),
    }
}
