//! The HTML report's cost section prices the same evaluation `adbflow cost` prices.

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_adbflow")).args(args).output().expect("run adbflow");
    (o.status.code(), String::from_utf8(o.stdout).unwrap())
}

#[test]
fn report_cost_section_matches_the_cost_command() {
    for pattern in ["non-pl", "hub-spoke"] {
        let (code, json) = run(&["cost", "--pattern", pattern, "--format", "json"]);
        assert_eq!(code, Some(0));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let total = v["totals"]["total"].as_f64().unwrap();
        let (code, html) = run(&["report", "--pattern", pattern]);
        assert_eq!(code, Some(0));
        let section = &html[html.find("id=\"cost\"").expect("a cost section")..];
        let expected = format!("Total <b>${total:.2}</b>");
        assert!(section.contains(&expected), "{pattern}: expected {expected} in the cost section");
        assert!(section.contains("<svg class=\"cost-chart\""), "{pattern}: the chart is inline SVG");
    }
}

#[test]
fn report_takes_a_profile_for_its_cost_section() {
    let (_, seed) = run(&["report", "--pattern", "non-pl"]);
    let (code, etl) = run(&["report", "--pattern", "non-pl", "--profile", "etl"]);
    assert_eq!(code, Some(0));
    assert!(etl.contains("workload profile <b>etl</b>"));
    assert_ne!(seed, etl);
}

// The capacity section answers as `adbflow capacity` does: the same maximum and binding limit.
#[test]
fn report_capacity_section_matches_the_capacity_command() {
    for pattern in ["non-pl", "hub-spoke"] {
        let (code, json) = run(&["capacity", "--pattern", pattern, "--format", "json"]);
        assert_eq!(code, Some(0));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let w = &v["workspaces"][0];
        let (_, html) = run(&["report", "--pattern", pattern]);
        let section = &html[html.find("id=\"capacity\"").expect("a capacity section")..];
        let max = w["max_nodes"].as_u64().unwrap();
        let max = if max >= 1000 { format!("{},{:03}", max / 1000, max % 1000) } else { max.to_string() };
        let expected = format!(
            "At most <strong>{max}</strong> nodes at once; the limit reached first: <code>{}</code>",
            w["binding"].as_str().unwrap()
        );
        assert!(
            section.contains(&expected),
            "{pattern}: expected {expected} in {}",
            &section[..section.len().min(600)]
        );
        assert!(section.contains("<table class=\"capacity-limits\">"), "{pattern}");
        assert!(html.contains("href=\"#capacity\""), "{pattern}: the contents link to it");
    }
}
