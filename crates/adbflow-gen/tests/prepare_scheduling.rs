//! Databricks' additions are worked out for every workspace side by side and settled in input
//! order: what a check prepares must not depend on how many cores did it, nor on which finished
//! first. Over a generated estate (planted faults included), with workspaces sharing NSGs and
//! leaving their DBFS root out, one core and four must prepare the same estate, the same
//! workspaces and the same findings in the same order.

use adbflow_databricks::prepare::{prepare, Prepared};
use adbflow_databricks::{builtin_regions, FindingSeverity};
use adbflow_gen::{generate, GenOptions};
use adbflow_model::Estate;

fn on_cores(cores: usize, estate: &Estate) -> Prepared {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(cores).build().expect("a thread pool");
    pool.install(|| prepare(estate, builtin_regions(), None)).expect("prepares")
}

#[test]
fn preparing_on_one_core_or_four_adds_the_same_in_the_same_order() {
    let mut estate = generate(&GenOptions::new(150, 11)).expect("generates").estate;
    // Every third workspace's subnets use the NSG of the workspace before it, so that managed
    // rules meet rules an earlier workspace added; every workspace leaves its DBFS root out.
    let shared: Vec<(String, String)> =
        estate.workspaces.iter().map(|w| (w.vnet.clone(), w.host_subnet.clone())).collect();
    for i in (1..estate.workspaces.len()).step_by(3) {
        let earlier_nsg = estate
            .subnet(&format!("{}/{}", shared[i - 1].0, shared[i - 1].1))
            .and_then(|s| s.subnet.nsg.clone());
        let (vnet, _) = &shared[i];
        if let Some(v) = estate.vnets.iter_mut().find(|v| &v.name == vnet) {
            for s in &mut v.subnets {
                if s.nsg.is_some() {
                    s.nsg = earlier_nsg.clone();
                }
            }
        }
    }
    for w in &mut estate.workspaces {
        w.dbfs_storage_account = None;
    }

    let one = on_cores(1, &estate);
    let four = on_cores(4, &estate);
    assert!(one.estate == four.estate, "the prepared estates differ");
    assert_eq!(format!("{:?}", one.workspaces), format!("{:?}", four.workspaces));
    assert_eq!(format!("{:?}", one.findings), format!("{:?}", four.findings));

    // The estate exercised what depends on order: managed rules a shared NSG already had,
    // conflicts with planted rules, and a DBFS root assumed for every workspace.
    let skipped = one.workspaces.iter().filter(|w| w.managed_rules.is_empty()).count();
    assert!(skipped >= 40, "{skipped} workspaces found their NSG's managed rules already there");
    let conflicts = one.findings.iter().filter(|f| f.code == "managed-rule-conflict").count();
    assert!(conflicts > 0 && one.findings.iter().any(|f| f.severity == FindingSeverity::Error));
    let assumed = one.findings.iter().filter(|f| f.code == "dbfs-assumed").count();
    assert_eq!(assumed, 150);
}
