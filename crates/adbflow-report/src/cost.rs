//! Renderers for `adbflow cost`: the monthly bill by meter (fixed and variable), by flow, the
//! hourly resources, totals, notes and the price tables used. Output depends only on the report.

use crate::money::{md_table, money, price, qty, row};
use crate::table::{new_table, render};
use adbflow_databricks::cost::{CostKind, CostReport, FlowStatus, MeterCost};
use adbflow_databricks::findings::Finding;
use adbflow_databricks::prices::PriceRow;
use adbflow_databricks::FlowId;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One flow of one workspace, its sources added together.
struct FlowLine {
    workspace: String,
    id: FlowId,
    instance: Option<String>,
    egress: Vec<String>,
    up: f64,
    down: f64,
    meters: Vec<String>,
    cost: f64,
    basis: String,
}

fn flow_lines(r: &CostReport) -> Vec<FlowLine> {
    let mut by: BTreeMap<(String, FlowId, Option<String>), FlowLine> = BTreeMap::new();
    for f in r.flows.iter().filter(|f| f.status == FlowStatus::Priced && f.up_gb + f.down_gb > 0.0) {
        let line = by.entry((f.workspace.clone(), f.id, f.instance.clone())).or_insert_with(|| FlowLine {
            workspace: f.workspace.clone(),
            id: f.id,
            instance: f.instance.clone(),
            egress: Vec::new(),
            up: 0.0,
            down: 0.0,
            meters: Vec::new(),
            cost: 0.0,
            basis: f.volume_basis.clone(),
        });
        if !line.egress.contains(&f.egress) {
            line.egress.push(f.egress.clone());
        }
        line.up += f.up_gb;
        line.down += f.down_gb;
        line.cost += f.cost;
        for c in &f.charges {
            // The by-meter table has the full names; here the bytes each meter counts matter most.
            let short = c.meter.strip_suffix("-data-processed").unwrap_or(&c.meter);
            let label = format!("{short} ({})", c.bytes.as_str());
            if !line.meters.contains(&label) {
                line.meters.push(label);
            }
        }
    }
    by.into_values().collect()
}

fn flow_name(l: &FlowLine, several_workspaces: bool) -> String {
    let mut s = l.id.to_string();
    if let Some(i) = &l.instance {
        s.push_str(&format!(" ({i})"));
    }
    if several_workspaces {
        s = format!("{}: {s}", l.workspace);
    }
    s
}

fn meter_quantity(m: &MeterCost) -> String {
    format!("{} {}", qty(m.quantity), if m.kind == CostKind::Fixed { "h" } else { "GB" })
}

/// The price rows whose bands the quantity reached (the first band when it is zero).
fn used_rows(m: &MeterCost) -> Vec<&PriceRow> {
    let used: Vec<&PriceRow> = m
        .prices
        .iter()
        .filter(|p| m.bands.iter().any(|b| b.from_gb == p.from_gb && b.quantity > 0.0))
        .collect();
    if used.is_empty() {
        m.prices.iter().take(1).collect()
    } else {
        used
    }
}

fn meter_price(m: &MeterCost) -> String {
    let rows = used_rows(m);
    let mut s = rows.iter().map(|p| price(p.price)).collect::<Vec<_>>().join(" / ");
    if rows.iter().any(|p| p.unverified || p.inferred) {
        s.push_str(" *");
    }
    s
}

fn meter_label(m: &MeterCost) -> String {
    match &m.sku {
        Some(s) => format!("{} ({s})", m.meter),
        None => m.meter.clone(),
    }
}

fn meter_sources(m: &MeterCost) -> String {
    let mut v: Vec<String> = Vec::new();
    for p in used_rows(m) {
        let s = format!("{} [{}], {}", p.source, p.table, p.as_of);
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v.join("; ")
}

fn header(r: &CostReport) -> Vec<String> {
    let tables: Vec<String> =
        r.prices.tables.iter().map(|t| format!("{} ({}, as of {})", t.name, t.file, t.as_of)).collect();
    let mut profile = format!("profile {} — {}", r.profile.name, r.profile.summary);
    if !r.profile.adjusted_by.is_empty() {
        profile.push_str(&format!("; adjusted by {}", r.profile.adjusted_by.join(", ")));
    }
    vec![
        format!("Monthly network cost — {}", r.name.as_deref().unwrap_or("(unnamed deployment)")),
        format!("Workload: {profile}"),
        format!(
            "Prices: {} {}; {} hours a month",
            r.prices.currency,
            tables.join(" + "),
            r.prices.hours_per_month
        ),
    ]
}

fn note_line(n: &Finding) -> String {
    let ws = n.workspace.as_deref().map(|w| format!("[{w}] ")).unwrap_or_default();
    format!("{} {}: {ws}{}", n.severity.as_str(), n.code, n.message)
}

pub fn render_cost_table(r: &CostReport) -> String {
    let mut out = String::new();
    for l in header(r) {
        let _ = writeln!(out, "{l}");
    }
    out.push('\n');
    let several = r.flows.iter().any(|f| f.workspace != r.flows[0].workspace);

    let _ = writeln!(out, "By meter");
    let mut t = new_table(&["meter", "kind", "priced for", "quantity", "price", "monthly"]);
    for m in &r.meters {
        let kind = match m.kind {
            CostKind::Fixed => "fixed",
            CostKind::Variable => "variable",
        };
        t.add_row(row(
            vec![
                meter_label(m),
                kind.into(),
                m.region.clone(),
                meter_quantity(m),
                meter_price(m),
                money(m.cost),
            ],
            &[3, 4, 5],
        ));
    }
    t.add_row(row(
        vec![
            "total".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            money(r.totals.total),
        ],
        &[5],
    ));
    out.push_str(&render(&t));
    if r.meters.iter().any(|m| used_rows(m).iter().any(|p| p.unverified || p.inferred)) {
        let _ = writeln!(
            out,
            "* a price from a single weak source or derived by adbflow; check it before relying on it"
        );
    }

    out.push('\n');
    let _ = writeln!(out, "By flow (monthly GB of all sources; meters with the bytes they count)");
    let mut t = new_table(&["flow", "path", "GB up", "GB down", "meters", "monthly"]);
    for l in flow_lines(r) {
        t.add_row(row(
            vec![
                flow_name(&l, several),
                l.egress.join(", "),
                qty(l.up),
                qty(l.down),
                if l.meters.is_empty() { "-".into() } else { l.meters.join(", ") },
                money(l.cost),
            ],
            &[2, 3, 5],
        ));
    }
    out.push_str(&render(&t));

    if !r.fixed.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Hourly resources");
        let mut t = new_table(&["resource", "meter", "hours", "price", "monthly"]);
        for f in &r.fixed {
            let hours =
                if f.units == 1.0 { qty(f.hours) } else { format!("{} × {}", qty(f.units), qty(f.hours)) };
            t.add_row(row(
                vec![f.detail.clone(), f.meter.clone(), hours, price(f.price), money(f.cost)],
                &[2, 3, 4],
            ));
        }
        out.push_str(&render(&t));
    }

    out.push('\n');
    let _ = writeln!(
        out,
        "Total: {} fixed + {} variable = {} a month",
        money(r.totals.fixed),
        money(r.totals.variable),
        money(r.totals.total)
    );
    if !r.notes.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Notes");
        for n in &r.notes {
            let _ = writeln!(out, "- {}", note_line(n));
        }
    }
    out.push('\n');
    let _ = writeln!(out, "Price sources");
    for m in &r.meters {
        let _ = writeln!(out, "- {}: {}", meter_label(m), meter_sources(m));
    }
    out
}

pub fn render_cost_json(r: &CostReport) -> String {
    crate::to_json(r)
}

pub fn render_cost_markdown(r: &CostReport) -> String {
    let mut out = String::new();
    let h = header(r);
    let _ = writeln!(out, "# {}\n", h[0]);
    for l in &h[1..] {
        let _ = writeln!(out, "- {l}");
    }
    let _ = writeln!(
        out,
        "\n**Total: {} a month** ({} fixed + {} variable)\n",
        money(r.totals.total),
        money(r.totals.fixed),
        money(r.totals.variable)
    );
    let _ = writeln!(out, "## By meter\n");
    out.push_str(&md_table(
        &["Meter", "Kind", "Priced for", "Quantity", "Price", "Monthly", "Source"],
        r.meters.iter().map(|m| {
            vec![
                meter_label(m),
                format!("{:?}", m.kind).to_lowercase(),
                m.region.clone(),
                meter_quantity(m),
                meter_price(m),
                money(m.cost),
                meter_sources(m),
            ]
        }),
    ));
    let several = r.flows.iter().any(|f| f.workspace != r.flows[0].workspace);
    let _ = writeln!(out, "\n## By flow\n");
    out.push_str(&md_table(
        &["Flow", "Path", "GB up", "GB down", "Meters", "Monthly", "Volume basis"],
        flow_lines(r).into_iter().map(|l| {
            vec![
                flow_name(&l, several),
                l.egress.join(", "),
                qty(l.up),
                qty(l.down),
                if l.meters.is_empty() { "-".into() } else { l.meters.join(", ") },
                money(l.cost),
                l.basis.clone(),
            ]
        }),
    ));
    if !r.fixed.is_empty() {
        let _ = writeln!(out, "\n## Hourly resources\n");
        out.push_str(&md_table(
            &["Resource", "Meter", "Hours", "Price", "Monthly"],
            r.fixed.iter().map(|f| {
                vec![f.detail.clone(), f.meter.clone(), qty(f.hours * f.units), price(f.price), money(f.cost)]
            }),
        ));
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for n in &r.notes {
            let _ = writeln!(out, "- {}", note_line(n));
        }
    }
    out
}
