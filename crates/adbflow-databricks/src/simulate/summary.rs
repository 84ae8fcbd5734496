//! The outcome of a run: every cluster, the event stream, and a summary (failed launches by
//! termination code, p50/p95 time to RUNNING, peak nodes, addresses and SNAT ports). The JSON form
//! of [`SimReport`] is a documented contract (`schema_version` 1).

use super::cluster::{Cluster, ClusterEvent, State};
use super::engine::Engine;
use serde::Serialize;
use std::collections::BTreeMap;

pub const SIMULATE_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub clusters: usize,
    pub running: usize,
    pub terminated: usize,
    /// Launches that ended before RUNNING, by termination code.
    pub failed: BTreeMap<String, usize>,
    /// Clusters that run with at least one FAILED library.
    pub libraries_failed: usize,
    /// Seconds from create to RUNNING (nearest-rank percentiles over the clusters that got there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_p50_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_p95_s: Option<f64>,
    /// Seconds from create to RUNNING with libraries settled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_p50_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_p95_s: Option<f64>,
    pub peak_nodes: u64,
    /// One address per node in each of the two subnets.
    pub peak_ips: u64,
    pub peak_snat_ports: u64,
    pub heartbeats: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimReport {
    pub schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub seed: u64,
    /// Epoch milliseconds of T+0; event timestamps are this plus the virtual time.
    pub epoch_ms: u64,
    /// Virtual time the run ended at, ms after T+0.
    pub ended_ms: u64,
    /// The timing table used (`name as_of`).
    pub timing: String,
    pub clusters: Vec<Cluster>,
    pub events: Vec<ClusterEvent>,
    pub summary: Summary,
}

impl SimReport {
    /// 1 when a launch failed or a library failed, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.summary.failed.is_empty() || self.summary.libraries_failed > 0)
    }
}

/// Nearest-rank percentile of sorted `xs`.
pub fn percentile(xs: &[f64], p: f64) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * xs.len() as f64).ceil().max(1.0) as usize;
    Some(xs[rank.min(xs.len()) - 1])
}

fn sorted(mut xs: Vec<f64>) -> Vec<f64> {
    xs.sort_by(f64::total_cmp);
    xs
}

pub fn report(engine: &Engine, name: Option<String>) -> SimReport {
    let mut clusters = engine.clusters().to_vec();
    // A phase still under way when the run stopped (`--until`) ends at the stop, marked as such.
    for p in clusters.iter_mut().flat_map(|c| c.phases.iter_mut()) {
        if p.end_ms == u64::MAX {
            p.end_ms = engine.now().max(p.start_ms);
            p.outcome = "in-progress";
        }
    }
    let mut failed = BTreeMap::new();
    for c in clusters.iter().filter(|c| c.running_ms.is_none()) {
        if let Some(r) = &c.termination_reason {
            *failed.entry(r.code.clone()).or_insert(0) += 1;
        }
    }
    let startup = sorted(clusters.iter().filter_map(Cluster::startup_seconds).collect());
    let ready = sorted(
        clusters.iter().filter_map(|c| c.ready_ms.map(|r| (r - c.created_ms) as f64 / 1000.0)).collect(),
    );
    let summary = Summary {
        clusters: clusters.len(),
        running: clusters.iter().filter(|c| c.state == State::Running).count(),
        terminated: clusters.iter().filter(|c| c.state == State::Terminated).count(),
        failed,
        libraries_failed: clusters
            .iter()
            .filter(|c| c.libraries.iter().any(|l| l.status == "FAILED"))
            .count(),
        startup_p50_s: percentile(&startup, 50.0),
        startup_p95_s: percentile(&startup, 95.0),
        ready_p50_s: percentile(&ready, 50.0),
        ready_p95_s: percentile(&ready, 95.0),
        peak_nodes: engine.peak_nodes(),
        peak_ips: engine.peak_nodes() * 2,
        peak_snat_ports: engine.peak_snat_ports(),
        heartbeats: clusters.iter().map(|c| c.heartbeats).sum(),
    };
    let t = engine.timing();
    SimReport {
        schema_version: SIMULATE_SCHEMA_VERSION,
        name,
        seed: engine.seed(),
        epoch_ms: engine.epoch_ms(),
        ended_ms: engine.now(),
        timing: format!("{} {}", t.name, t.as_of),
        clusters,
        events: engine.events().to_vec(),
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let xs: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&xs, 50.0), Some(10.0));
        assert_eq!(percentile(&xs, 95.0), Some(19.0));
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
