//! The report's "Cost by meter" section: a bar chart drawn as inline SVG (no script, no fonts to
//! fetch) and the table behind it, with the price table and profile it rests on.

use super::{esc, Section};
use crate::money::{money, price, qty};
use adbflow_databricks::cost::CostReport;
use std::fmt::Write;

const BAR_WIDTH: f64 = 420.0;
const ROW_HEIGHT: f64 = 22.0;
const LABEL_WIDTH: f64 = 300.0;

/// The chart: one bar per meter that costs something, longest first, scaled to the largest.
fn chart(report: &CostReport) -> String {
    let mut rows: Vec<_> = report.meters.iter().filter(|m| m.cost > 0.0).collect();
    rows.sort_by(|a, b| b.cost.total_cmp(&a.cost).then_with(|| a.meter.cmp(&b.meter)));
    if rows.is_empty() {
        return "<p>No meter costs anything for this workload.</p>".into();
    }
    let max = rows[0].cost;
    let height = ROW_HEIGHT * rows.len() as f64 + 8.0;
    let width = LABEL_WIDTH + BAR_WIDTH + 110.0;
    let mut svg = format!(
        "<svg class=\"cost-chart\" role=\"img\" aria-label=\"monthly cost by meter\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">"
    );
    for (i, m) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW_HEIGHT;
        let w = (m.cost / max * BAR_WIDTH).max(1.0);
        let label = match &m.sku {
            Some(s) => format!("{} ({s})", m.meter),
            None => m.meter.clone(),
        };
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"12\">{label}</text>\
             <rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bh}\" fill=\"#2f6fb0\"><title>{label}: {cost}</title></rect>\
             <text x=\"{vx:.1}\" y=\"{ty}\" font-size=\"12\">{cost}</text>",
            lx = LABEL_WIDTH - 8.0,
            ty = y + 14.0,
            bh = ROW_HEIGHT - 6.0,
            vx = LABEL_WIDTH + w + 6.0,
            label = esc(&label),
            cost = esc(&money(m.cost)),
        );
    }
    svg.push_str("</svg>");
    svg
}

pub fn section(report: &CostReport) -> Section {
    let mut html = String::new();
    let _ = write!(
        html,
        "<p>Monthly network cost computed from the paths above: every delivered flow's bytes (workload profile <b>{}</b>) \
         times the meters its path crosses, plus the hourly resources of the deployment. Total <b>{}</b> \
         (fixed {}, variable {}).</p>",
        esc(&report.profile.name),
        esc(&money(report.totals.total)),
        esc(&money(report.totals.fixed)),
        esc(&money(report.totals.variable)),
    );
    html.push_str(&chart(report));
    html.push_str("<table><thead><tr><th>Meter</th><th>Kind</th><th>Priced for</th><th>Quantity</th><th>Price</th><th>Monthly</th></tr></thead><tbody>");
    for m in &report.meters {
        let unit_price = if m.quantity > 0.0 { m.cost / m.quantity } else { 0.0 };
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
            esc(&match &m.sku {
                Some(s) => format!("{} ({s})", m.meter),
                None => m.meter.clone(),
            }),
            esc(&format!("{:?}", m.kind).to_ascii_lowercase()),
            esc(&m.region),
            esc(&qty(m.quantity)),
            esc(m.unit.as_str()),
            esc(&price(unit_price)),
            esc(&money(m.cost)),
        );
    }
    let _ = write!(
        html,
        "<tr><th colspan=\"5\">total</th><th>{}</th></tr></tbody></table>",
        esc(&money(report.totals.total))
    );
    let tables: Vec<String> =
        report.prices.tables.iter().map(|t| format!("{} (as of {})", t.name, t.as_of)).collect();
    let _ = write!(html, "<p class=\"note\">Prices: {}.</p>", esc(&tables.join("; ")));
    Section { id: "cost".into(), title: "Cost by meter".into(), html }
}
