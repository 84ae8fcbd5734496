//! The report's "Capacity" section: per workspace, the subnets' usable addresses, every limit a
//! growing cluster meets (smallest maximum first, the binding one marked) and the capacity warnings.

use super::{esc, Section};
use crate::money::{qty, thousands};
use adbflow_databricks::capacity::{CapacityReport, LimitKind};
use std::fmt::Write;

pub fn section(report: &CapacityReport) -> Section {
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<p>Limits from <code>{}</code> (as of {}); requested size from the workload profile <code>{}</code>.</p>",
        esc(&report.limits_table.name),
        esc(&report.limits_table.as_of),
        esc(&report.profile.name),
    );
    for w in &report.workspaces {
        let _ = writeln!(html, "<h3>{} ({})</h3>", esc(&w.workspace), esc(&w.region));
        let max = w.max_nodes.map_or("no hard limit".to_string(), thousands);
        let binding = w.binding.as_deref().unwrap_or("none");
        let _ = writeln!(
            html,
            "<p class=\"capacity-headline\">At most <strong>{}</strong> nodes at once; the limit reached first: <code>{}</code>. Requested: {} {} nodes ({}).</p>",
            esc(&max),
            esc(binding),
            thousands(w.requested_nodes),
            esc(&w.node_type),
            esc(&w.requested_basis),
        );
        html.push_str("<table class=\"capacity-subnets\">\n<tr><th>role</th><th>subnet</th><th>prefix</th><th>addresses</th><th>reserved</th><th>usable</th></tr>\n");
        for s in &w.subnets {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                s.role.as_str(),
                esc(&s.subnet),
                esc(&s.prefix),
                thousands(s.addresses),
                s.reserved,
                thousands(s.usable),
            );
        }
        html.push_str("</table>\n<table class=\"capacity-limits\">\n<tr><th>limit</th><th>kind</th><th>element</th><th>capacity</th><th>per node</th><th>max nodes</th><th>exceeded</th></tr>\n");
        for l in &w.limits {
            let mark = if w.binding.as_deref() == Some(l.id) { " class=\"binding\"" } else { "" };
            let kind = match l.kind {
                LimitKind::Hard => "hard",
                LimitKind::Throughput => "throughput",
            };
            let _ = writeln!(
                html,
                "<tr{mark}><td title=\"{}\">{}</td><td>{kind}</td><td>{}</td><td class=\"num\">{} {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&l.explanation),
                l.id,
                esc(&l.element.name),
                qty(l.capacity),
                esc(&l.unit),
                qty(l.per_node),
                l.max_nodes.map_or("—".to_string(), thousands),
                if l.exceeded { "yes" } else { "no" },
            );
        }
        html.push_str("</table>\n");
        if !w.warnings.is_empty() {
            html.push_str("<ul class=\"capacity-warnings\">\n");
            for f in &w.warnings {
                let _ = writeln!(html, "<li>{}</li>", esc(&f.message));
            }
            html.push_str("</ul>\n");
        }
    }
    Section { id: "capacity".into(), title: "Capacity".into(), html }
}
