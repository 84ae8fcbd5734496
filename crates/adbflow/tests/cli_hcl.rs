//! A directory of `.tf` files as INPUT, with `--var` and `--var-file`, through the real binary.

use std::process::{Command, Output};

const PROD: &str = "../adbflow-import/tests/fixtures/hcl/deployment/envs/prod";

fn adbflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adbflow"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run adbflow")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

fn verdicts(v: &serde_json::Value, id: &str) -> Vec<String> {
    v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id)
        .map(|f| f["verdict"].to_string())
        .collect()
}

#[test]
fn a_terraform_directory_checks_and_points_at_tf_lines() {
    let o = adbflow(&["check", PROD, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let nsg_rule =
        v["flows"].as_array().unwrap().iter().find_map(|f| f["nsg_rule"]["origin"].as_object().cloned());
    assert!(nsg_rule.is_some(), "some flow names its NSG rule");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("main.tf:"), "warnings point at .tf lines: {stderr}");
}

#[test]
fn var_flips_the_conditional_deny_rule() {
    let open = json(&adbflow(&["check", PROD, "--format", "json"]));
    assert!(verdicts(&open, "pypi").iter().all(|v| v == "\"delivered\""));
    let o = adbflow(&["check", PROD, "--format", "json", "--var", "deny_internet_outbound=true"]);
    assert_eq!(o.status.code(), Some(1), "a required flow is now blocked");
    let closed = json(&o);
    assert!(verdicts(&closed, "pypi").iter().all(|v| v == "\"blocked\""), "{:?}", verdicts(&closed, "pypi"));
}

#[test]
fn var_file_applies_and_bad_var_is_a_usage_error() {
    // A directory of the test's own, removed with it.
    let tmp = tempfile::tempdir().expect("a scratch directory");
    let dir = tmp.path();
    let vars = dir.join("deny.tfvars");
    std::fs::write(&vars, "deny_internet_outbound = true\n").unwrap();
    let o = adbflow(&["check", PROD, "--var-file", vars.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let o = adbflow(&["check", "--var", "x=1"]);
    assert_eq!(o.status.code(), Some(2), "--var without a .tf directory");
}
