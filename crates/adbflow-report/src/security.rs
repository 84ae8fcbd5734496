//! Renderers for `adbflow security`: the seed's Attack Surface and Data Flow Security tables,
//! computed, plus the exfiltration probes and the findings.

use crate::table::{new_table, render};
use adbflow_databricks::findings::Finding;
use adbflow_databricks::security::{EntryPoint, ExfilProbe, FlowProtection, Restriction};
use adbflow_databricks::SecurityReport;
use std::fmt::Write;

pub fn restrictions(r: &[Restriction]) -> String {
    if r.is_empty() {
        return "none".into();
    }
    r.iter().map(|x| x.control.clone()).collect::<Vec<_>>().join("; ")
}

pub fn transport(p: &FlowProtection) -> String {
    p.transport.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

pub fn flow_name(p: &FlowProtection) -> String {
    match &p.instance {
        Some(i) => format!("{} ({i})", p.id),
        None => p.id.to_string(),
    }
}

/// `OPEN` or `stopped`, with the element that carries or stops the probe.
pub fn probe_result(p: &ExfilProbe) -> (String, String) {
    if p.open {
        ("OPEN".into(), p.via.as_ref().map(|v| v.to_string()).unwrap_or_else(|| p.egress.clone()))
    } else {
        let by = p
            .stopped_by
            .as_ref()
            .map(|b| format!("{} — {}", b.reason_code, b.element))
            .unwrap_or_else(|| "-".into());
        ("stopped".into(), by)
    }
}

fn surface_row(e: &EntryPoint) -> Vec<String> {
    let inferred = if e.inferred { " (assumed)" } else { "" };
    vec![
        format!("{}{inferred}", e.name),
        e.kind.as_str().to_string(),
        e.address.clone(),
        e.exposure.as_str().to_string(),
        restrictions(&e.restrictions),
        e.authentication.clone(),
    ]
}

fn probe_row(p: &ExfilProbe) -> Vec<String> {
    let (result, by) = probe_result(p);
    vec![p.workspace.clone(), p.subnet.clone(), p.description.clone(), result, p.egress.clone(), by]
}

fn flow_row(p: &FlowProtection) -> Vec<String> {
    let inferred = if p.inferred { " *" } else { "" };
    vec![
        flow_name(p),
        p.from.clone(),
        p.destination.clone(),
        transport(p),
        format!("{}{inferred}", p.encryption),
        p.authentication.to_string(),
        p.authorization.to_string(),
    ]
}

pub const SURFACE_HEADER: [&str; 6] =
    ["Entry point", "Kind", "Address", "Exposure", "Restricted by", "Authentication"];
pub const PROBE_HEADER: [&str; 6] =
    ["Workspace", "From", "Destination", "Result", "Egress", "Through / stopped by"];
pub const FLOW_HEADER: [&str; 7] =
    ["Flow", "From", "Destination", "Transport", "Encryption", "Authentication", "Authorization"];

pub fn finding_line(f: &Finding) -> String {
    let mut s = format!("{:<7} {}", f.severity.as_str(), f.code);
    if let Some(w) = &f.workspace {
        let _ = write!(s, " [{w}]");
    }
    let _ = write!(s, ": {}", f.message);
    if let Some(e) = &f.element {
        let _ = write!(s, " — {e}");
    }
    if f.inferred {
        s.push_str(" (inferred)");
    }
    s
}

pub fn render_table(r: &SecurityReport) -> String {
    let mut out = String::new();
    let _ =
        writeln!(out, "adbflow security{}", r.name.as_ref().map(|n| format!(" — {n}")).unwrap_or_default());
    let mut t = new_table(&SURFACE_HEADER);
    for e in &r.attack_surface {
        t.add_row(surface_row(e));
    }
    let _ = write!(out, "\nAttack surface\n{}", render(&t));
    let mut t = new_table(&PROBE_HEADER);
    for p in &r.exfiltration {
        t.add_row(probe_row(p));
    }
    let _ = write!(out, "\nExfiltration paths (probes to destinations nobody allowed)\n{}", render(&t));
    let mut t = new_table(&FLOW_HEADER);
    for p in &r.data_flows {
        t.add_row(flow_row(p));
    }
    let _ = write!(out, "\nData flow security\n{}", render(&t));
    if r.data_flows.iter().any(|p| p.inferred) {
        out.push_str("* adbflow's reading: not stated in the seed's table\n");
    }
    if !r.findings.is_empty() {
        out.push_str("\nFindings\n");
        for f in &r.findings {
            let _ = writeln!(out, "  {}", finding_line(f));
        }
    }
    let open = r.open_paths().count();
    let _ = writeln!(
        out,
        "\n{} entry points ({} open to the internet); {} of {} exfiltration probes get out",
        r.attack_surface.len(),
        r.attack_surface
            .iter()
            .filter(|e| e.exposure == adbflow_databricks::security::Exposure::Open)
            .count(),
        open,
        r.exfiltration.len()
    );
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn md_table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = format!(
        "| {} |\n|{}|\n",
        header.join(" | "),
        header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| md_cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out
}

pub fn render_markdown(r: &SecurityReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# adbflow security{}\n",
        r.name.as_ref().map(|n| format!(" — {n}")).unwrap_or_default()
    );
    let _ = writeln!(out, "## Attack surface\n");
    out.push_str(&md_table(&SURFACE_HEADER, r.attack_surface.iter().map(surface_row).collect()));
    let _ = writeln!(out, "\n## Exfiltration paths\n");
    out.push_str(&md_table(&PROBE_HEADER, r.exfiltration.iter().map(probe_row).collect()));
    let _ = writeln!(out, "\n## Data flow security\n");
    out.push_str(&md_table(&FLOW_HEADER, r.data_flows.iter().map(flow_row).collect()));
    if !r.findings.is_empty() {
        let _ = writeln!(out, "\n## Findings\n");
        for f in &r.findings {
            let _ = writeln!(out, "- {}", md_cell(&finding_line(f)));
        }
    }
    out
}
