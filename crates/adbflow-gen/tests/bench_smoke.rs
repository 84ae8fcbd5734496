//! The benchmark bodies, each run once on a small estate with correctness asserted (never timed):
//! CI's guard that `cargo bench` keeps working and keeps measuring the right answers.

#[path = "../benches/scenarios.rs"]
mod scenarios;

use adbflow_net::routes::RouteSource;
use std::collections::BTreeSet;

#[test]
fn every_benchmarked_question_answers_correctly_on_a_small_estate() {
    let e = scenarios::estate(12);
    let json = scenarios::import_json(&e.json);
    let toml = scenarios::import_toml(&e.toml);
    let plan = scenarios::import_plan(&e.plan);
    assert_eq!(json.estate.workspaces.len(), 12);
    assert_eq!(toml.estate.workspaces.len(), 12);
    assert_eq!(plan.estate.workspaces.len(), 12);
    assert_eq!(plan.format, adbflow_import::Format::TerraformPlan);
    // Tests never read the real tag file; the stand-in has its shape.
    let (exact, source) = scenarios::exact_tags(false);
    assert_eq!(source, "generated stand-in");
    let planted: BTreeSet<&str> = e.generated.planted.iter().map(|p| p.workspace.as_str()).collect();
    for tags in [adbflow_net::ServiceTags::symbolic(), exact.clone()] {
        let report = scenarios::check_all(&json.estate, &tags);
        assert_eq!(report.exit_code(), 1, "the planted mistakes fail the check");
        let failing: BTreeSet<&str> = report.failures().map(|f| f.workspace.as_str()).collect();
        assert!(failing.is_subset(&planted), "only planted workspaces fail: {failing:?} vs {planted:?}");
        // The plan of the same estate fails the same workspaces (tests/plan_json.rs compares
        // the answers flow by flow).
        let from_plan = scenarios::check_all(&plan.estate, &tags);
        let failing_plan: BTreeSet<&str> = from_plan.failures().map(|f| f.workspace.as_str()).collect();
        assert_eq!(failing_plan, failing, "the plan JSON checks like the native file");
        let net = scenarios::network(&json.estate, &tags);
        let trace = scenarios::trace_one(&net);
        assert!(!trace.hops.is_empty());
        let routes = scenarios::routes_one(&json.estate, &tags);
        assert!(routes.iter().any(|r| r.source == RouteSource::User && r.prefix.to_string() == "0.0.0.0/0"));
    }
}
