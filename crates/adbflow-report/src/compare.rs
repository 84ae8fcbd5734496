//! Renderers for `adbflow compare`: one column per input — summary, cost by meter, capacity — and
//! the flows whose path or verdict differs between them.

use crate::money::{md_table, money, row, thousands};
use crate::table::{new_table, render};
use adbflow_databricks::check::FlowVerdict;
use adbflow_databricks::compare::{CompareReport, FlowCell};
use adbflow_databricks::cost::CostKind;
use std::fmt::Write;

fn header(r: &CompareReport, first: &str) -> Vec<String> {
    let mut h = vec![first.to_string()];
    h.extend(r.inputs.iter().map(|i| i.label.clone()));
    h
}

fn summary_rows(r: &CompareReport) -> Vec<Vec<String>> {
    let opt = |n: Option<u64>| n.map(thousands).unwrap_or_else(|| "-".into());
    let line = |name: &str, f: &dyn Fn(&adbflow_databricks::compare::InputSummary) -> String| {
        let mut v = vec![name.to_string()];
        v.extend(r.inputs.iter().map(f));
        v
    };
    vec![
        line("status", &|i| i.status.to_string()),
        line("flows delivered", &|i| format!("{} of {}", i.counts.delivered, i.counts.flows)),
        line("blocked (required)", &|i| i.counts.blocked_required.to_string()),
        line("blocked (optional)", &|i| i.counts.blocked_optional.to_string()),
        line("blocked (by design)", &|i| i.counts.blocked_by_design.to_string()),
        line("monthly total", &|i| money(i.cost.total)),
        line("  fixed (hourly)", &|i| money(i.cost.fixed)),
        line("  variable (per GB)", &|i| money(i.cost.variable)),
        line("max nodes", &|i| opt(i.max_nodes)),
        line("nodes at full bandwidth", &|i| opt(i.full_speed_nodes)),
        line("binds first", &|i| i.binding.clone().unwrap_or_else(|| "-".into())),
    ]
}

fn meter_rows(r: &CompareReport) -> Vec<Vec<String>> {
    r.meters
        .iter()
        .map(|m| {
            let kind = if m.kind == CostKind::Fixed { "fixed" } else { "variable" };
            let mut v = vec![format!("{} ({kind})", m.meter)];
            v.extend(m.costs.iter().map(|c| money(*c)));
            v
        })
        .collect()
}

fn cell(c: &Option<FlowCell>) -> String {
    match c {
        None => "(no such flow)".into(),
        Some(c) => {
            let v = match c.verdict {
                FlowVerdict::Delivered => String::new(),
                FlowVerdict::Blocked => " BLOCKED".into(),
                FlowVerdict::BlockedByDesign => " blocked by design".into(),
            };
            let meters =
                if c.meters.is_empty() { String::new() } else { format!(" [{}]", c.meters.join(", ")) };
            format!("{}{v}{meters}", c.egress)
        }
    }
}

/// One row per flow, the host and container rows merged when every input treats them alike.
fn flow_rows(r: &CompareReport) -> Vec<Vec<String>> {
    let mut rows: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for d in &r.flow_differences {
        let mut name = d.id.to_string();
        if let Some(i) = &d.instance {
            name.push_str(&format!(" ({i})"));
        }
        let cells: Vec<String> = d.cells.iter().map(cell).collect();
        match rows.last_mut() {
            Some((n, roles, c)) if *n == name && *c == cells => {
                roles.push(d.source_role.as_str().to_string())
            }
            _ => rows.push((name, vec![d.source_role.as_str().to_string()], cells)),
        }
    }
    rows.into_iter()
        .map(|(name, roles, cells)| {
            let mut v = vec![format!("{name} from {}", roles.join(", "))];
            v.extend(cells);
            v
        })
        .collect()
}

pub fn render_compare_table(r: &CompareReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Comparison of {} deployments — workload profile {}", r.inputs.len(), r.profile);
    out.push('\n');
    let mut t = new_table(&header(r, "").iter().map(String::as_str).collect::<Vec<_>>());
    for v in summary_rows(r) {
        t.add_row(row(v, &[]));
    }
    out.push_str(&render(&t));
    out.push('\n');
    let _ = writeln!(out, "Monthly cost by meter");
    let mut t = new_table(&header(r, "meter").iter().map(String::as_str).collect::<Vec<_>>());
    let money_cols: Vec<usize> = (1..=r.inputs.len()).collect();
    for v in meter_rows(r) {
        t.add_row(row(v, &money_cols));
    }
    out.push_str(&render(&t));
    out.push('\n');
    if r.flow_differences.is_empty() {
        let _ = writeln!(out, "Every flow takes the same path with the same verdict in all inputs.");
    } else {
        let _ = writeln!(out, "Flows whose path or verdict differs (egress, verdict, [meters crossed])");
        let mut t = new_table(&header(r, "flow").iter().map(String::as_str).collect::<Vec<_>>());
        for v in flow_rows(r) {
            t.add_row(row(v, &[]));
        }
        out.push_str(&render(&t));
    }
    if !r.notes.is_empty() {
        out.push('\n');
        for n in &r.notes {
            let _ = writeln!(out, "- {} {}: {}", n.severity.as_str(), n.code, n.message);
        }
    }
    out
}

pub fn render_compare_json(r: &CompareReport) -> String {
    crate::to_json(r)
}

pub fn render_compare_markdown(r: &CompareReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Comparison of {} deployments\n", r.inputs.len());
    let _ = writeln!(out, "Workload profile: {}\n", r.profile);
    let h = header(r, "");
    let hs: Vec<&str> = h.iter().map(String::as_str).collect();
    out.push_str(&md_table(&hs, summary_rows(r).into_iter()));
    let _ = writeln!(out, "\n## Monthly cost by meter\n");
    let h = header(r, "Meter");
    let hs: Vec<&str> = h.iter().map(String::as_str).collect();
    out.push_str(&md_table(&hs, meter_rows(r).into_iter()));
    let _ = writeln!(out, "\n## Flows whose path or verdict differs\n");
    if r.flow_differences.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        let h = header(r, "Flow");
        let hs: Vec<&str> = h.iter().map(String::as_str).collect();
        out.push_str(&md_table(&hs, flow_rows(r).into_iter()));
    }
    if !r.notes.is_empty() {
        out.push('\n');
        for n in &r.notes {
            let _ = writeln!(out, "- {} {}: {}", n.severity.as_str(), n.code, n.message);
        }
    }
    out
}
