//! The report's sections, each a function from answers to HTML.

use super::{esc, Section};
use crate::diagram::{self, EdgeVerdict};
use crate::security::{probe_result, restrictions, transport};
use adbflow_databricks::check::{CheckFlow, CheckReport, FlowVerdict};
use adbflow_databricks::findings::Finding;
use adbflow_databricks::nsg_rules::RULE_PREFIX;
use adbflow_databricks::plan::SourceRole;
use adbflow_databricks::security::Exposure;
use adbflow_databricks::SecurityReport;
use adbflow_model::{ElementRef, Estate};
use std::fmt::Write;

fn section(id: &str, title: &str, html: String) -> Section {
    Section { id: id.into(), title: title.into(), html }
}

fn verdict_class(f: &CheckFlow) -> &'static str {
    match f.verdict {
        FlowVerdict::Delivered => "delivered",
        FlowVerdict::BlockedByDesign => "blocked-by-design",
        FlowVerdict::Blocked if f.requirement.is_required() => "blocked",
        FlowVerdict::Blocked => "blocked-optional",
    }
}

fn verdict_text(f: &CheckFlow) -> &'static str {
    match f.verdict {
        FlowVerdict::Delivered => "✓ delivered",
        FlowVerdict::BlockedByDesign => "✗ blocked (by design)",
        FlowVerdict::Blocked if f.requirement.is_required() => "✗ BLOCKED",
        FlowVerdict::Blocked => "✗ blocked (optional)",
    }
}

fn flow_name(f: &CheckFlow) -> String {
    match &f.instance {
        Some(i) => format!("{} ({i})", f.id),
        None => f.id.to_string(),
    }
}

fn source(f: &CheckFlow) -> String {
    match f.source_role {
        SourceRole::User => format!("user ({})", f.subnet),
        r => format!("{} ({})", r.as_str(), f.subnet),
    }
}

/// The table cell: the role, with the subnet as a tooltip (the column would be too wide).
fn source_cell(f: &CheckFlow) -> String {
    match f.source_role {
        SourceRole::User => esc(&source(f)),
        r => format!("<span title=\"{}\">{}</span>", esc(&f.subnet), r.as_str()),
    }
}

fn rule_name(e: &ElementRef) -> String {
    match e.name.strip_prefix(RULE_PREFIX) {
        Some(rest) => format!("Databricks: {rest}"),
        None => e.name.to_string(),
    }
}

fn element(e: &ElementRef) -> String {
    let mut s = format!("<code>{}</code>", esc(&e.id));
    if let Some(o) = &e.origin {
        let _ = write!(s, " <span class=\"where\">{}</span>", esc(&o.to_string()));
    }
    s
}

fn trace_anchor(i: usize) -> String {
    format!("trace-{}", i + 1)
}

pub(super) fn overview(c: &CheckReport, s: &SecurityReport) -> Section {
    let mut h = String::new();
    if c.exit_code() == 0 {
        h.push_str("<div class=\"status ok\">Every startup and workload flow is delivered: clusters start and workloads run in this network.</div>\n");
    } else {
        let _ = writeln!(
            h,
            "<div class=\"status bad\">{} required flow{} blocked: clusters fail to start or workloads fail. See the findings for the fix.</div>",
            c.summary.blocked_required,
            if c.summary.blocked_required == 1 { " is" } else { "s are" }
        );
    }
    let open_entries = s.attack_surface.iter().filter(|e| e.exposure == Exposure::Open).count();
    let open_paths = s.open_paths().count();
    let card = |class: &str, n: usize, t: &str| {
        format!("<div class=\"card {class}\"><div class=\"n\">{n}</div><div class=\"t\">{t}</div></div>")
    };
    h.push_str("<div class=\"cards\">");
    h.push_str(&card("", c.summary.flows, "flows evaluated"));
    h.push_str(&card("ok", c.summary.delivered, "delivered"));
    h.push_str(&card(
        if c.summary.blocked_required > 0 { "bad" } else { "ok" },
        c.summary.blocked_required,
        "required flows blocked",
    ));
    h.push_str(&card(
        "warn",
        c.summary.blocked_optional + c.summary.blocked_by_design,
        "optional / by-design blocks",
    ));
    h.push_str(&card(
        if open_entries > 0 { "warn" } else { "ok" },
        open_entries,
        "entry points open to the internet",
    ));
    h.push_str(&card(
        if open_paths > 0 { "warn" } else { "ok" },
        open_paths,
        "exfiltration probes that get out",
    ));
    h.push_str("</div>\n");
    h.push_str("<div class=\"scroll\"><table class=\"workspaces\"><thead><tr><th>Workspace</th><th>Region</th><th>VNet / subnets</th><th>Connectivity</th><th>Private Link</th><th>Users from</th><th>Status</th></tr></thead><tbody>\n");
    for w in &c.workspaces {
        let pl = &w.private_link;
        let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(", ") };
        let _ = writeln!(
            h,
            "<tr><td><b>{}</b><br><span class=\"where\">{}</span></td><td>{}</td><td>{}: {}, {}</td><td>{}; public access {:?}; {:?}</td><td>front-end {}<br>back-end {}<br>browser-auth {}</td><td>{}</td><td><span class=\"badge {}\">{}</span></td></tr>",
            esc(&w.name),
            esc(&w.workspace_url),
            esc(&w.region),
            esc(&w.vnet),
            esc(&w.host_subnet),
            esc(&w.container_subnet),
            if w.no_public_ip { "secure cluster connectivity" } else { "public IPs on nodes" },
            w.public_network_access,
            w.required_nsg_rules,
            esc(&list(&pl.front_end)),
            esc(&list(&pl.back_end)),
            esc(&list(&pl.browser_auth)),
            esc(&w.users_from),
            if w.status == "ok" { "ok" } else { "blocked" },
            esc(w.status)
        );
    }
    h.push_str("</tbody></table></div>\n");
    section("overview", "Overview", h)
}

pub(super) fn topology(estate: &Estate, c: &CheckReport) -> Section {
    let t = diagram::topology(estate, c);
    let mut h = String::from(
        "<p class=\"note\">Every flow is drawn from the subnet it leaves through its egress device (NAT gateway, firewall, private endpoint) to its destination; green is delivered, dashed red a blocked startup or workload flow, dashed amber an optional or by-design block. Hover a line for the flows it carries.</p>\n<div class=\"diagram\">\n",
    );
    h.push_str(&diagram::svg::render(&t));
    h.push_str("</div>\n");
    let blocked: Vec<&diagram::Edge> =
        t.edges.iter().filter(|e| e.kind == diagram::EdgeKind::Flow(EdgeVerdict::Blocked)).collect();
    if !blocked.is_empty() {
        h.push_str("<p class=\"note\">Blocked in the picture: ");
        let items: Vec<String> = blocked.iter().map(|e| esc(&e.label)).collect();
        h.push_str(&items.join("; "));
        h.push_str("</p>\n");
    }
    section("topology", "Topology", h)
}

pub(super) fn sequence(c: &CheckReport) -> Section {
    let seq = adbflow_databricks::sequence(c);
    let mut h = String::from("<p class=\"note\">The cluster startup sequence phase by phase; each chip is one flow from one source, coloured by its verdict and linked to its trace.</p>\n");
    for p in &seq.phases {
        let _ = write!(
            h,
            "<div class=\"phase\"><div class=\"head\"><b>Phase {} — {}</b><span>{}</span></div><div class=\"chips\">",
            p.id.id(),
            esc(p.title),
            esc(p.window)
        );
        if p.flows.is_empty() {
            let _ = write!(
                h,
                "<span class=\"note\">{}</span>",
                esc(p.note.unwrap_or("no traffic from your network"))
            );
        }
        // A phase holds the report's flows of that phase in report order, so the k-th is the
        // k-th of the report's flows in the phase (comparing each with every flow was quadratic).
        let positions = c.flows.iter().enumerate().filter(|(_, x)| x.phase == p.id).map(|(i, _)| i);
        for (f, i) in p.flows.iter().zip(positions) {
            let _ = write!(
                h,
                "<a class=\"chip {}\" href=\"#{}\" title=\"{}\">{} · {}</a>",
                verdict_class(f),
                trace_anchor(i),
                esc(&format!("{} → {} via {}: {}", f.subnet, f.destination.fqdn, f.egress, verdict_text(f))),
                esc(&flow_name(f)),
                esc(f.source_role.as_str())
            );
        }
        h.push_str("</div></div>\n");
    }
    section("sequence", "Startup sequence", h)
}

pub(super) fn path_summary(c: &CheckReport) -> Section {
    let mut h = String::from("<div class=\"scroll\"><table class=\"flows\" id=\"path-summary\"><thead><tr><th>Phase</th><th>Flow</th><th>Req</th><th>From</th><th>Destination</th><th>Proto/Port</th><th>Path</th><th>NSG rule</th><th>Egress</th><th>Verdict</th></tr></thead><tbody>\n");
    for (i, f) in c.flows.iter().enumerate() {
        let dest = match &f.instance {
            Some(x) => format!("{} ({x})", f.destination.fqdn),
            None => f.destination.fqdn.as_str().to_owned(),
        };
        let _ = writeln!(
            h,
            "<tr class=\"verdict-{v}\" data-flow=\"{id}\"><td>{}</td><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"badge {v}\">{}</span></td></tr>",
            f.phase.id(),
            trace_anchor(i),
            esc(&flow_name(f)),
            f.requirement.as_str(),
            source_cell(f),
            esc(&dest).replace('.', ".<wbr>"),
            f.destination.protocol.to_string().to_ascii_lowercase(),
            esc(&f.destination.ports),
            esc(&crate::check::path(f)),
            esc(&f.nsg_rule.as_ref().map(rule_name).unwrap_or_else(|| "-".into())),
            esc(&f.egress),
            verdict_text(f),
            v = verdict_class(f),
            id = esc(f.id.as_str()),
        );
    }
    h.push_str("</tbody></table></div>\n");
    section("paths", "Network path summary", h)
}

fn finding_item(f: &Finding, fix: Option<&adbflow_databricks::fix::Fix>) -> String {
    let mut h = format!(
        "<li class=\"{s}\"><span class=\"badge {s}\">{s}</span> <code>{}</code>",
        esc(f.code),
        s = f.severity.as_str()
    );
    if let Some(w) = &f.workspace {
        let _ = write!(h, " <span class=\"where\">[{}]</span>", esc(w));
    }
    let _ = write!(h, "<div>{}</div>", esc(&f.message));
    if let Some(e) = &f.element {
        let _ = write!(h, "<div class=\"where\">decided by {}</div>", element(e));
    }
    if let Some(x) = fix {
        let _ = write!(h, "<div class=\"fix\"><b>Fix:</b> {}", esc(&x.action));
        if let Some(e) = &x.element {
            let _ = write!(h, " — {}", element(e));
        }
        h.push_str("</div>");
    }
    if f.inferred {
        h.push_str("<div class=\"where\">inferred: rests on an assumption, not on given data</div>");
    }
    h.push_str("</li>\n");
    h
}

pub(super) fn findings(c: &CheckReport) -> Section {
    let mut h = String::new();
    if c.findings.is_empty() {
        h.push_str("<p>No findings.</p>\n");
    } else {
        h.push_str("<ul class=\"findings\">\n");
        let fixes = c.fixes();
        for f in &c.findings {
            h.push_str(&finding_item(f, fixes.of(f)));
        }
        h.push_str("</ul>\n");
    }
    section("findings", "Findings and fixes", h)
}

pub(super) fn security(s: &SecurityReport) -> Section {
    let mut h = String::from("<h3>Attack surface</h3>\n<div class=\"scroll\"><table class=\"attack-surface\"><thead><tr><th>Entry point</th><th>Address</th><th>Exposure</th><th>Restricted by</th><th>Authentication</th><th>Risk</th></tr></thead><tbody>\n");
    for e in &s.attack_surface {
        let _ = writeln!(
            h,
            "<tr><td>{}{}<div class=\"where\">{}</div></td><td class=\"mono\">{}</td><td><span class=\"badge {x}\">{x}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.name),
            if e.inferred { " <span class=\"where\">(assumed)</span>" } else { "" },
            element(&e.element),
            esc(&e.address),
            esc(&restrictions(&e.restrictions)),
            esc(&e.authentication),
            esc(&e.risk),
            x = e.exposure.as_str(),
        );
    }
    h.push_str("</tbody></table></div>\n");
    h.push_str("<h3>Exfiltration paths</h3>\n<p class=\"note\">Probe flows from every cluster subnet to destinations that belong to no one in the deployment. OPEN means a node can send data there.</p>\n<div class=\"scroll\"><table class=\"exfiltration\"><thead><tr><th>Workspace</th><th>From</th><th>Destination</th><th>Result</th><th>Egress</th><th>Through / stopped by</th></tr></thead><tbody>\n");
    for p in &s.exfiltration {
        let (result, by) = probe_result(p);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><span class=\"badge {r}\">{r}</span></td><td>{}</td><td class=\"mono\">{}</td></tr>",
            esc(&p.workspace),
            esc(&p.subnet),
            esc(&p.description),
            esc(&p.egress),
            esc(&by),
            r = esc(&result),
        );
    }
    h.push_str("</tbody></table></div>\n");
    h.push_str("<h3>Data flow security</h3>\n<div class=\"scroll\"><table class=\"data-flows\"><thead><tr><th>Flow</th><th>From</th><th>Destination</th><th>Transport</th><th>Encryption</th><th>Authentication</th><th>Authorization</th></tr></thead><tbody>\n");
    for p in &s.data_flows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            esc(&crate::security::flow_name(p)),
            esc(&p.from),
            esc(&p.destination),
            esc(&transport(p)),
            esc(p.encryption),
            if p.inferred { " *" } else { "" },
            esc(p.authentication),
            esc(p.authorization)
        );
    }
    h.push_str("</tbody></table></div>\n<p class=\"note\">* adbflow's reading, not stated in the seed document's table.</p>\n");
    if !s.findings.is_empty() {
        h.push_str("<h3>Security findings</h3>\n<ul class=\"findings\">\n");
        for f in &s.findings {
            h.push_str(&finding_item(f, None));
        }
        h.push_str("</ul>\n");
    }
    section("security", "Security", h)
}

pub(super) fn traces(c: &CheckReport) -> Section {
    let mut h = String::from("<p class=\"note\">Every flow hop by hop, with the configuration element that decided each hop and where it is defined.</p>\n");
    for (i, f) in c.flows.iter().enumerate() {
        let v = verdict_class(f);
        let _ = writeln!(
            h,
            "<div class=\"trace {}\" id=\"{}\"><h4>{} · {} → {}:{} <span class=\"badge {v}\">{}</span></h4>",
            if f.verdict == FlowVerdict::Delivered { "delivered" } else { "blocked" },
            trace_anchor(i),
            esc(&flow_name(f)),
            esc(&source(f)),
            esc(&f.destination.fqdn),
            f.destination.port,
            verdict_text(f)
        );
        if !f.resolved.is_empty() {
            let answers: Vec<String> = f
                .resolved
                .iter()
                .map(|a| format!("{} {} {} [{}]", a.name, a.record_type, a.data.join(", "), a.source))
                .collect();
            let _ = writeln!(h, "<div class=\"dns\">DNS: {}</div>", esc(&answers.join(" → ")));
        }
        h.push_str("<table class=\"hops\"><thead><tr><th>#</th><th>Step</th><th>Decided by</th><th>Detail</th></tr></thead><tbody>\n");
        for (k, hop) in f.hops.iter().enumerate() {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
                k + 1,
                hop.kind.as_str(),
                element(&hop.decided_by),
                esc(&hop.detail),
                if hop.inferred { " <span class=\"where\">[inferred]</span>" } else { "" }
            );
        }
        h.push_str("</tbody></table>\n");
        let _ = writeln!(
            h,
            "<div class=\"where\">egress {} · the destination sees {}{}</div>",
            esc(&f.egress),
            esc(if f.source_seen_as.is_empty() { "-" } else { &f.source_seen_as }),
            if f.meters.is_empty() {
                String::new()
            } else {
                format!(" · meters: {}", esc(&f.meters.join(", ")))
            }
        );
        if let Some(b) = &f.blocked_by {
            let _ = write!(
                h,
                "<div class=\"verdict-box\"><b>{}</b> — {}<br>element: {}",
                esc(b.reason_code.as_str()),
                esc(&b.message),
                element(&b.element)
            );
            if let Some(s) = &f.symptom {
                let code = s.termination_code.map(|c| format!("{c}: ")).unwrap_or_default();
                let _ = write!(h, "<br>symptom: {}{}", esc(&code), esc(&s.message));
            }
            if let Some(x) = &f.fix {
                let _ = write!(h, "<div class=\"fix\"><b>Fix:</b> {}</div>", esc(&x.action));
            }
            h.push_str("</div>\n");
        }
        h.push_str("</div>\n");
    }
    section("traces", "Flow traces", h)
}

pub(super) fn data(c: &CheckReport) -> Section {
    let mut h = String::from("<ul>\n");
    for d in &c.data {
        let _ = writeln!(
            h,
            "<li><b>{}</b> — {} (as of {}{})</li>",
            esc(&d.name),
            esc(&d.source),
            esc(&d.as_of),
            if d.inferred { ", inferred" } else { "" }
        );
    }
    h.push_str("</ul>\n");
    section("data", "Data sources", h)
}
