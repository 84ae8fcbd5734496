//! `simulate` through the real binary: the default launch (non-pl, 8 workers) within the seed's
//! window and byte-identical run to run, the JSON event stream's Clusters API shape, the gantt
//! chart, a broken deployment's exit code and termination, many clusters, and usage errors.

mod common;
use common::{adbflow, stdout};

use std::path::PathBuf;

fn json(args: &[&str]) -> serde_json::Value {
    let o = adbflow(args);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

/// A pattern written by `init`, edited by `edit`, in a file of its own.
fn edited_pattern(pattern: &str, file: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let o = adbflow(&["init", "--pattern", pattern]);
    assert_eq!(o.status.code(), Some(0));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(file);
    std::fs::write(&path, edit(stdout(&o))).unwrap();
    path
}

// Seed startup sequence: a typical launch is RUNNING by T+5min.
#[test]
fn default_launch_is_running_within_the_seed_window_and_reproducible() {
    let a = adbflow(&["simulate"]);
    assert_eq!(a.status.code(), Some(0));
    let b = adbflow(&["simulate"]);
    assert_eq!(a.stdout, b.stdout, "byte-identical run to run");
    insta::assert_snapshot!("simulate_non_pl_table", stdout(&a));
    let r = json(&["simulate", "--format", "json"]);
    let c = &r["clusters"][0];
    assert_eq!(c["state"], "RUNNING");
    assert_eq!(c["current_num_workers"], 8);
    let running = c["running_ms"].as_u64().unwrap();
    assert!((120_000..=300_000).contains(&running), "RUNNING at {running} ms");
    let j1 = stdout(&adbflow(&["simulate", "--format", "json"]));
    let j2 = stdout(&adbflow(&["simulate", "--format", "json"]));
    assert_eq!(j1, j2);
}

// databricks-net-facts §6.5: events carry cluster_id, timestamp (epoch ms), type and details.
#[test]
fn json_events_have_the_clusters_api_shape() {
    let r = json(&["simulate", "--format", "json"]);
    let events = r["events"].as_array().unwrap();
    assert!(!events.is_empty());
    let mut last = 0;
    for e in events {
        let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
        assert_eq!(keys, vec!["cluster_id", "details", "timestamp", "type"]);
        let t = e["timestamp"].as_u64().unwrap();
        assert!(t >= last && t >= r["epoch_ms"].as_u64().unwrap());
        last = t;
    }
    assert_eq!(events[0]["type"], "CREATING");
    assert!(events.iter().any(|e| e["type"] == "RUNNING"));
}

#[test]
fn mermaid_is_a_gantt_chart_with_every_phase() {
    let o = adbflow(&["simulate", "--format", "mermaid"]);
    let text = stdout(&o);
    assert!(text.starts_with("gantt\n"));
    let r = json(&["simulate", "--format", "json"]);
    for p in r["clusters"][0]["phases"].as_array().unwrap() {
        let line = format!("    {} :done, ", p["phase"].as_str().unwrap());
        assert!(text.contains(&line), "{line} missing");
    }
}

// databricks-net-facts §3: without the NAT gateway the private subnets have no way to the relay.
#[test]
fn a_deployment_without_nat_fails_the_launch_with_exit_1() {
    let path = edited_pattern("non-pl", "sim-no-nat.toml", |t| t.replace("nat_gateway = \"adb-nat\"\n", ""));
    let p = path.to_str().unwrap();
    let o = adbflow(&["simulate", p]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("NPIP_TUNNEL_SETUP_FAILURE (CLIENT_ERROR) (inferred)"), "{text}");
    let r = json(&["simulate", p, "--format", "json"]);
    let states: Vec<&str> =
        r["clusters"][0]["states"].as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(states, vec!["PENDING", "TERMINATING", "TERMINATED"]);
    let term = r["events"].as_array().unwrap().iter().find(|e| e["type"] == "TERMINATING").unwrap();
    assert_eq!(term["details"]["reason"]["code"], "NPIP_TUNNEL_SETUP_FAILURE");
    assert_eq!(term["details"]["reason"]["type"], "CLIENT_ERROR");
}

#[test]
fn many_clusters_have_a_summary_with_percentiles() {
    let r = json(&["simulate", "--clusters", "20", "--format", "json", "--seed", "3"]);
    assert_eq!(r["clusters"].as_array().unwrap().len(), 20);
    let s = &r["summary"];
    assert_eq!(s["running"], 20);
    let p50 = s["startup_p50_s"].as_f64().unwrap();
    let p95 = s["startup_p95_s"].as_f64().unwrap();
    assert!(p50 <= p95 && p95 <= 300.0, "{p50} {p95}");
    assert!(s["peak_nodes"].as_u64().unwrap() >= 9);
    assert_eq!(s["peak_snat_ports"].as_u64().unwrap() % s["peak_nodes"].as_u64().unwrap(), 0);
}

// Issue 6: a large cluster through a new hub firewall is ready later than through a NAT gateway.
#[test]
fn a_large_cluster_behind_the_hub_firewall_is_ready_later() {
    let ready = |p: &str| {
        let r = json(&["simulate", "--pattern", p, "--workers", "100", "--format", "json"]);
        r["clusters"][0]["ready_ms"].as_u64().unwrap()
    };
    assert!(ready("hub-spoke") > ready("non-pl") + 60_000);
}

#[test]
fn until_stops_the_clock_and_heartbeats_count() {
    let r = json(&["simulate", "--until", "900", "--format", "json"]);
    assert_eq!(r["ended_ms"], 900_000);
    let c = &r["clusters"][0];
    // Every 30 s from RUNNING on (running_ms and ready_ms differ, so the chain's origin is tested).
    let running = c["running_ms"].as_u64().unwrap();
    assert_ne!(running, c["ready_ms"].as_u64().unwrap());
    assert_eq!(c["heartbeats"].as_u64().unwrap(), (900_000 - running) / 30_000);
}

#[test]
fn zero_clusters_is_a_usage_error() {
    let o = adbflow(&["simulate", "--clusters", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--clusters"));
}

#[test]
fn day_launches_the_profiles_clusters_over_a_day() {
    let r = json(&["simulate", "--day", "--profile", "etl", "--format", "json"]);
    let per_day = {
        let c = json(&["cost", "--profile", "etl", "--format", "json"]);
        c["profile"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "clusters_per_day")
            .map(|p| p["value"].as_f64().unwrap())
            .unwrap()
    };
    let clusters = r["clusters"].as_array().unwrap();
    assert_eq!(clusters.len() as f64, per_day.round());
    let last = clusters.last().unwrap()["created_ms"].as_u64().unwrap();
    assert!(last > 6 * 3_600_000 && last < 48 * 3_600_000, "arrivals spread over about a day: {last}");
    let o = adbflow(&["simulate", "--day", "--clusters", "3"]);
    assert_eq!(o.status.code(), Some(2), "--day and --clusters conflict");
}
