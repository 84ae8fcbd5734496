//! `gen` through the real binary: a generated estate is a file `check` reads like any other, the
//! seed fixes the output, and what cannot be generated is a usage error.

use std::path::PathBuf;
use std::process::{Command, Output};

fn adbflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adbflow")).args(args).env("NO_COLOR", "1").output().expect("run adbflow")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("adbflow-cli-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn generated_estate_checks_with_the_planted_failures() {
    let path = scratch("twelve.json");
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
        &["gen", "--workspaces", "2", "--format", "plan-json"],
    ] {
        let o = adbflow(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).contains("usage error"), "{args:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty());
    }
}
