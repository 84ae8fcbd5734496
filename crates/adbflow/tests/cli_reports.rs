//! `security`, `report`, `diagram` and `check --format sarif` through the real binary: the issue's
//! acceptance (non-pl has the NAT gateway exfiltration path, full-private does not), exit codes,
//! files written with -o, usage errors, and snapshots of the security table.

mod common;
use common::{adbflow, stdout};

fn json(args: &[&str]) -> serde_json::Value {
    let o = adbflow(args);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn nat_paths(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    v["exfiltration"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["open"] == true && p["egress"] == "nat-gateway")
        .collect()
}

#[test]
fn security_lists_the_nat_exfiltration_path_for_non_pl_only() {
    let v = json(&["security", "--pattern", "non-pl", "--format", "json"]);
    assert_eq!(v["schema_version"], 1);
    let nat = nat_paths(&v);
    assert!(
        nat.iter().any(|p| p["target"] == "internet-host" && p["via"]["id"] == "nat-gateway:adb-nat"),
        "{v:#}"
    );
    let out = stdout(&adbflow(&["security", "--pattern", "non-pl"]));
    let row = out.lines().find(|l| l.contains("any internet host") && l.contains("adb-vnet/host")).unwrap();
    assert!(row.contains("OPEN") && row.contains("nat-gateway:adb-nat"), "{row}");

    let v = json(&["security", "--pattern", "full-private", "--format", "json"]);
    assert!(nat_paths(&v).is_empty(), "{v:#}");
    let internet: Vec<_> =
        v["exfiltration"].as_array().unwrap().iter().filter(|p| p["target"] == "internet-host").collect();
    assert!(!internet.is_empty() && internet.iter().all(|p| p["open"] == false));
}

#[test]
fn security_exit_code_is_strict_only_on_request() {
    assert_eq!(adbflow(&["security", "--pattern", "non-pl"]).status.code(), Some(0));
    assert_eq!(adbflow(&["security", "--pattern", "non-pl", "--strict"]).status.code(), Some(1));
}

#[test]
fn security_table_snapshots() {
    for p in ["non-pl", "full-private", "hub-spoke"] {
        let o = adbflow(&["security", "--pattern", p]);
        insta::assert_snapshot!(format!("security_{p}"), stdout(&o));
    }
}

#[test]
fn check_and_security_print_sarif() {
    let v = json(&["check", "--pattern", "non-pl", "--format", "sarif"]);
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["tool"]["driver"]["name"], "adbflow");
    let v = json(&["security", "--pattern", "non-pl", "--format", "sarif"]);
    let ids: Vec<&str> =
        v["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert!(ids.contains(&"exfiltration-path"), "{ids:?}");
}

#[test]
fn report_and_diagram_write_files() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_reports");
    std::fs::create_dir_all(&dir).unwrap();
    let html = dir.join("r.html");
    let o = adbflow(&["report", "--pattern", "hub-spoke", "-o", html.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).is_empty());
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("adbflow report — hub-spoke") && text.contains("Azure Firewall hub-fw"));
    let svg = dir.join("t.svg");
    assert_eq!(
        adbflow(&["diagram", "--pattern", "non-pl", "-o", svg.to_str().unwrap()]).status.code(),
        Some(0)
    );
    roxmltree::Document::parse(&std::fs::read_to_string(&svg).unwrap()).expect("well-formed SVG");
    let m = stdout(&adbflow(&["diagram", "--format", "mermaid"]));
    assert!(m.contains("flowchart LR"));
    let s = stdout(&adbflow(&["diagram", "--format", "mermaid", "--view", "sequence"]));
    assert!(s.starts_with("sequenceDiagram"));
    let d = stdout(&adbflow(&["diagram", "--format", "dot", "--pattern", "full-private"]));
    assert!(d.starts_with("digraph topology {") && d.contains("cluster_"));
}

#[test]
fn sequence_needs_mermaid_and_bad_input_exits_2() {
    let o = adbflow(&["diagram", "--view", "sequence", "--format", "svg"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--format mermaid"));
    let o = adbflow(&["report", "no-such-file.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = adbflow(&["security", "--pattern", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_blocked_required_flow_makes_report_exit_1() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_reports_broken");
    std::fs::create_dir_all(&dir).unwrap();
    let text = stdout(&adbflow(&["init", "--pattern", "non-pl"]));
    let broken: String =
        text.lines().filter(|l| !l.starts_with("nat_gateway = ")).map(|l| format!("{l}\n")).collect();
    let input = dir.join("no-nat.toml");
    std::fs::write(&input, broken).unwrap();
    let out = dir.join("r.html");
    let o = adbflow(&["report", input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(std::fs::read_to_string(&out).unwrap().contains("✗ BLOCKED"));
}
