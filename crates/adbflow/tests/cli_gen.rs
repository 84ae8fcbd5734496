//! `gen` through the real binary: a generated estate is a file `check` reads like any other, in
//! the native format and as Terraform plan JSON, the seed fixes the output, and what cannot be
//! generated is a usage error.

use std::process::{Command, Output};

fn adbflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adbflow")).args(args).env("NO_COLOR", "1").output().expect("run adbflow")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A directory of the test's own, removed with it.
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a scratch directory")
}

/// `check --format json` writes while it walks; a reader that leaves early (`| head`) must not turn
/// the answer into an error: the check runs to its end and exits with its own code.
#[test]
fn a_reader_leaving_early_still_gets_the_checks_exit_code() {
    let tmp = scratch();
    use std::io::Read;
    let path = tmp.path().join("two-hundred.json");
    let p = path.to_str().unwrap();
    let o = adbflow(&["gen", "--workspaces", "200", "--seed", "2", "--output", p, "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // Spawned by hand: `common::adbflow` reads the whole output.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_adbflow"))
        .args(["check", p, "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 4096];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // The pipe is closed here, with tens of megabytes still to come.
    assert!(String::from_utf8_lossy(&head).starts_with("{\n  \"schema_version\": 1,"));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "planted mistakes make check fail: {}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("writing the output failed"), "{}", text(&out.stderr));
}

#[test]
fn generated_estate_checks_with_the_planted_failures() {
    let tmp = scratch();
    let path = tmp.path().join("twelve.json");
    let p = path.to_str().unwrap();
    let o = adbflow(&["gen", "--workspaces", "12", "--seed", "4", "--output", p, "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let summary = text(&o.stderr);
    assert!(summary.contains("generated 12 workspaces (seed 4), 2 deliberately misconfigured"), "{summary}");
    let c = adbflow(&["check", p, "--format", "json"]);
    assert_eq!(c.status.code(), Some(1), "planted mistakes make check fail: {}", text(&c.stderr));
    let report: serde_json::Value = serde_json::from_slice(&c.stdout).unwrap();
    let workspaces = report["workspaces"].as_array().unwrap();
    assert_eq!(workspaces.len(), 12);
    // Every workspace the summary names as misconfigured is one check does not call ok.
    for line in summary.lines().skip(1) {
        let ws = line.split_whitespace().next().unwrap();
        let w = workspaces.iter().find(|w| w["name"] == ws).unwrap();
        let has_error = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["workspace"] == ws && f["severity"] == "error");
        assert!(w["status"] == "blocked" || has_error, "{ws} was planted but passes: {w}");
    }
    let refuse = adbflow(&["gen", "--workspaces", "1", "--output", p]);
    assert_eq!(refuse.status.code(), Some(2), "an existing file is not overwritten without --force");
}

#[test]
fn the_seed_fixes_the_output() {
    let a = adbflow(&["gen", "--workspaces", "3", "--seed", "9"]);
    let b = adbflow(&["gen", "--workspaces", "3", "--seed", "9"]);
    let c = adbflow(&["gen", "--workspaces", "3", "--seed", "10"]);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(v["workspaces"].as_array().unwrap().len(), 3);
}

#[test]
fn impossible_requests_are_usage_errors() {
    for args in [
        &["gen", "--workspaces", "0"][..],
        &["gen", "--workspaces", "2", "--region", "atlantis"],
        &["gen", "--workspaces", "0", "--format", "plan-json"],
    ] {
        let o = adbflow(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).contains("usage error"), "{args:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty());
    }
}

fn check_json(path: &str) -> serde_json::Value {
    let c = adbflow(&["check", path, "--format", "json"]);
    assert_eq!(c.status.code(), Some(1), "planted mistakes make check fail: {}", text(&c.stderr));
    serde_json::from_slice(&c.stdout).unwrap()
}

/// Drop every `origin` (file:line:column in the native file, the resource address in the plan)
/// and the note that says a workspace URL is inferred.
fn without_origins(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("origin");
            if let Some(serde_json::Value::Array(notes)) = m.get_mut("notes") {
                notes.retain(|n| !n.as_str().is_some_and(|s| s.starts_with("workspace_url not given")));
            }
            m.values_mut().for_each(without_origins);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(without_origins),
        _ => {}
    }
}

/// The check report of the native file of an estate and that of its plan JSON, made comparable.
/// What is stripped, and why:
///
/// - `origin` everywhere: a native element's origin is `file:line:column`, a plan element's is its
///   resource address (`module.spoke["adb-ws-00000"].azurerm_subnet.this["host"]`);
/// - the report's `name`: the native file names the estate, a plan has no name;
/// - workspace URLs: Azure assigns them when the workspace is created, so the plan does not know
///   them and the importer stands in `adb-<workspace>.0.azuredatabricks.net` (with a note saying
///   so); each native URL is replaced by that stand-in and the note dropped;
/// - for a workspace whose library repositories are not the defaults (a mirror, or CRAN in use)
///   or that does not use the Hive metastore, the flows and findings of those repositories or of
///   `metastore`, and the workspace's `counts` and `status` (which add them up): no Terraform
///   resource says how a workspace installs libraries or whether it uses Hive, so a plan gets the
///   defaults (PyPI and Maven public, CRAN unused, Hive used);
/// - the `summary` (the sum of what remains is compared flow by flow).
///
/// Everything else — every flow's verdict, egress, SNAT address, resolved names, hops and the rule
/// deciding each, meters, notes, every finding — must be identical.
fn comparable(mut report: serde_json::Value, native_estate: &serde_json::Value) -> serde_json::Value {
    let mut text = report.to_string();
    let mut skip: Vec<(String, &str)> = Vec::new();
    let mut skip_ws: Vec<String> = Vec::new();
    for w in native_estate["workspaces"].as_array().unwrap() {
        let name = w["name"].as_str().unwrap().to_string();
        if let Some(url) = w["workspace_url"].as_str() {
            text = text.replace(url, &format!("adb-{name}.0.azuredatabricks.net"));
        }
        let lib = |k: &str, default: &str| w["libraries"][k].as_str().unwrap_or(default) != default;
        let mut ids = Vec::new();
        if lib("pypi", "public") {
            ids.extend(["pypi", "pypi-files"]);
        }
        if lib("maven", "public") {
            ids.push("maven");
        }
        if lib("cran", "none") {
            ids.push("cran");
        }
        if w["hive_metastore"] == false {
            ids.push("metastore");
        }
        if !ids.is_empty() {
            skip_ws.push(name.clone());
        }
        skip.extend(ids.into_iter().map(|i| (name.clone(), i)));
    }
    report = serde_json::from_str(&text).unwrap();
    without_origins(&mut report);
    let skipped = |f: &serde_json::Value, key: &str| {
        skip.iter().any(|(w, id)| f["workspace"] == w.as_str() && f[key] == *id)
    };
    let obj = report.as_object_mut().unwrap();
    obj.remove("name");
    obj.remove("summary");
    obj["flows"].as_array_mut().unwrap().retain(|f| !skipped(f, "id"));
    obj["findings"].as_array_mut().unwrap().retain(|f| !skipped(f, "flow"));
    for w in obj["workspaces"].as_array_mut().unwrap() {
        if skip_ws.iter().any(|n| w["name"] == n.as_str()) {
            let w = w.as_object_mut().unwrap();
            w.remove("counts");
            w.remove("status");
        }
    }
    report
}

#[test]
fn plan_json_checks_like_the_native_file_of_the_same_seed() {
    let tmp = scratch();
    let (native, plan) = (tmp.path().join("native-3.json"), tmp.path().join("plan-3.json"));
    let (n, p) = (native.to_str().unwrap(), plan.to_str().unwrap());
    let a = adbflow(&["gen", "--workspaces", "3", "--seed", "1", "-o", n, "--force"]);
    let b =
        adbflow(&["gen", "--workspaces", "3", "--seed", "1", "--format", "plan-json", "-o", p, "--force"]);
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    assert_eq!(b.status.code(), Some(0), "{}", text(&b.stderr));
    assert_eq!(text(&a.stderr), text(&b.stderr), "one estate, one list of planted faults");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(doc["format_version"], "1.2");
    assert!(
        doc["planned_values"]["root_module"]["child_modules"][2]["address"]
            == r#"module.spoke["adb-ws-00002"]"#
    );

    // The plan imports without errors; its warnings are what a plan cannot state.
    let c = adbflow(&["check", p, "--format", "json"]);
    let warnings = text(&c.stderr);
    for line in warnings.lines() {
        assert!(
            line.contains("warning[terraform-assumed-value]")
                || line.contains("warning[terraform-learned-routes-unknown]"),
            "unexpected: {line}"
        );
    }
    let native_estate: serde_json::Value = serde_json::from_slice(&std::fs::read(&native).unwrap()).unwrap();
    let want = comparable(check_json(n), &native_estate);
    let got = comparable(check_json(p), &native_estate);
    assert_eq!(want["flows"].as_array().unwrap().len(), got["flows"].as_array().unwrap().len());
    assert!(want["flows"].as_array().unwrap().len() > 100, "three workspaces check about 36 flows each");
    for (x, y) in want["flows"].as_array().unwrap().iter().zip(got["flows"].as_array().unwrap()) {
        assert_eq!(x, y, "flow {} of {} differs", x["id"], x["workspace"]);
    }
    assert_eq!(want, got);
}

#[test]
fn plan_json_streams_to_standard_output() {
    let o = adbflow(&["gen", "--workspaces", "2", "--seed", "5", "--format", "plan-json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["format_version"], "1.2");
    let changes = doc["resource_changes"].as_array().unwrap();
    assert!(changes
        .iter()
        .any(|c| c["address"] == r#"module.spoke["adb-ws-00001"].azurerm_databricks_workspace.this"#
            && c["change"]["actions"][0] == "create"));
    assert!(changes.iter().any(|c| c["type"] == "azurerm_firewall" && c["change"]["actions"][0] == "no-op"));
    let again = adbflow(&["gen", "--workspaces", "2", "--seed", "5", "--format", "plan-json"]);
    assert_eq!(o.stdout, again.stdout, "the seed fixes the plan too");
}
