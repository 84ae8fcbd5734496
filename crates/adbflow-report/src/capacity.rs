//! Renderers for `adbflow capacity`: per workspace the subnets, every limit with the node count it
//! allows (the binding one first), startup transfer times through throughput limits, warnings,
//! per-flow latency and bandwidth estimates, and the sources of every figure.

use crate::money::{md_table, qty, row, thousands};
use crate::table::{new_table, render};
use adbflow_databricks::capacity::{CapacityReport, FlowEstimate, LimitCheck, LimitKind, WorkspaceCapacity};
use adbflow_databricks::findings::Finding;
use std::fmt::Write;

fn nodes(n: Option<u64>) -> String {
    n.map(thousands).unwrap_or_else(|| "-".into())
}

fn kind(c: &LimitCheck) -> &'static str {
    match c.kind {
        LimitKind::Hard => "hard",
        LimitKind::Throughput => "throughput",
    }
}

fn status(c: &LimitCheck) -> &'static str {
    match (c.exceeded, c.kind) {
        (false, _) => "ok",
        (true, LimitKind::Hard) => "EXCEEDED",
        (true, LimitKind::Throughput) => "slows",
    }
}

fn limit_name(c: &LimitCheck) -> String {
    if c.inferred {
        format!("{} *", c.id)
    } else {
        c.id.to_string()
    }
}

fn headline(w: &WorkspaceCapacity) -> String {
    format!(
        "Workspace {} ({}): at most {} nodes at once; {} at full bandwidth; binds first: {}",
        w.workspace,
        w.region,
        nodes(w.max_nodes),
        nodes(w.full_speed_nodes),
        w.binding.as_deref().unwrap_or("-")
    )
}

fn requested(w: &WorkspaceCapacity) -> String {
    format!("Requested: {} nodes of {} ({})", w.requested_nodes, w.node_type, w.requested_basis)
}

fn finding(f: &Finding) -> String {
    format!("{} {}: {}", f.severity.as_str(), f.code, f.message)
}

fn limit_row(c: &LimitCheck) -> Vec<String> {
    vec![
        limit_name(c),
        c.element.name.to_string(),
        kind(c).into(),
        format!("{} {}", qty(c.capacity), c.unit),
        qty(c.per_node),
        qty(c.demand),
        nodes(c.max_nodes),
        status(c).into(),
    ]
}

fn startup_rows(w: &WorkspaceCapacity) -> Vec<Vec<String>> {
    w.limits
        .iter()
        .filter_map(|c| {
            c.startup.as_ref().map(|s| {
                vec![
                    c.id.to_string(),
                    c.element.name.to_string(),
                    s.nodes.to_string(),
                    qty(s.gb_per_node),
                    format!("{:.1} s", s.seconds),
                    format!("{:.1} s", s.seconds_at_node_speed),
                ]
            })
        })
        .collect()
}

/// One row per flow, its host and container rows merged when their estimates match.
fn flow_rows(flows: &[FlowEstimate]) -> Vec<Vec<String>> {
    let several = flows.iter().any(|f| f.workspace != flows[0].workspace);
    let mut rows: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for f in flows {
        let mut name = f.id.to_string();
        if let Some(i) = &f.instance {
            name.push_str(&format!(" ({i})"));
        }
        if several {
            name = format!("{}: {name}", f.workspace);
        }
        let p = &f.performance;
        let cells = vec![
            f.egress.clone(),
            format!("{}–{} ms", qty(p.latency_ms[0]), qty(p.latency_ms[1])),
            p.connection_gbps.map(|g| format!("{} Gbps", qty(g))).unwrap_or_else(|| "-".into()),
            p.limited_by.clone().unwrap_or_else(|| "-".into()),
        ];
        match rows.last_mut() {
            Some((n, roles, c)) if *n == name && *c == cells => {
                roles.push(f.source_role.as_str().to_string())
            }
            _ => rows.push((name, vec![f.source_role.as_str().to_string()], cells)),
        }
    }
    rows.into_iter()
        .map(|(name, roles, cells)| {
            let mut v = vec![name, roles.join(", ")];
            v.extend(cells);
            v
        })
        .collect()
}

const LIMIT_HEADER: [&str; 8] =
    ["limit", "element", "kind", "capacity", "per node", "requested", "max nodes", "status"];
const STARTUP_HEADER: [&str; 6] = ["limit", "element", "nodes", "GB per node", "through it", "at node speed"];
const FLOW_HEADER: [&str; 6] = ["flow", "from", "path", "latency", "per connection", "limited by"];

fn sources(r: &CapacityReport) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let limit_rows = r.workspaces.iter().flat_map(|w| w.limits.iter()).flat_map(|c| c.sources.iter());
    for s in limit_rows.chain(r.estimate_sources.iter()) {
        let sku = s.sku.as_deref().map(|k| format!(" ({k})")).unwrap_or_default();
        let mark = if s.inferred || s.unverified { " *" } else { "" };
        let value = match s.max {
            Some(m) => format!("{}–{}", qty(s.value), qty(m)),
            None => qty(s.value),
        };
        let line = format!("{}{sku} = {value} {}{mark}: {}, {}", s.limit, s.unit, s.source, s.as_of);
        if !seen.contains(&line) {
            seen.push(line);
        }
    }
    seen
}

pub fn render_capacity_table(r: &CapacityReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Capacity — {}", r.name.as_deref().unwrap_or("(unnamed deployment)"));
    let _ = writeln!(out, "Workload: profile {} — {}", r.profile.name, r.profile.summary);
    let _ = writeln!(out, "Limits: {} (as of {})", r.limits_table.name, r.limits_table.as_of);
    for w in &r.workspaces {
        out.push('\n');
        let _ = writeln!(out, "{}", headline(w));
        let _ = writeln!(out, "{}", requested(w));
        let mut t = new_table(&["subnet", "role", "prefix", "addresses", "reserved", "usable"]);
        for s in &w.subnets {
            t.add_row(row(
                vec![
                    s.subnet.clone(),
                    s.role.as_str().into(),
                    s.prefix.clone(),
                    thousands(s.addresses),
                    s.reserved.to_string(),
                    thousands(s.usable),
                ],
                &[3, 4, 5],
            ));
        }
        out.push_str(&render(&t));
        let mut t = new_table(&LIMIT_HEADER);
        for c in &w.limits {
            t.add_row(row(limit_row(c), &[3, 4, 5, 6]));
        }
        out.push_str(&render(&t));
        let startup = startup_rows(w);
        if !startup.is_empty() {
            let _ = writeln!(out, "One cluster start's downloads through throughput-limited devices:");
            let mut t = new_table(&STARTUP_HEADER);
            for s in startup {
                t.add_row(row(s, &[2, 3, 4, 5]));
            }
            out.push_str(&render(&t));
        }
        let _ = writeln!(out, "Why:");
        for c in &w.limits {
            let _ = writeln!(out, "- {} ({}): {}", c.id, c.element.name, c.explanation);
        }
        for f in &w.warnings {
            let _ = writeln!(out, "- {}", finding(f));
        }
    }
    if !r.flows.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Per-flow estimates (typical round trip; most one connection carries):");
        let mut t = new_table(&FLOW_HEADER);
        for v in flow_rows(&r.flows) {
            t.add_row(row(v, &[3, 4]));
        }
        out.push_str(&render(&t));
    }
    if !r.notes.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Notes");
        for n in &r.notes {
            let _ = writeln!(out, "- {}", finding(n));
        }
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "Sources (* = assumed, derived or a single weak source; latency figures are all estimates)"
    );
    for s in sources(r) {
        let _ = writeln!(out, "- {s}");
    }
    out
}

pub fn render_capacity_json(r: &CapacityReport) -> String {
    crate::to_json(r)
}

pub fn render_capacity_markdown(r: &CapacityReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Capacity — {}\n", r.name.as_deref().unwrap_or("(unnamed deployment)"));
    let _ = writeln!(out, "- Workload: profile {} — {}", r.profile.name, r.profile.summary);
    let _ = writeln!(out, "- Limits: {} (as of {})", r.limits_table.name, r.limits_table.as_of);
    for w in &r.workspaces {
        let _ = writeln!(out, "\n## {}\n", headline(w));
        let _ = writeln!(out, "{}\n", requested(w));
        out.push_str(&md_table(
            &["Subnet", "Role", "Prefix", "Addresses", "Reserved", "Usable"],
            w.subnets.iter().map(|s| {
                vec![
                    s.subnet.clone(),
                    s.role.as_str().into(),
                    s.prefix.clone(),
                    thousands(s.addresses),
                    s.reserved.to_string(),
                    thousands(s.usable),
                ]
            }),
        ));
        out.push('\n');
        out.push_str(&md_table(&LIMIT_HEADER, w.limits.iter().map(limit_row)));
        let startup = startup_rows(w);
        if !startup.is_empty() {
            out.push('\n');
            out.push_str(&md_table(&STARTUP_HEADER, startup.into_iter()));
        }
        if !w.warnings.is_empty() {
            out.push('\n');
            for f in &w.warnings {
                let _ = writeln!(out, "- {}", finding(f));
            }
        }
    }
    if !r.flows.is_empty() {
        let _ = writeln!(out, "\n## Per-flow estimates\n");
        out.push_str(&md_table(&FLOW_HEADER, flow_rows(&r.flows).into_iter()));
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for n in &r.notes {
            let _ = writeln!(out, "- {}", finding(n));
        }
    }
    let _ = writeln!(out, "\n## Sources\n");
    for s in sources(r) {
        let _ = writeln!(out, "- {s}");
    }
    out
}
