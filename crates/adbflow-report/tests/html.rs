//! The HTML report without a browser: self-contained (no script, nothing fetched), every section
//! present, blocked flows marked, the cost slot filled only when given, repeatable output. The
//! browser test (crates/adbflow/tests/browser.rs) renders it in Chromium.

mod common;

use adbflow_report::html::{render, ReportInput, Section};
use common::{assessed, broken, pattern, PATTERNS};

/// Attribute values that would make a browser fetch something.
fn external_refs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=", "href=", "url(", "@import", "srcset="] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            let v: String = rest.trim_start_matches(['"', '\'']).chars().take(40).collect();
            if !(v.starts_with('#') || v.starts_with("data:")) {
                out.push(format!("{attr}{v}"));
            }
        }
    }
    out
}

#[test]
fn report_is_self_contained() {
    for p in PATTERNS {
        let a = assessed(&pattern(p));
        let html = render(&ReportInput::new(&a));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<script"), "{p}: no script");
        assert!(!html.contains("<link"), "{p}: no external stylesheet");
        assert!(!html.contains("<img"), "{p}: no images to load");
        assert_eq!(external_refs(&html), Vec::<String>::new(), "{p}");
        assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
        // The only absolute URLs are XML namespaces, which browsers never fetch.
        let urls: Vec<&str> = html
            .match_indices("://")
            .map(|(i, _)| &html[i.saturating_sub(4)..i + 25.min(html.len() - i)])
            .collect();
        assert!(urls.iter().all(|u| u.starts_with("http://www.w3.org/2000/svg")), "{p}: {urls:?}");
        assert!(!urls.is_empty(), "{p}: the inline SVG's namespace is found");
    }
    assert!(!external_refs("<a href=\"https://x\">").is_empty(), "the scan finds links");
}

#[test]
fn report_has_every_section_and_the_topology() {
    let a = assessed(&pattern("non-pl"));
    let html = render(&ReportInput::new(&a));
    for id in ["overview", "topology", "sequence", "paths", "findings", "security", "traces", "data"] {
        assert!(html.contains(&format!("<section class=\"block\" id=\"{id}\">")), "{id}");
        assert!(html.contains(&format!("<a href=\"#{id}\">")), "nav {id}");
    }
    assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"adbflow-topology\""));
    let rows = html.matches("<tr class=\"verdict-").count();
    assert_eq!(rows, a.check.flows.len());
    assert_eq!(html.matches("<div class=\"trace ").count(), a.check.flows.len());
    assert!(html.contains("Phase 3 — Secure tunnel establishment"));
    assert!(html.contains("any internet host"), "exfiltration table");
    assert!(!html.contains("id=\"cost\""), "no cost section without a cost report");
}

#[test]
fn blocked_flows_are_marked_with_symptom_and_fix() {
    let a = assessed(&broken());
    let html = render(&ReportInput::new(&a));
    assert!(html.contains("<div class=\"status bad\">"));
    let blocked = a.check.flows.iter().filter(|f| f.is_failure()).count();
    assert!(blocked > 0);
    assert_eq!(html.matches("<tr class=\"verdict-blocked\"").count(), blocked);
    assert!(html.contains("✗ BLOCKED"));
    assert!(html.contains("NPIP_TUNNEL_SETUP_FAILURE"));
    assert!(html.contains("<b>Fix:</b> attach a NAT gateway"));
}

#[test]
fn cost_slot_renders_when_given() {
    let a = assessed(&pattern("non-pl"));
    let mut input = ReportInput::new(&a);
    input.cost = Some(Section {
        id: "cost".into(),
        title: "Cost by meter".into(),
        html: "<table class=\"cost\"><tr><td>nat-gateway-data-processed</td></tr></table>".into(),
    });
    let html = render(&input);
    let at = html.find("<section class=\"block\" id=\"cost\">").expect("cost section");
    assert!(html.contains("<a href=\"#cost\">Cost by meter</a>"));
    assert!(at > html.find("id=\"findings\"").unwrap() && at < html.find("id=\"security\"").unwrap());
    assert!(html.contains("nat-gateway-data-processed"));
}

#[test]
fn report_escapes_input_text() {
    let mut e = pattern("non-pl");
    e.name = Some("<b>x</b> & \"y\"".into());
    let a = assessed(&e);
    let html = render(&ReportInput::new(&a));
    assert!(html.contains("adbflow report — &lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;"));
    assert!(!html.contains("<b>x</b>"));
}

#[test]
fn report_is_deterministic() {
    let a = assessed(&pattern("full-private"));
    let b = assessed(&pattern("full-private"));
    assert_eq!(render(&ReportInput::new(&a)), render(&ReportInput::new(&b)));
}
