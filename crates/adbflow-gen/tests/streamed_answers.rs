//! `capacity`, `cost`, `simulate`, `security` and the check's SARIF and markdown work out each workspace's part while the check walks it, a
//! run of workspaces at a time, and keep no flows. Over several runs of a generated estate
//! (planted faults included) each must answer exactly what it answers from the whole check.

use adbflow_databricks::capacity::{capacity, check_capacity};
use adbflow_databricks::cost::{cost, price, CostOptions};
use adbflow_databricks::prepare::prepare;
use adbflow_databricks::profile::Profile;
use adbflow_databricks::security::{security, security_of};
use adbflow_databricks::simulate::{check_and_simulate, simulate, timing, ClusterSpec, SimOptions};
use adbflow_databricks::{check, limits, prices, CheckOptions, CheckRun};
use adbflow_gen::{generate, GenOptions};
use adbflow_net::ServiceTags;

/// More workspaces than one batch of the walk holds (64).
const WORKSPACES: usize = 150;

fn generated() -> adbflow_model::Estate {
    generate(&GenOptions::new(WORKSPACES, 9)).expect("generates").estate
}

#[test]
fn streamed_capacity_is_the_capacity_of_the_whole_check() {
    let estate = generated();
    let tags = ServiceTags::symbolic();
    let options = CheckOptions::default();
    let profile = Profile::named("seed").unwrap();
    for nodes in [None, Some(100_000)] {
        let streamed = check_capacity(&estate, &tags, &options, &profile, limits::builtin(), nodes).unwrap();
        let whole = check(&estate, &tags, &options).unwrap();
        let prepared = prepare(&estate, options.regions, None).unwrap();
        let expected = capacity(&whole, &prepared.estate, &profile, limits::builtin(), nodes);
        assert_eq!(streamed.workspaces.len(), WORKSPACES);
        if nodes.is_some() {
            assert!(streamed.workspaces.iter().all(|w| !w.warnings.is_empty()), "every subnet is too small");
        }
        assert!(!streamed.flows.is_empty());
        assert!(streamed.workspaces.iter().any(|w| w.limits.iter().any(|l| l.id.starts_with("firewall"))));
        assert_eq!(streamed, expected);
        // In report order: the check's workspaces, and the flows a workspace at a time in that order.
        let order: Vec<&str> = whole.workspaces.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(streamed.workspaces.iter().map(|w| w.workspace.as_str()).collect::<Vec<_>>(), order);
        let mut flow_workspaces: Vec<&str> = streamed.flows.iter().map(|f| f.workspace.as_str()).collect();
        flow_workspaces.dedup();
        assert_eq!(flow_workspaces, order);
    }
}

#[test]
fn streamed_cost_is_the_cost_of_the_whole_check() {
    let estate = generated();
    let tags = ServiceTags::symbolic();
    for profile in ["seed", "etl"] {
        let profile = Profile::named(profile).unwrap();
        let options =
            CostOptions { check: CheckOptions::default(), profile: &profile, prices: prices::builtin() };
        let streamed = cost(&estate, &tags, &options).unwrap();
        let whole = check(&estate, &tags, &options.check).unwrap();
        let prepared = prepare(&estate, options.check.regions, None).unwrap();
        let expected = price(&whole, &prepared.estate, &profile, prices::builtin());
        assert!(streamed.totals.variable > 0.0 && streamed.totals.fixed > 0.0);
        assert_eq!(streamed, expected);
        let order: Vec<&str> = whole.workspaces.iter().map(|w| w.name.as_str()).collect();
        let mut flow_workspaces: Vec<&str> = streamed.flows.iter().map(|f| f.workspace.as_str()).collect();
        flow_workspaces.dedup();
        assert_eq!(flow_workspaces, order);
    }
}

#[test]
fn streamed_simulation_is_the_simulation_of_the_whole_check() {
    let estate = generated();
    let tags = ServiceTags::symbolic();
    let options = CheckOptions::default();
    let whole = check(&estate, &tags, &options).unwrap();
    // A workspace of the third batch, so that the streamed world must hold every batch's.
    let target = whole.workspaces[140].name.clone();
    let sim = SimOptions {
        seed: 3,
        clusters: 40,
        spec: ClusterSpec {
            cluster_name: "c".into(),
            workspace: Some(target.clone()),
            num_workers: 8,
            node_type_id: "Standard_DS3_v2".into(),
            image_gb: 1.0,
            libraries_gb: 0.5,
            autotermination_minutes: 60,
        },
        until_ms: None,
        connections_per_node: 100,
        arrival_gap_s: Some(5.0),
    };
    let streamed =
        check_and_simulate(&estate, &tags, &options, limits::builtin(), timing::builtin(), &sim).unwrap();
    let prepared = prepare(&estate, options.regions, None).unwrap();
    let expected = simulate(&whole, &prepared.estate, limits::builtin(), timing::builtin(), &sim).unwrap();
    assert_eq!(streamed.clusters.len(), 40);
    assert!(streamed.clusters.iter().all(|c| c.workspace == target));
    assert_eq!(streamed, expected);
}

#[test]
fn streamed_security_is_the_security_of_the_whole_check() {
    let mut estate = generated();
    // Named against their order, so that the data flows' order by name is not the walk's.
    for (i, w) in estate.workspaces.iter_mut().enumerate() {
        w.name = format!("ws-{:03}", WORKSPACES - i);
    }
    let tags = ServiceTags::symbolic();
    let options = CheckOptions::default();
    let (streamed, streamed_check) = security(&estate, &tags, &options).unwrap();
    let whole = check(&estate, &tags, &options).unwrap();
    let prepared = prepare(&estate, options.regions, None).unwrap();
    let expected = security_of(&prepared, &whole, &tags);
    assert!(streamed_check.flows.is_empty(), "the flows are not kept");
    assert_eq!(streamed_check.workspaces, whole.workspaces);
    assert_eq!(streamed.data_flows.first().map(|f| f.workspace.as_str()), Some("ws-001"));
    assert!(streamed.exfiltration.iter().any(|p| p.open));
    assert_eq!(streamed, expected);
}

#[test]
fn streamed_check_sarif_is_the_sarif_of_the_whole_check() {
    let estate = generated();
    let tags = ServiceTags::symbolic();
    let options = CheckOptions::default();
    let whole = check(&estate, &tags, &options).unwrap();
    let mut streamed = Vec::new();
    let kept = adbflow_report::sarif::write_check_run(
        CheckRun::start(&estate, &tags, &options).unwrap(),
        &mut streamed,
    )
    .unwrap();
    let expected = adbflow_report::sarif::check(&whole);
    assert!(expected.matches(" Fix: ").count() > 10, "findings carry fixes");
    assert_eq!(String::from_utf8(streamed).unwrap(), expected);
    assert!(
        kept.flows.len() < whole.flows.len() / 2,
        "{} of {} flows kept",
        kept.flows.len(),
        whole.flows.len()
    );
    assert_eq!(kept.exit_code(), whole.exit_code());
}

#[test]
fn streamed_check_markdown_is_the_markdown_of_the_whole_check() {
    let estate = generated();
    let tags = ServiceTags::symbolic();
    let options = CheckOptions::default();
    let whole = check(&estate, &tags, &options).unwrap();
    let mut streamed = Vec::new();
    let report = adbflow_report::check::write_check_run_markdown(
        CheckRun::start(&estate, &tags, &options).unwrap(),
        &mut streamed,
    )
    .unwrap();
    let expected = adbflow_report::check::render_check_markdown(&whole);
    assert!(expected.contains("## Blocked flows") && expected.contains("## Findings"));
    assert_eq!(String::from_utf8(streamed).unwrap(), expected);
    assert!(report.flows.is_empty());
}
