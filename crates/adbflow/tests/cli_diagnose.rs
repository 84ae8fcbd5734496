//! `adbflow diagnose` through the real binary: the acceptance scenario, exit codes, usage
//! errors, every symptom, determinism, and snapshots of the three output formats.

mod common;
use common::{stderr, stdout};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn adbflow_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adbflow"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run adbflow")
}

fn adbflow(args: &[&str]) -> Output {
    adbflow_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// A directory of its own for one test's input files (origins then read `FILE:line:col`, the same on
/// every machine, because the binary runs inside it with a relative path).
fn workdir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("diagnose-{name}"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A built-in pattern as `init` writes it, with `edit` applied to its text.
fn variant(dir: &Path, file: &str, pattern: &str, edit: impl Fn(&str) -> String) {
    let o = adbflow(&["init", "--pattern", pattern]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changed nothing");
    std::fs::write(dir.join(file), edited).unwrap();
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

// The acceptance: databricks-net-facts §3b, the hub firewall without the relay rule.
#[test]
fn npip_on_hub_spoke_without_the_relay_rule_names_the_missing_rule_first() {
    let dir = workdir("acceptance");
    variant(&dir, "hub-spoke-no-relay.toml", "hub-spoke", |t| {
        t.lines().filter(|l| !l.contains("name = \"scc-relay\"")).collect::<Vec<_>>().join("\n") + "\n"
    });
    let args = ["diagnose", "hub-spoke-no-relay.toml", "--code", "NPIP_TUNNEL_SETUP_FAILURE"];
    let o = adbflow_in(&dir, &args);
    assert_eq!(o.status.code(), Some(1), "the model explains it: {}", stderr(&o));
    insta::assert_snapshot!("diagnose_npip_hub_spoke_no_relay_table", stdout(&o));

    let o = adbflow_in(&dir, &[&args[..], &["--format", "json"]].concat());
    let v = json(&o);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["explained"], true);
    let c = &v["causes"][0];
    assert_eq!(c["rank"], 1);
    assert_eq!(c["flow"]["id"], "scc-relay");
    assert_eq!(c["reason_code"], "FIREWALL_DENIED");
    assert_eq!(c["element"]["id"], "firewall-policy:hub-fw-policy");
    assert_eq!(c["element"]["origin"]["file"], "hub-spoke-no-relay.toml");
    let fix = c["fixes"][0]["action"].as_str().unwrap();
    assert!(fix.contains("application rule") && fix.contains("tunnel.eastus2.azuredatabricks.net"), "{fix}");
    assert_eq!(v["generic_causes"].as_array().unwrap().len(), 0);
}

#[test]
fn healthy_pattern_gives_generic_causes_and_exit_0() {
    let o = adbflow(&["diagnose", "--code", "NPIP_TUNNEL_SETUP_FAILURE", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["explained"], false);
    assert!(v["causes"].as_array().unwrap().is_empty());
    let g = v["generic_causes"].as_array().unwrap();
    assert!(g.len() >= 3);
    assert!(g.iter().all(|x| x["source"]["title"].is_string() && x["as_of"].is_string()), "{g:?}");
}

// Issue 6: slow starts are answered by the lifecycle simulation. A small seed cluster starts without
// a noticeable wait (generic causes, exit 0); 100 nodes pulling libraries through the new hub
// firewall are slowed by it (exit 1, the firewall named, with its definition's line).
#[test]
fn slow_start_is_answered_by_the_simulation() {
    let o = adbflow(&["diagnose", "--pattern", "hub-spoke", "--symptom", "slow-start", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["explained"], false);
    assert_eq!(v["models"], serde_json::json!(["check", "capacity", "simulation"]));
    let notes = v["notes"].as_array().unwrap();
    assert!(notes.iter().all(|n| !n.as_str().unwrap().contains("startup timing")), "{notes:?}");

    let o = adbflow(&[
        "diagnose",
        "--pattern",
        "hub-spoke",
        "--symptom",
        "slow-start",
        "--profile",
        "tests/fixtures/profile-100-nodes.toml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["causes"][0]["found_by"], "simulation");
    assert_eq!(v["causes"][0]["element"]["id"], "firewall:hub-fw");
    insta::assert_snapshot!("diagnose_slow_start_hub_spoke_100_nodes_json", stdout(&o));
}

// databricks-net-facts §3 (S6): no egress device, the pending cluster's first failure is the tunnel.
#[test]
fn pending_without_nat_markdown_snapshot() {
    let dir = workdir("pending");
    variant(&dir, "non-pl-no-nat.toml", "non-pl", |t| {
        t.lines().filter(|l| !l.starts_with("nat_gateway = ")).collect::<Vec<_>>().join("\n") + "\n"
    });
    let o =
        adbflow_in(&dir, &["diagnose", "non-pl-no-nat.toml", "--symptom", "pending", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    let first = out.lines().find(|l| l.starts_with("- **1. ")).unwrap();
    assert!(first.contains("scc-relay"), "{first}");
    insta::assert_snapshot!("diagnose_pending_non_pl_no_nat_markdown", out);
}

#[test]
fn every_symptom_runs_on_every_pattern() {
    for pattern in ["non-pl", "full-private", "hub-spoke"] {
        for s in ["pending", "pip", "storage-403", "dns", "slow-start"] {
            let o = adbflow(&["diagnose", "--pattern", pattern, "--symptom", s, "--format", "json"]);
            let v = json(&o);
            let explained = v["explained"].as_bool().unwrap();
            assert_eq!(o.status.code(), Some(i32::from(explained)), "{pattern} {s}: {}", stderr(&o));
            assert_eq!(v["query"]["asked"], s);
        }
    }
    // full-private installs nothing from PyPI by design: that is the answer to "pip fails".
    let v =
        json(&adbflow(&["diagnose", "--pattern", "full-private", "--symptom", "pip", "--format", "json"]));
    assert_eq!(v["causes"][0]["flow"]["verdict"], "blocked-by-design");
}

#[test]
fn unknown_code_is_a_usage_error_listing_the_known_ones() {
    let o = adbflow(&["diagnose", "--code", "CLUSTER_ON_FIRE"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("CLUSTER_ON_FIRE") && e.contains("NPIP_TUNNEL_SETUP_FAILURE"), "{e}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn code_and_symptom_are_required_and_exclusive() {
    let none = adbflow(&["diagnose"]);
    assert_eq!(none.status.code(), Some(2), "{}", stderr(&none));
    let both = adbflow(&["diagnose", "--code", "NPIP_TUNNEL_SETUP_FAILURE", "--symptom", "pip"]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    let bad = adbflow(&["diagnose", "--symptom", "slow"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("storage-403"), "{}", stderr(&bad));
}

#[test]
fn variant_codes_in_any_case_read_as_their_family() {
    let o = adbflow(&[
        "diagnose",
        "--code",
        "control_plane_request_failure_due_to_misconfig",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["query"]["asked"], "CONTROL_PLANE_REQUEST_FAILURE_DUE_TO_MISCONFIG");
    assert_eq!(v["query"]["entry"], "CONTROL_PLANE_REQUEST_FAILURE");
}

#[test]
fn diagnose_output_is_byte_identical_across_runs() {
    for format in ["table", "json", "markdown"] {
        let args = ["diagnose", "--pattern", "full-private", "--symptom", "pip", "--format", format];
        assert_eq!(adbflow(&args).stdout, adbflow(&args).stdout, "{format}");
    }
}

#[test]
fn input_errors_still_exit_2() {
    let o = adbflow(&["diagnose", "tests/fixtures/worked-example.toml", "--symptom", "dns"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).to_lowercase().contains("workspace"), "{}", stderr(&o));
}
