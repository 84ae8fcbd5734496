//! Renderers for `adbflow diagnose`: the ranked causes found in the deployment (flow, deciding element
//! with its origin, fix, and why it ranks where it does), other failures, notes, and the generic causes
//! with their sources. Text and markdown share one outline so they never disagree.

use adbflow_databricks::diagnose::{Cause, DiagnoseReport, GenericCause, QueryKind};
use std::fmt::Write;

/// A heading with items; each item a first line and detail lines.
struct Section {
    title: String,
    items: Vec<(String, Vec<String>)>,
}

fn inferred(flag: bool) -> &'static str {
    if flag {
        " (inferred)"
    } else {
        ""
    }
}

fn cause_item(c: &Cause) -> (String, Vec<String>) {
    let ws = c.workspace.as_deref().map(|w| format!("{w} ")).unwrap_or_default();
    let head = match &c.flow {
        Some(f) => {
            let what = match &f.instance {
                Some(i) => format!("{} ({i})", f.id),
                None => f.id.to_string(),
            };
            format!(
                "{}. {ws}{what} — {} [{}, phase {}]",
                c.rank,
                f.title,
                f.requirement.as_str(),
                f.phase.id()
            )
        }
        None => format!("{}. {ws}{} [{}]", c.rank, c.reason_code, c.impact.as_str()),
    };
    let mut d = Vec::new();
    if let Some(f) = &c.flow {
        d.push(format!(
            "from:    {} ({} of {} sources blocked) → {}:{}",
            f.subnets.join(", "),
            f.blocked_from,
            f.sources,
            f.destination,
            f.port
        ));
        if !f.blocked_ports.is_empty() {
            let ports: Vec<String> = f.blocked_ports.iter().map(u16::to_string).collect();
            d.push(format!("ports:   blocked on {}", ports.join(", ")));
        }
    }
    d.push(format!("why:     {} match — {}", c.strength.as_str(), c.why));
    d.push(format!("reason:  {} — {}{}", c.reason_code, c.message, inferred(c.inferred)));
    d.push(format!("element: {}", c.element));
    if let Some(s) = &c.symptom {
        let code = s.termination_code.map(|x| format!("{x}: ")).unwrap_or_default();
        d.push(format!("symptom: {code}{}{}", s.message, inferred(s.inferred)));
    }
    for x in &c.fixes {
        let el = x.element.as_ref().map(|e| format!(" [{e}]")).unwrap_or_default();
        d.push(format!("fix:     {}{el}", x.action));
    }
    if c.fixes.is_empty() {
        d.push("fix:     none computed; see the element above".into());
    }
    d.push(format!("found:   by {}; ranked by {}", c.found_by, c.ranked_by.join(" · ")));
    (head, d)
}

fn generic_item(i: usize, g: &GenericCause) -> (String, Vec<String>) {
    let mut d = Vec::new();
    if let Some(c) = &g.confirm {
        d.push(format!("confirm: {c}"));
    }
    let url = if g.source.url.is_empty() { String::new() } else { format!(" <{}>", g.source.url) };
    d.push(format!("source:  {}{url} (as of {}){}", g.source.title, g.as_of, inferred(g.inferred)));
    (format!("{}. {}", i + 1, g.cause), d)
}

fn title(r: &DiagnoseReport) -> String {
    format!("adbflow diagnose{}", r.name.as_ref().map(|n| format!(" — {n}")).unwrap_or_default())
}

fn query_lines(r: &DiagnoseReport) -> Vec<String> {
    let q = &r.query;
    let kind = match q.kind {
        QueryKind::Code => "termination code",
        QueryKind::Symptom => "symptom",
    };
    let mut out = vec![match &q.title {
        Some(t) => format!("Asked: {kind} {} — {t}", q.asked),
        None => format!("Asked: {kind} {}", q.asked),
    }];
    if q.asked != q.entry {
        out.push(format!("Read as: {}", q.entry));
    }
    out.push(format!("Meaning: {}{}", q.meaning, inferred(q.inferred)));
    out.push(format!("  source: {} (as of {})", q.source.title, q.as_of));
    out.push(format!("Stage: {}", q.stage.as_str()));
    if !q.related_codes.is_empty() {
        out.push(format!("Related codes: {}", q.related_codes.join(", ")));
    }
    out.push(if r.explained {
        format!("Answer: {} cause(s) found in this deployment's model", r.causes.len())
    } else {
        "Answer: nothing in this deployment's model explains it; generic causes follow".to_string()
    });
    out
}

fn sections(r: &DiagnoseReport) -> Vec<Section> {
    let mut out = Vec::new();
    if !r.causes.is_empty() {
        out.push(Section {
            title: "Causes in this deployment (most likely first)".into(),
            items: r.causes.iter().map(cause_item).collect(),
        });
    }
    if !r.other_failures.is_empty() {
        out.push(Section {
            title: format!("Other blocked flows (they do not produce {})", r.query.asked),
            items: r
                .other_failures
                .iter()
                .map(|o| {
                    let what = match &o.instance {
                        Some(i) => format!("{} ({i})", o.flow),
                        None => o.flow.to_string(),
                    };
                    let code = o.termination_code.map(|c| format!(" → {c}")).unwrap_or_default();
                    (
                        format!(
                            "{} {what} from {}: {}{code}",
                            o.workspace,
                            o.subnets.join(", "),
                            o.reason_code
                        ),
                        Vec::new(),
                    )
                })
                .collect(),
        });
    }
    if !r.generic_causes.is_empty() {
        out.push(Section {
            title: format!("Generic causes of {}", r.query.asked),
            items: r.generic_causes.iter().enumerate().map(|(i, g)| generic_item(i, g)).collect(),
        });
    }
    if !r.notes.is_empty() {
        out.push(Section {
            title: "Notes".into(),
            items: r.notes.iter().map(|n| (n.clone(), Vec::new())).collect(),
        });
    }
    out
}

fn footer(r: &DiagnoseReport) -> Vec<String> {
    let s = &r.checked;
    let mut out = vec![format!(
        "checked ({}): {} flows, {} delivered, {} blocked (required), {} blocked (optional), {} blocked by design",
        r.models.join(", "),
        s.flows,
        s.delivered,
        s.blocked_required,
        s.blocked_optional,
        s.blocked_by_design
    )];
    for d in &r.data {
        out.push(format!(
            "data: {} — {} (as of {}{})",
            d.name,
            d.source,
            d.as_of,
            if d.inferred { ", inferred" } else { "" }
        ));
    }
    out
}

/// The human `diagnose` report.
pub fn render_diagnose_table(r: &DiagnoseReport) -> String {
    let mut out = format!("{}\n\n", title(r));
    for l in query_lines(r) {
        let _ = writeln!(out, "{l}");
    }
    for s in sections(r) {
        let _ = writeln!(out, "\n{}", s.title);
        for (head, details) in &s.items {
            let _ = writeln!(out, "  {head}");
            for d in details {
                let _ = writeln!(out, "     {d}");
            }
        }
    }
    out.push('\n');
    for l in footer(r) {
        let _ = writeln!(out, "{l}");
    }
    out
}

/// The `diagnose` JSON contract (`schema_version` 1).
pub fn render_diagnose_json(r: &DiagnoseReport) -> String {
    crate::to_json(r)
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ").replace('<', "&lt;").replace('>', "&gt;")
}

/// `diagnose` as GitHub-flavoured markdown (incident tickets, job summaries).
pub fn render_diagnose_markdown(r: &DiagnoseReport) -> String {
    let mut out = format!("# {}\n\n", md(&title(r)));
    for l in query_lines(r) {
        let _ = writeln!(out, "- {}", md(l.trim()));
    }
    for s in sections(r) {
        let _ = writeln!(out, "\n## {}\n", md(&s.title));
        for (head, details) in &s.items {
            if details.is_empty() {
                let _ = writeln!(out, "- {}", md(head));
            } else {
                let _ = writeln!(out, "- **{}**", md(head));
            }
            for d in details {
                let _ = writeln!(out, "  - {}", md(d));
            }
        }
    }
    out.push('\n');
    for l in footer(r) {
        let _ = writeln!(out, "- {}", md(&l));
    }
    out
}
