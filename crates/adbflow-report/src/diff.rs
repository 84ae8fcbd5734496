//! Renderers for `adbflow diff`: a terminal table, a pull-request comment in markdown (headline,
//! then collapsible details), the JSON contract and SARIF for code-scanning annotations.

use crate::money::{md_table, money, row, thousands};
use crate::table::{new_table, render};
use adbflow_databricks::check::FlowVerdict;
use adbflow_databricks::diff::{DiffReport, Effect, FlowChange, FlowChangeKind, FlowState, SideSummary};
use adbflow_databricks::security::Exposure;
use adbflow_model::ElementRef;
use serde_json::{json, Value};
use std::fmt::Write;

fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", money(x))
    } else {
        money(x)
    }
}

fn verdict(v: FlowVerdict) -> &'static str {
    match v {
        FlowVerdict::Delivered => "delivered",
        FlowVerdict::Blocked => "BLOCKED",
        FlowVerdict::BlockedByDesign => "blocked by design",
    }
}

fn flow_name(f: &FlowChange) -> String {
    let mut s = f.id.as_str().to_string();
    if let Some(i) = &f.instance {
        let _ = write!(s, " [{i}]");
    }
    let _ = write!(s, " ({}, {})", f.source_role.as_str(), f.requirement.as_str());
    s
}

fn state(s: &Option<FlowState>) -> String {
    match s {
        None => "(no such flow)".into(),
        Some(s) => {
            let mut out = format!("{} via {}", verdict(s.verdict), s.egress);
            if let Some(e) = &s.decided_by {
                let _ = write!(out, "; decided by {}", e.id);
            }
            out
        }
    }
}

fn where_(e: &ElementRef) -> String {
    match &e.origin {
        Some(o) => format!("{} ({o})", e.id),
        None => e.id.to_string(),
    }
}

fn exposure(e: Option<Exposure>) -> &'static str {
    e.map_or("(absent)", Exposure::as_str)
}

fn open(o: Option<bool>) -> &'static str {
    match o {
        None => "(no probe)",
        Some(true) => "gets out",
        Some(false) => "stopped",
    }
}

fn summary_rows(r: &DiffReport) -> Vec<Vec<String>> {
    let opt = |n: Option<u64>| n.map(thousands).unwrap_or_else(|| "-".into());
    let line = |name: &str, f: &dyn Fn(&SideSummary) -> String| vec![name.to_string(), f(&r.old), f(&r.new)];
    vec![
        line("status", &|s| s.status.to_string()),
        line("flows delivered", &|s| format!("{} of {}", s.counts.delivered, s.counts.flows)),
        line("blocked (required)", &|s| s.counts.blocked_required.to_string()),
        line("blocked (optional)", &|s| s.counts.blocked_optional.to_string()),
        line("monthly total", &|s| money(s.cost.total)),
        line("max nodes", &|s| opt(s.max_nodes)),
    ]
}

fn flow_rows(r: &DiffReport) -> impl Iterator<Item = Vec<String>> + '_ {
    r.flows.iter().map(|f| {
        vec![f.change.as_str().to_string(), flow_name(f), f.aspects.join(", "), state(&f.old), state(&f.new)]
    })
}

fn meter_rows(r: &DiffReport) -> impl Iterator<Item = Vec<String>> + '_ {
    r.cost.meters.iter().map(|m| vec![m.meter.clone(), money(m.old), money(m.new), signed(m.delta)])
}

fn element_rows(r: &DiffReport) -> impl Iterator<Item = Vec<String>> + '_ {
    r.elements.iter().map(|e| {
        let what = match (&e.old_id, e.fields.is_empty()) {
            (Some(old), true) => format!("was {old}"),
            (Some(old), false) => format!("was {old}; {}", e.fields.join(", ")),
            (None, false) => e.fields.join(", "),
            (None, true) => String::new(),
        };
        let at = e.origin.as_ref().map(|o| o.to_string()).unwrap_or_default();
        vec![e.change.as_str().to_string(), e.id.clone(), what, at]
    })
}

fn exposure_rows(r: &DiffReport) -> impl Iterator<Item = Vec<String>> + '_ {
    let entries = r.exposure.iter().map(|e| {
        vec![
            e.effect.as_str().to_string(),
            e.name.clone(),
            exposure(e.old).to_string(),
            exposure(e.new).to_string(),
        ]
    });
    let probes = r.exfiltration.iter().map(|p| {
        let mut n = format!("exfiltration from {} {} to {}", p.workspace, p.source, p.description);
        if let Some(v) = &p.via {
            let _ = write!(n, " via {}", v.id);
        }
        vec![p.effect.as_str().to_string(), n, open(p.old_open).to_string(), open(p.new_open).to_string()]
    });
    entries.chain(probes)
}

fn capacity_line(r: &DiffReport) -> Option<String> {
    let c = r.capacity.as_ref()?;
    let opt = |n: Option<u64>| n.map(thousands).unwrap_or_else(|| "-".into());
    let b = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    Some(format!(
        "max nodes {} -> {}; binds first: {} -> {}",
        opt(c.old_max_nodes),
        opt(c.new_max_nodes),
        b(&c.old_binding),
        b(&c.new_binding)
    ))
}

fn table_of(header: &[&str], rows: impl Iterator<Item = Vec<String>>, right: &[usize]) -> String {
    let mut t = new_table(header);
    for r in rows {
        t.add_row(row(r, right));
    }
    render(&t)
}

pub fn render_diff_table(r: &DiffReport) -> String {
    let mut out = format!("adbflow diff: {} -> {}\n{}\n\n", r.old.label, r.new.label, r.headline);
    out.push_str(&table_of(&["", "old", "new"], summary_rows(r).into_iter(), &[]));
    if !r.flows.is_empty() {
        out.push_str("\nChanged flows\n");
        out.push_str(&table_of(&["change", "flow", "what changed", "old", "new"], flow_rows(r), &[]));
    }
    for f in r.flows.iter().filter(|f| f.change == FlowChangeKind::NewlyBlocked) {
        if let Some(n) = &f.new {
            if let Some(s) = &n.symptom {
                let _ = writeln!(out, "  {}: {s}", f.id.as_str());
            }
            if let Some(x) = &n.fix {
                let _ = writeln!(out, "    fix: {x}");
            }
        }
    }
    let _ = writeln!(out, "\n{} flow(s) unchanged.", r.counts.unchanged);
    if !r.exposure.is_empty() || !r.exfiltration.is_empty() {
        out.push_str("\nExposure\n");
        out.push_str(&table_of(&["", "what", "old", "new"], exposure_rows(r), &[]));
    }
    if let Some(c) = capacity_line(r) {
        let _ = writeln!(out, "\nCapacity: {c}");
    }
    let _ = writeln!(
        out,
        "\nMonthly cost: {} -> {} ({})",
        money(r.cost.old),
        money(r.cost.new),
        signed(r.cost.delta)
    );
    if !r.cost.meters.is_empty() {
        out.push_str(&table_of(&["meter", "old", "new", "delta"], meter_rows(r), &[1, 2, 3]));
    }
    if !r.elements.is_empty() {
        out.push_str("\nChanged elements\n");
        out.push_str(&table_of(&["change", "element", "detail", "defined at"], element_rows(r), &[]));
    }
    out
}

pub fn render_diff_json(r: &DiffReport) -> String {
    crate::to_json(r)
}

fn details(out: &mut String, summary: &str, body: &str) {
    let _ = write!(out, "\n<details><summary>{summary}</summary>\n\n{body}\n</details>\n");
}

/// A pull-request comment: the headline, the side-by-side summary, newly blocked flows with their
/// symptom and fix in the open, everything else collapsed.
pub fn render_diff_markdown(r: &DiffReport) -> String {
    let icon = if r.counts.newly_blocked_required > 0 || r.counts.exposure_grown > 0 { "❌" } else { "✅" };
    let mut out = format!("### {icon} adbflow diff: {}\n\n", r.headline);
    let _ = writeln!(out, "`{}` → `{}`\n", r.old.label, r.new.label);
    out.push_str(&md_table(&["", "old", "new"], summary_rows(r).into_iter()));
    // Startup and workload flows are what a reviewer must see; optional ones wait in the details.
    let blocked: Vec<&FlowChange> = r
        .flows
        .iter()
        .filter(|f| f.change == FlowChangeKind::NewlyBlocked && f.requirement.is_required())
        .collect();
    if !blocked.is_empty() {
        out.push_str("\n**Newly blocked (startup and workload)**\n\n");
        for f in blocked {
            let _ = write!(out, "- `{}` {}", flow_name(f), f.title);
            if let Some(n) = &f.new {
                if let Some(e) = &n.decided_by {
                    let _ = write!(out, " — blocked by `{}`", where_(e));
                }
                if let Some(s) = &n.symptom {
                    let _ = write!(out, "\n  - symptom: {s}");
                }
                if let Some(x) = &n.fix {
                    let _ = write!(out, "\n  - fix: {x}");
                }
            }
            out.push('\n');
        }
    }
    if r.counts.newly_blocked_optional > 0 {
        let _ = writeln!(
            out,
            "\n{} optional flow(s) newly blocked: see the changed flows.",
            r.counts.newly_blocked_optional
        );
    }
    if !r.flows.is_empty() {
        let body = md_table(&["change", "flow", "what changed", "old", "new"], flow_rows(r));
        details(&mut out, &format!("Changed flows ({})", r.flows.len()), &body);
    }
    let _ = writeln!(out, "\n{} flow(s) unchanged.", r.counts.unchanged);
    if !r.exposure.is_empty() || !r.exfiltration.is_empty() {
        let body = md_table(&["", "what", "old", "new"], exposure_rows(r));
        let n = r.exposure.len() + r.exfiltration.len();
        details(&mut out, &format!("Exposure ({n})"), &body);
    }
    if let Some(c) = capacity_line(r) {
        let _ = writeln!(out, "\nCapacity: {c}");
    }
    let mut body =
        format!("Monthly total {} → {} ({})\n\n", money(r.cost.old), money(r.cost.new), signed(r.cost.delta));
    if !r.cost.meters.is_empty() {
        body.push_str(&md_table(&["meter", "old", "new", "delta"], meter_rows(r)));
    }
    details(&mut out, &format!("Monthly cost {}", signed(r.cost.delta)), &body);
    if !r.elements.is_empty() {
        let body = md_table(&["change", "element", "detail", "defined at"], element_rows(r));
        details(&mut out, &format!("Changed elements ({})", r.elements.len()), &body);
    }
    out
}

fn result(rule: &str, level: &str, message: String, element: Option<&ElementRef>, key: String) -> Value {
    let locations: Vec<Value> = element.and_then(crate::sarif::location).into_iter().collect();
    json!({
        "ruleId": rule,
        "level": level,
        "message": { "text": message },
        "locations": locations,
        "partialFingerprints": { "adbflowDiff/v1": format!("{rule}|{key}") }
    })
}

/// SARIF for code scanning: newly blocked flows (errors when required) and grown exposure.
pub fn render_diff_sarif(r: &DiffReport) -> String {
    let mut results = Vec::new();
    for f in r.flows.iter().filter(|f| f.change == FlowChangeKind::NewlyBlocked) {
        let n = f.new.as_ref();
        let mut msg = format!("{} is newly blocked: {}", flow_name(f), f.title);
        if let Some(s) = n.and_then(|n| n.symptom.as_ref()) {
            let _ = write!(msg, ". {s}");
        }
        if let Some(x) = n.and_then(|n| n.fix.as_ref()) {
            let _ = write!(msg, " Fix: {x}");
        }
        let level = if f.requirement.is_required() { "error" } else { "note" };
        let key = format!("{}|{}|{}", f.workspace, flow_name(f), f.source_role.as_str());
        results.push(result("flow-newly-blocked", level, msg, n.and_then(|n| n.decided_by.as_ref()), key));
    }
    for e in r.exposure.iter().filter(|e| e.effect == Effect::Grows) {
        let msg = format!("{} exposure grows: {} -> {}", e.name, exposure(e.old), exposure(e.new));
        results.push(result("exposure-grows", "warning", msg, Some(&e.element), e.element.id.to_string()));
    }
    for p in r.exfiltration.iter().filter(|p| p.effect == Effect::Grows) {
        let msg = format!("nodes in {} {} can now reach {}", p.workspace, p.source, p.description);
        let key = format!("{}|{}|{}", p.workspace, p.source, p.target.as_str());
        results.push(result("exfiltration-opens", "warning", msg, p.via.as_ref(), key));
    }
    let rule = |id: &str, text: &str| json!({ "id": id, "shortDescription": { "text": text } });
    let doc = json!({
        "$schema": crate::sarif::SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "adbflow",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [
                    rule("flow-newly-blocked", "A flow Databricks needs is blocked by this change"),
                    rule("exposure-grows", "An entry point becomes more reachable from the internet"),
                    rule("exfiltration-opens", "Cluster nodes gain a path to destinations nobody chose"),
                ]
            } },
            "automationDetails": { "id": "adbflow/diff/" },
            "results": results
        }]
    });
    crate::to_json(&doc)
}
