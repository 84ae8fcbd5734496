//! The `diagnose` renderers, on reports built from a hand-made walk (pypi blocked from the container
//! subnet only) so the tests are about formatting only.

use adbflow_databricks::check::{evaluate, CheckReport};
use adbflow_databricks::diagnose::{builtin_knowledge, explain, Query};
use adbflow_databricks::{builtin_regions, patterns, prepare};
use adbflow_model::ElementRef;
use adbflow_net::{BlockedBy, Egress, FlowSpec, Hop, HopKind, ReasonCode, Trace, Verdict};
use adbflow_report::diagnose::*;

fn trace(f: &FlowSpec) -> Trace {
    let blocked = f.to_host == "pypi.org" && f.from_subnet.ends_with("container");
    let subnet = ElementRef::new("subnet:adb-vnet/container", "container", None);
    Trace {
        schema_version: 1,
        flow: f.clone(),
        verdict: if blocked { Verdict::Blocked } else { Verdict::Delivered },
        egress: if blocked { Egress::None } else { Egress::NatGateway },
        snat_ip: None,
        source_seen_as: "NAT".into(),
        resolved: vec![],
        hops: vec![Hop::new(HopKind::Egress, subnet.clone(), "egress")],
        blocked_by: blocked.then(|| BlockedBy {
            reason_code: ReasonCode::NoOutboundConnectivity,
            element: subnet,
            message: "no egress | none".into(),
        }),
        meters: vec![],
    }
}

fn check() -> CheckReport {
    let text = patterns::render("non-pl", "eastus2").unwrap();
    let e =
        adbflow_import::load_str(&text, "pattern:non-pl", adbflow_import::Format::NativeToml).unwrap().estate;
    evaluate(&prepare(&e, builtin_regions(), None).unwrap(), trace)
}

#[test]
fn table_lists_the_ranked_cause_with_element_fix_and_ranking() {
    let q = Query::symptom(builtin_knowledge(), "pip").unwrap();
    let out = render_diagnose_table(&explain(&check(), &q, &[]));
    let causes = out.find("Causes in this deployment").expect("causes section");
    let notes = out.find("\nNotes").expect("notes");
    assert!(causes < notes);
    assert!(out.contains("  1. adb-ws pypi — "), "{out}");
    assert!(out.contains("from:    adb-vnet/container (1 of 2 sources blocked) → pypi.org:443"), "{out}");
    assert!(out.contains("element: subnet:adb-vnet/container"), "{out}");
    assert!(out.contains("fix:     attach a NAT gateway to subnet adb-vnet/container"), "{out}");
    assert!(out.contains("ranked by exact match · workload flow · phase 4b"), "{out}");
    assert!(!out.contains("Generic causes"), "only when nothing explains it");
    assert!(out.contains("data: diagnose-knowledge"));
}

#[test]
fn unexplained_queries_render_generic_causes_with_sources() {
    let q = Query::code(builtin_knowledge(), "SUBNET_EXHAUSTED_FAILURE").unwrap();
    let r = explain(&check(), &q, &[]);
    let out = render_diagnose_table(&r);
    assert!(out.contains("Answer: nothing in this deployment's model explains it"), "{out}");
    assert!(out.contains("Generic causes of SUBNET_EXHAUSTED_FAILURE\n  1. "), "{out}");
    assert!(out.contains("source:  ") && out.contains("(as of "), "{out}");
    assert!(out.contains("subnet address capacity"), "the missing model is named: {out}");
    let md = render_diagnose_markdown(&r);
    assert!(md.starts_with("# adbflow diagnose — non-pl\n"));
    assert!(md.contains("## Generic causes of SUBNET_EXHAUSTED_FAILURE"));
    assert!(md.contains("&lt;https://"), "angle brackets are escaped: {md}");
}

#[test]
fn markdown_escapes_pipes_and_json_round_trips() {
    let q = Query::symptom(builtin_knowledge(), "pip").unwrap();
    let r = explain(&check(), &q, &[]);
    let md = render_diagnose_markdown(&r);
    assert!(md.contains("no egress \\| none"), "{md}");
    assert!(md.contains("- **1. adb-ws pypi"), "{md}");
    let v: serde_json::Value = serde_json::from_str(&render_diagnose_json(&r)).unwrap();
    assert_eq!(v["causes"][0]["flow"]["id"], "pypi");
    assert_eq!(v["causes"][0]["element"]["id"], "subnet:adb-vnet/container");
    assert_eq!(v["explained"], true);
}
