//! `check_capacity` works out each workspace's capacity while the check walks it, a batch of
//! workspaces at a time, and keeps no flows. Over several batches of a generated estate (planted
//! faults included) it must answer exactly what `capacity` answers from the whole check.

use adbflow_databricks::capacity::{capacity, check_capacity};
use adbflow_databricks::prepare::prepare;
use adbflow_databricks::profile::Profile;
use adbflow_databricks::{check, limits, CheckOptions};
use adbflow_gen::{generate, GenOptions};
use adbflow_net::ServiceTags;

#[test]
fn streamed_capacity_is_the_capacity_of_the_whole_check() {
    let estate = generate(&GenOptions::new(150, 9)).expect("generates").estate;
    let tags = ServiceTags::symbolic();
    let options = CheckOptions::default();
    let profile = Profile::named("seed").unwrap();
    for nodes in [None, Some(100_000)] {
        let streamed = check_capacity(&estate, &tags, &options, &profile, limits::builtin(), nodes).unwrap();
        let whole = check(&estate, &tags, &options).unwrap();
        let prepared = prepare(&estate, options.regions, None).unwrap();
        let expected = capacity(&whole, &prepared.estate, &profile, limits::builtin(), nodes);
        assert_eq!(streamed.workspaces.len(), 150);
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
