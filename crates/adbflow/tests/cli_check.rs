//! `check`, `flows` and `init` through the real binary: the built-in patterns, exit codes,
//! determinism, and snapshots of the main job's output for all three patterns in two regions.

mod common;
use common::{adbflow, stderr, stdout};

fn check_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let o = adbflow(&all);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// Flow rows by `id` and subnet role.
fn rows<'a>(v: &'a serde_json::Value, id: &str) -> Vec<&'a serde_json::Value> {
    v["flows"].as_array().unwrap().iter().filter(|f| f["id"] == id).collect()
}

#[test]
fn check_without_input_runs_the_non_pl_pattern_and_passes() {
    let o = adbflow(&["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("non-pl"), "{out}");
    assert!(out.contains("Network Path Summary"), "{out}");
}

#[test]
fn check_snapshots_for_every_pattern_in_two_regions() {
    for pattern in ["non-pl", "full-private", "hub-spoke"] {
        for region in ["eastus2", "westeurope"] {
            let o = adbflow(&["check", "--pattern", pattern, "--region", region]);
            assert!(o.status.code().is_some_and(|c| c <= 1), "{pattern} {region}: {}", stderr(&o));
            insta::assert_snapshot!(format!("check_{pattern}_{region}"), stdout(&o));
        }
    }
}

#[test]
fn check_output_is_byte_identical_across_runs() {
    for pattern in ["non-pl", "full-private", "hub-spoke"] {
        let a = adbflow(&["check", "--pattern", pattern, "--format", "json"]);
        let b = adbflow(&["check", "--pattern", pattern, "--format", "json"]);
        assert_eq!(a.stdout, b.stdout, "{pattern}");
    }
}

#[test]
fn non_pl_control_plane_uses_nat_and_storage_uses_service_endpoints() {
    let v = check_json(&["--pattern", "non-pl"]);
    assert_eq!(v["schema_version"], 1);
    for id in ["scc-relay", "webapp", "pypi"] {
        let r = rows(&v, id);
        assert_eq!(r.len(), 2, "{id} from both subnets");
        for f in r {
            assert_eq!(f["verdict"], "delivered", "{f}");
            assert_eq!(f["egress"], "nat-gateway", "{f}");
        }
    }
    for id in ["artifact-primary", "dbfs-blob", "dbfs-dfs", "uc-storage"] {
        for f in rows(&v, id) {
            assert_eq!(f["egress"], "service-endpoint", "{f}");
        }
    }
}

#[test]
fn full_private_reaches_the_control_plane_through_the_back_end_endpoint() {
    let v = check_json(&["--pattern", "full-private"]);
    for id in ["scc-relay", "webapp", "dbfs-dfs", "uc-storage"] {
        for f in rows(&v, id) {
            assert_eq!(f["verdict"], "delivered", "{f}");
            assert_eq!(f["egress"], "private-endpoint", "{f}");
        }
    }
    for f in rows(&v, "pypi") {
        assert_eq!(f["verdict"], "blocked-by-design", "{f}");
    }
}

#[test]
fn hub_spoke_sends_internet_and_control_plane_through_the_firewall() {
    let v = check_json(&["--pattern", "hub-spoke"]);
    for id in ["scc-relay", "webapp", "pypi"] {
        for f in rows(&v, id) {
            assert_eq!(f["verdict"], "delivered", "{f}");
            assert_eq!(f["egress"], "firewall", "{f}");
            let fw_hop =
                f["hops"].as_array().unwrap().iter().find(|h| h["kind"] == "firewall").expect("firewall hop");
            assert!(fw_hop["decided_by"]["id"].as_str().unwrap().starts_with("firewall-rule:"), "{fw_hop}");
        }
    }
    for f in rows(&v, "dbfs-blob") {
        assert_eq!(f["egress"], "service-endpoint", "{f}");
    }
}

#[test]
fn flows_mermaid_is_a_sequence_diagram() {
    let o = adbflow(&["flows", "--format", "mermaid"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("sequenceDiagram"), "{}", stdout(&o));
}

#[test]
fn init_writes_a_file_that_checks_like_the_pattern() {
    // A directory of the test's own, removed with it.
    let tmp = tempfile::tempdir().expect("a scratch directory");
    let dir = tmp.path();
    let file = dir.join("hub.toml");
    let _ = std::fs::remove_file(&file);
    let path = file.to_str().unwrap();
    let o = adbflow(&["init", "--pattern", "hub-spoke", "--region", "westeurope", "-o", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again = adbflow(&["init", "--pattern", "hub-spoke", "-o", path]);
    assert_eq!(again.status.code(), Some(2), "refuses to overwrite");
    let verdicts = |v: &serde_json::Value| -> Vec<(String, String, String)> {
        v["flows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["id"].to_string(), f["subnet"].to_string(), f["verdict"].to_string()))
            .collect()
    };
    let from_file = check_json(&[path]);
    let from_pattern = check_json(&["--pattern", "hub-spoke", "--region", "westeurope"]);
    assert_eq!(verdicts(&from_file), verdicts(&from_pattern));
}

#[test]
fn region_with_an_input_file_is_a_usage_error() {
    let o = adbflow(&["check", "tests/fixtures/worked-example.toml", "--region", "westeurope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--region"), "{}", stderr(&o));
}

#[test]
fn unknown_pattern_and_region_are_usage_errors() {
    let o = adbflow(&["check", "--pattern", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("non-pl"), "lists the known patterns: {}", stderr(&o));
    let o = adbflow(&["check", "--region", "mars"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The estate, the region data and the tag file are read side by side; when several are bad, the
/// error is the first of them in that order, whichever finished first.
#[test]
fn input_errors_come_in_the_order_estate_regions_tags() {
    // A directory of the test's own, removed with it.
    let tmp = tempfile::tempdir().expect("a scratch directory");
    let dir = tmp.path();
    let bad_regions = dir.join("regions.toml");
    std::fs::write(&bad_regions, "[[region]\nname = ").unwrap();
    let bad_tags = dir.join("tags.json");
    std::fs::write(&bad_tags, "{ not json").unwrap();
    let (regions, tags) = (bad_regions.to_str().unwrap(), bad_tags.to_str().unwrap());
    let missing = dir.join("no-such-estate.json");
    let missing = missing.to_str().unwrap();
    for (args, names) in [
        (vec!["check", missing, "--regions", regions, "--service-tags", tags], "no-such-estate.json"),
        (vec!["check", "--regions", regions, "--service-tags", tags], "regions.toml"),
        (vec!["check", "--service-tags", tags], "tags.json"),
    ] {
        let o = adbflow(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        assert!(stderr(&o).contains(names), "{args:?} should name {names}: {}", stderr(&o));
    }
}

#[test]
fn estate_without_workspaces_is_a_clear_error_for_check() {
    let o = adbflow(&["check", "tests/fixtures/worked-example.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).to_lowercase().contains("workspace"), "{}", stderr(&o));
}

#[test]
fn routes_on_a_pattern_show_databricks_managed_rules() {
    let o = adbflow(&["rules", "--pattern", "non-pl", "--subnet", "adb-vnet/host"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Microsoft.Databricks-workspaces_UseOnly_databricks-worker-to-databricks-webapp")
    );
}

/// Output that cannot be written is an error (exit 2, said on stderr), for text and for the
/// streamed JSON alike; a reader that closes the pipe early is not.
#[test]
fn unwritable_output_is_an_error_and_a_closed_pipe_is_not() {
    use std::process::{Command, Stdio};
    for format in ["table", "json"] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_adbflow"))
            .args(["check", "--format", format])
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{format}");
        assert!(stderr(&o).contains("writing the output failed"), "{format}: {}", stderr(&o));

        let mut child = Command::new(env!("CARGO_BIN_EXE_adbflow"))
            .args(["check", "--pattern", "hub-spoke", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "{format}: {}", stderr(&o));
    }
}
