//! `cost`, `compare` and `capacity` through the real binary: snapshots for the three patterns,
//! the stable compare JSON, profiles from names, files and the native [workload] section, price
//! overrides, exit codes, and errors that name file, line and column.

mod common;
use common::{adbflow, stderr, stdout};

fn json(args: &[&str]) -> serde_json::Value {
    let o = adbflow(args);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

fn approx(v: &serde_json::Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-6)
}

#[test]
fn cost_snapshots_for_every_pattern() {
    for pattern in ["non-pl", "full-private", "hub-spoke"] {
        let o = adbflow(&["cost", "--pattern", pattern]);
        assert_eq!(o.status.code(), Some(0), "{pattern}: {}", stderr(&o));
        insta::assert_snapshot!(format!("cost_{pattern}"), stdout(&o));
    }
}

#[test]
fn cost_markdown_snapshot() {
    let o = adbflow(&["cost", "--pattern", "hub-spoke", "--profile", "etl", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("cost_hub-spoke_etl_markdown", stdout(&o));
}

// The seed's own monthly volumes on non-pl: $37.6745 (worked out in adbflow-databricks tests/cost.rs).
#[test]
fn cost_json_carries_totals_tables_and_profile() {
    let v = json(&["cost", "--format", "json"]);
    assert_eq!(v["schema_version"], 1);
    assert!(approx(&v["totals"]["total"], 37.6745), "{}", v["totals"]);
    assert_eq!(v["prices"]["tables"][0]["name"], "adbflow built-in prices");
    assert_eq!(v["prices"]["tables"][0]["as_of"], "2026-11-25");
    assert_eq!(v["profile"]["name"], "seed");
    let relay = v["flows"].as_array().unwrap().iter().find(|f| f["id"] == "scc-relay").unwrap();
    assert_eq!(relay["charges"][0]["meter"], "nat-gateway-data-processed");
    assert_eq!(relay["charges"][0]["bytes"], "up+down");
    assert_eq!(relay["charges"][0]["element"]["id"], "nat-gateway:adb-nat");
    let a = adbflow(&["cost", "--pattern", "hub-spoke", "--profile", "ml-training", "--format", "json"]);
    let b = adbflow(&["cost", "--pattern", "hub-spoke", "--profile", "ml-training", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout, "byte-identical across runs");
}

// The negotiated table replaces NAT processing ($0.03) and the NAT hour ($0.04): 26.1 GB × 0.03 +
// 730 × 0.04 + the public IP's $3.65 = $33.633; the output names both tables and their dates.
#[test]
fn cost_with_price_overrides() {
    let o = adbflow(&["cost", "--prices", "tests/fixtures/prices-negotiated.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("negotiated EA prices (tests/fixtures/prices-negotiated.toml, as of 2026-10-01)"),
        "{out}"
    );
    assert!(out.contains("$33.63 a month"), "{out}");
    let v = json(&["cost", "--prices", "tests/fixtures/prices-negotiated.toml", "--format", "json"]);
    assert!(approx(&v["totals"]["total"], 33.633), "{}", v["totals"]);
    assert_eq!(v["prices"]["tables"][1]["replaced"], 2);
    let bad = adbflow(&["cost", "--prices", "tests/fixtures/prices-bad.toml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("tests/fixtures/prices-bad.toml:3:1"), "{}", stderr(&bad));
}

#[test]
fn profiles_come_from_names_files_and_the_workload_section() {
    let v = json(&["cost", "--profile", "tests/fixtures/profile-big-etl.toml", "--format", "json"]);
    assert_eq!(v["profile"]["name"], "etl");
    assert_eq!(v["profile"]["adjusted_by"][0], "tests/fixtures/profile-big-etl.toml");
    let nodes = v["profile"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "nodes_per_cluster")
        .unwrap();
    assert_eq!(
        (nodes["value"].as_u64(), nodes["from"].as_str()),
        (Some(30), Some("tests/fixtures/profile-big-etl.toml"))
    );

    let v = json(&["cost", "tests/fixtures/with-workload.toml", "--format", "json"]);
    assert_eq!(v["profile"]["name"], "etl");
    assert_eq!(v["profile"]["adjusted_by"][0], "[workload] in tests/fixtures/with-workload.toml");
    let maven: f64 = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "maven")
        .map(|f| f["down_gb"].as_f64().unwrap())
        .sum();
    assert!((maven - 50.0).abs() < 1e-9, "the section's monthly volume: {maven}");

    let o =
        adbflow(&["cost", "tests/fixtures/with-workload.toml", "--profile", "notebook", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("--profile notebook replaces the [workload] section"), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["profile"]["name"], "notebook");
}

#[test]
fn bad_profiles_exit_2_with_a_position() {
    let o = adbflow(&["cost", "--profile", "tests/fixtures/profile-bad.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("tests/fixtures/profile-bad.toml:3:21"), "{}", stderr(&o));
    assert!(stderr(&o).contains("hours_per_cluster"), "{}", stderr(&o));
    let o = adbflow(&["cost", "--profile", "gpu-farm"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("seed, notebook, etl, ml-training"), "{}", stderr(&o));
}

#[test]
fn compare_three_patterns_table_and_stable_json() {
    let args = ["compare", "--pattern", "non-pl", "--pattern", "full-private", "--pattern", "hub-spoke"];
    let o = adbflow(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("compare_three_patterns", stdout(&o));
    let mut with_json = args.to_vec();
    with_json.extend(["--format", "json"]);
    let a = adbflow(&with_json);
    let b = adbflow(&with_json);
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert_eq!(v["inputs"].as_array().unwrap().len(), 3);
    insta::assert_snapshot!("compare_three_patterns_json", stdout(&a));
}

#[test]
fn compare_files_and_patterns_together() {
    let v = json(&[
        "compare",
        "tests/fixtures/with-workload.toml",
        "--pattern",
        "non-pl",
        "--profile",
        "seed",
        "--format",
        "json",
    ]);
    let labels: Vec<&str> =
        v["inputs"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["tests/fixtures/with-workload.toml", "non-pl"]);
    let o = adbflow(&["compare", "--pattern", "non-pl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at least two"), "{}", stderr(&o));
}

#[test]
fn capacity_snapshot_and_exit_codes() {
    let o = adbflow(&["capacity", "--pattern", "non-pl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("capacity_non-pl", stdout(&o));
    // 646 nodes × 100 connections = 64,600 > 64,512 SNAT ports of the one NAT IP.
    let o = adbflow(&["capacity", "--pattern", "non-pl", "--nodes", "646"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("capacity-exceeded"), "{}", stdout(&o));
    let o = adbflow(&["capacity", "--pattern", "non-pl", "--nodes", "645"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&[
        "capacity",
        "--pattern",
        "hub-spoke",
        "--profile",
        "tests/fixtures/profile-big-etl.toml",
        "--format",
        "json",
    ]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["workspaces"][0]["requested_nodes"], 120);
}

#[test]
fn capacity_markdown_names_its_sources() {
    let o = adbflow(&["capacity", "--pattern", "hub-spoke", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("## Sources") && out.contains("firewall-initial-throughput (Standard) = 3 Gbps"),
        "{out}"
    );
}

#[test]
fn check_json_has_per_flow_estimates() {
    let v = json(&["check", "--pattern", "hub-spoke", "--format", "json"]);
    let relay = v["flows"].as_array().unwrap().iter().find(|f| f["id"] == "scc-relay").unwrap();
    assert_eq!(relay["performance"]["latency_ms"], serde_json::json!([31.0, 83.0]));
    assert_eq!(relay["performance"]["connection_gbps"], 1.5);
    let blocked = json(&["check", "--pattern", "full-private", "--format", "json"]);
    let pypi = blocked["flows"].as_array().unwrap().iter().find(|f| f["id"] == "pypi").unwrap();
    assert!(pypi.get("performance").is_none(), "no estimate for a flow that does not get through");
}
