//! The network questions through the real binary: output contracts, exit codes, error locations.

mod common;
use common::{adbflow, stderr, stdout};

use std::path::PathBuf;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).display().to_string()
}

#[test]
fn routes_json_has_the_azure_cli_shape() {
    let o = adbflow(&[
        "routes",
        "tests/fixtures/worked-example.toml",
        "--subnet",
        "Virtual-network-1/Subnet1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let routes = v["value"].as_array().unwrap();
    for r in routes {
        for key in ["source", "state", "addressPrefix", "nextHopType", "nextHopIpAddress", "name"] {
            assert!(r.get(key).is_some(), "route lacks {key}: {r}");
        }
    }
    let default_nva = routes.iter().find(|r| r["name"] == "Default-NVA").expect("Default-NVA route");
    assert_eq!(default_nva["state"], "Active");
    assert_eq!(default_nva["nextHopIpAddress"][0], "10.0.100.4");
    let system_default = routes
        .iter()
        .find(|r| r["source"] == "Default" && r["addressPrefix"][0] == "0.0.0.0/0")
        .expect("system 0/0");
    assert_eq!(system_default["state"], "Invalid");
    insta::assert_snapshot!("routes_worked_example_subnet1_json", stdout(&o));
}

#[test]
fn routes_table_snapshot() {
    let o =
        adbflow(&["routes", "tests/fixtures/worked-example.toml", "--subnet", "Virtual-network-1/Subnet2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("routes_worked_example_subnet2_table", stdout(&o));
}

#[test]
fn trace_blocked_exits_1_with_reason_and_element() {
    let o = adbflow(&[
        "trace",
        "tests/fixtures/worked-example.toml",
        "--from",
        "Virtual-network-1/Subnet1",
        "--to",
        "10.1.2.3:443",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["verdict"], "blocked");
    assert_eq!(v["blocked_by"]["reason_code"], "ROUTE_NONE");
    assert_eq!(v["blocked_by"]["element"]["id"], "route:Subnet1-routes/ToVNet2-1-Drop");
    let origin = &v["blocked_by"]["element"]["origin"];
    assert_eq!(origin["kind"], "file");
    assert!(origin["file"].as_str().unwrap().ends_with("worked-example.toml"));
    assert!(origin["line"].as_u64().unwrap() > 1);
}

#[test]
fn trace_delivered_exits_0_and_table_names_the_path() {
    let o = adbflow(&[
        "trace",
        &fixture("worked-example.toml"),
        "--from",
        "Virtual-network-1/Subnet2",
        "--to",
        "pypi.org",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Verdict: DELIVERED via default-outbound"), "{out}");
    assert!(out.contains("AllowInternetOutBound") || out.contains("has no NSG"), "{out}");
}

#[test]
fn rules_json_lists_defaults_in_order() {
    let o =
        adbflow(&["rules", "tests/fixtures/worked-example.toml", "--subnet", "Virtual-network-1/Subnet2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("has no NSG"));
}

#[test]
fn unknown_subnet_is_a_usage_error_listing_known_ones() {
    let o = adbflow(&["routes", "tests/fixtures/worked-example.toml", "--subnet", "nope/nope"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("Virtual-network-1/Subnet1"), "{err}");
}

#[test]
fn malformed_input_exits_2_naming_file_line_and_column() {
    // A directory of the test's own, removed with it.
    let tmp = tempfile::tempdir().expect("a scratch directory");
    let dir = tmp.path();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[vnets]]\nname = \"v\"\naddress_space = [\"10.0.0.0/33\"]\n").unwrap();
    let o = adbflow(&["routes", bad.to_str().unwrap(), "--subnet", "v/s"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    // Line 3, column 17: the address_space value holding the bad CIDR.
    assert!(err.contains("bad.toml:3:17: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn missing_file_exits_2() {
    let o = adbflow(&["trace", "does-not-exist.toml", "--from", "a/b", "--to", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does-not-exist.toml"));
}

#[test]
fn bad_port_is_a_usage_error() {
    let o = adbflow(&["trace", "tests/fixtures/worked-example.toml", "--from", "a/b", "--to", "x:99999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("99999"));
}
