//! adbflow's Mermaid and SARIF output checked by the official tools, not by our own reading of the
//! formats (issue 7 acceptance): Mermaid's own parser (npm `mermaid`, in jsdom) for every pattern's
//! topology flowchart and startup sequence, and the SARIF 2.1.0 JSON schema Microsoft publishes
//! (npm `@microsoft/jest-sarif`) for `check`, `security` and `diff` SARIF.
//!
//! The validators live in `tests/js` (`npm ci` there; `.ci/run` does it). In CI (CI=true) missing
//! validators fail the test; locally they are skipped with a notice.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const PATTERNS: [&str; 3] = ["non-pl", "full-private", "hub-spoke"];

fn validators() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let ready = dir.join("node_modules/mermaid").is_dir()
        && dir.join("node_modules/@microsoft/jest-sarif").is_dir()
        && Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if ready {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("node and tests/js/node_modules are required in CI: .ci/run runs `npm ci` in tests/js");
    }
    eprintln!(
        "notice: node or tests/js/node_modules missing; skipping the official validators (CI runs them)"
    );
    None
}

/// A directory of the test's own, removed with it.
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a scratch directory")
}

/// Write what `adbflow args` prints to `dir/file`; its path.
fn capture(dir: &Path, file: &str, args: &[&str]) -> String {
    let out = adbflow(args);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{args:?}: {}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.trim().is_empty(), "{args:?} printed nothing");
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Run `node script files…` in the validators' directory; its stdout (the test fails on exit ≠ 0).
fn run(validators: &Path, script: &str, files: &[String]) -> String {
    let out =
        Command::new("node").arg(script).args(files).current_dir(validators).output().expect("node runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{script} rejected adbflow's output:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// non-pl without its NAT gateway: blocked flows, so SARIF results and crossed-out arrows.
fn broken_non_pl(dir: &Path) -> String {
    let text = stdout(&adbflow(&["init", "--pattern", "non-pl"]));
    let broken: String =
        text.lines().filter(|l| !l.starts_with("nat_gateway = ")).map(|l| format!("{l}\n")).collect();
    assert_ne!(broken, text, "the edit removed the NAT gateway");
    let path = dir.join("broken.toml");
    std::fs::write(&path, broken).unwrap();
    path.display().to_string()
}

#[test]
fn mermaid_parses_every_flowchart_and_sequence_with_the_official_parser() {
    let tmp = scratch();
    let Some(v) = validators() else { return };
    let dir = tmp.path().to_path_buf();
    let broken = broken_non_pl(&dir);
    let mut files = Vec::new();
    for p in PATTERNS {
        files.push(capture(
            &dir,
            &format!("{p}.topology.mmd"),
            &["diagram", "--pattern", p, "--format", "mermaid"],
        ));
        files.push(capture(
            &dir,
            &format!("{p}.sequence.mmd"),
            &["diagram", "--pattern", p, "--format", "mermaid", "--view", "sequence"],
        ));
        files.push(capture(
            &dir,
            &format!("{p}.flows.mmd"),
            &["flows", "--pattern", p, "--format", "mermaid"],
        ));
    }
    files.push(capture(&dir, "broken.topology.mmd", &["diagram", &broken, "--format", "mermaid"]));
    files.push(capture(&dir, "broken.sequence.mmd", &["flows", &broken, "--format", "mermaid"]));
    let report = run(&v, "mermaid-parse.mjs", &files);
    assert_eq!(report.lines().filter(|l| l.starts_with("ok flowchart")).count(), 4, "{report}");
    assert_eq!(report.lines().filter(|l| l.starts_with("ok sequence")).count(), 7, "{report}");
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let tmp = scratch();
    let Some(v) = validators() else { return };
    let dir = tmp.path().to_path_buf();
    let broken = broken_non_pl(&dir);
    let mut files = Vec::new();
    for p in PATTERNS {
        files.push(capture(
            &dir,
            &format!("{p}.check.sarif"),
            &["check", "--pattern", p, "--format", "sarif"],
        ));
        files.push(capture(
            &dir,
            &format!("{p}.security.sarif"),
            &["security", "--pattern", p, "--format", "sarif"],
        ));
    }
    files.push(capture(&dir, "broken.check.sarif", &["check", &broken, "--format", "sarif"]));
    files.push(capture(
        &dir,
        "diff.sarif",
        &["diff", "--old-pattern", "non-pl", "--new-pattern", "hub-spoke", "--format", "sarif"],
    ));
    let broken_log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("broken.check.sarif")).unwrap()).unwrap();
    assert!(
        broken_log["runs"][0]["results"].as_array().is_some_and(|r| !r.is_empty()),
        "the broken variant has results to validate"
    );
    let report = run(&v, "sarif-validate.mjs", &files);
    assert_eq!(report.lines().filter(|l| l.starts_with("ok ")).count(), files.len(), "{report}");

    // The validator is not a rubber stamp: a log without its tool driver is refused.
    let bad = dir.join("bad.sarif");
    std::fs::write(&bad, r#"{"version": "2.1.0", "runs": [{"tool": {}}]}"#).unwrap();
    let out = Command::new("node").arg("sarif-validate.mjs").arg(&bad).current_dir(&v).output().unwrap();
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
