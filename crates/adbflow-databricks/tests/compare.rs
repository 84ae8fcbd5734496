//! `compare` on the three reference patterns: one column each, costs by meter, capacity, and the
//! flows whose path or verdict differs (DESIGN.md: "Non-PL vs Full Private vs hub-spoke?").

mod common;

use adbflow_databricks::check::{CheckOptions, FlowVerdict};
use adbflow_databricks::compare::{analyse, compare, Analysis, CompareInput};
use adbflow_databricks::cost::{CostKind, CostOptions};
use adbflow_databricks::plan::SourceRole;
use adbflow_databricks::profile::Profile;
use adbflow_databricks::{limits, prices, FlowId};
use adbflow_net::ServiceTags;
use common::pattern;

fn analyses(profile: &str) -> Vec<(String, Analysis)> {
    let p = Profile::named(profile).unwrap();
    let options = CostOptions { check: CheckOptions::default(), profile: &p, prices: prices::builtin() };
    ["non-pl", "full-private", "hub-spoke"]
        .iter()
        .map(|n| {
            let a =
                analyse(&pattern(n, "eastus2"), &ServiceTags::symbolic(), &options, limits::builtin(), None)
                    .unwrap();
            (n.to_string(), a)
        })
        .collect()
}

fn inputs(a: &[(String, Analysis)]) -> Vec<CompareInput<'_>> {
    a.iter()
        .map(|(l, x)| CompareInput {
            label: l.clone(),
            check: &x.check,
            cost: &x.cost,
            capacity: &x.capacity,
        })
        .collect()
}

#[test]
fn three_patterns_side_by_side() {
    let a = analyses("seed");
    let r = compare(&inputs(&a));
    let labels: Vec<&str> = r.inputs.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(labels, ["non-pl", "full-private", "hub-spoke"]);
    assert_eq!(r.profile, "seed");
    // The same totals as `cost` for each (see tests/cost.rs for the hand computation).
    let totals: Vec<f64> = r.inputs.iter().map(|i| (i.cost.total * 1e4).round() / 1e4).collect();
    assert_eq!(totals, [37.6745, 62.25, 917.0896]);
    let fw = r.meters.iter().find(|m| m.meter == "firewall-hour").unwrap();
    assert_eq!((fw.kind, fw.costs.clone()), (CostKind::Fixed, vec![0.0, 0.0, 912.5]));
    assert!(r.meters.windows(2).all(|w| w[0].kind >= w[1].kind), "variable meters first, then fixed");
    assert!(r.inputs.iter().all(|i| i.status == "ok"));
    assert_eq!(r.inputs[1].max_nodes, Some(16379), "full-private: only the /18 subnets limit");
}

#[test]
fn differing_flows_are_listed_with_every_inputs_path() {
    let a = analyses("seed");
    let r = compare(&inputs(&a));
    let relay = r
        .flow_differences
        .iter()
        .find(|d| d.id == FlowId::SccRelay && d.source_role == SourceRole::Host)
        .expect("the relay path differs");
    let egress: Vec<&str> = relay.cells.iter().map(|c| c.as_ref().unwrap().egress.as_str()).collect();
    assert_eq!(egress, ["nat-gateway", "private-endpoint", "firewall"]);
    let pypi = r.flow_differences.iter().find(|d| d.id == FlowId::PypiFiles).unwrap();
    assert_eq!(pypi.cells[1].as_ref().unwrap().verdict, FlowVerdict::BlockedByDesign);
    let auth = r.flow_differences.iter().find(|d| d.id == FlowId::BrowserAuth).unwrap();
    assert!(auth.cells[0].is_none() && auth.cells[1].is_some(), "browser-auth exists only with Private Link");
    assert!(
        !r.flow_differences.iter().any(|d| d.id == FlowId::WorkerToWorker || d.id == FlowId::ArtifactPrimary),
        "flows that take the same path everywhere are not listed"
    );
}

#[test]
fn comparing_a_deployment_with_itself_shows_no_difference() {
    let a = analyses("etl");
    let same = [
        CompareInput {
            label: "a".into(),
            check: &a[0].1.check,
            cost: &a[0].1.cost,
            capacity: &a[0].1.capacity,
        },
        CompareInput {
            label: "b".into(),
            check: &a[0].1.check,
            cost: &a[0].1.cost,
            capacity: &a[0].1.capacity,
        },
    ];
    let r = compare(&same);
    assert!(r.flow_differences.is_empty());
    assert!(r.meters.iter().all(|m| m.costs[0] == m.costs[1]));
}
