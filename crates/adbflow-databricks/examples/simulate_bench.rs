//! Benchmark: 10,000 simulated cluster launches on the built-in non-pl pattern (8 workers each,
//! runtime image and libraries downloaded, heartbeats and idle termination running). Prints the
//! wall time of the check and of the simulation. Run with
//! `cargo run -p adbflow-databricks --example simulate_bench [-- LAUNCHES]`; figures in docs/performance.md.

use adbflow_databricks::check::CheckOptions;
use adbflow_databricks::simulate::{check_and_simulate, timing, ClusterSpec, SimOptions};
use adbflow_databricks::{limits, patterns};
use adbflow_net::ServiceTags;
use std::time::Instant;

fn main() {
    let launches: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let text = patterns::render("non-pl", "eastus2").expect("built-in pattern");
    let estate = adbflow_import::load_str(&text, "pattern:non-pl", adbflow_import::Format::NativeToml)
        .expect("built-in pattern loads")
        .estate;
    let options = SimOptions {
        seed: 1,
        clusters: launches,
        spec: ClusterSpec {
            cluster_name: "bench".into(),
            workspace: None,
            num_workers: 8,
            node_type_id: "Standard_DS3_v2".into(),
            image_gb: 3.5,
            libraries_gb: 1.25,
            autotermination_minutes: 120,
        },
        until_ms: None,
        connections_per_node: 100,
        arrival_gap_s: None,
    };
    let start = Instant::now();
    let report = check_and_simulate(
        &estate,
        &ServiceTags::symbolic(),
        &CheckOptions::default(),
        limits::builtin(),
        timing::builtin(),
        &options,
    )
    .expect("simulation runs");
    let elapsed = start.elapsed();
    let s = &report.summary;
    println!(
        "{} launches, {} events, {} heartbeats, virtual end T+{:.1} h: {:.2} s wall ({:.1} µs per launch)",
        s.clusters,
        report.events.len(),
        s.heartbeats,
        report.ended_ms as f64 / 3_600_000.0,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / f64::from(launches.max(1)),
    );
    println!("startup p50 {:?} s, p95 {:?} s, peak nodes {}", s.startup_p50_s, s.startup_p95_s, s.peak_nodes);
}
