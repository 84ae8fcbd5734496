//! Renderers for `adbflow check` (the Network Path Summary: per flow and subnet the destination,
//! protocol/port, path, the NSG rule that allowed it, egress and verdict, then findings and the
//! blocked flows in detail) and `adbflow flows` (the startup sequence by phase; mermaid
//! `sequenceDiagram`). Output depends only on the report, so it is byte-for-byte repeatable.

use adbflow_databricks::check::{CheckFlow, CheckReport, CheckRun, Counts, FlowVerdict, WorkspaceSummary};
use adbflow_databricks::findings::Finding;
use adbflow_databricks::nsg_rules::RULE_PREFIX;
use adbflow_databricks::plan::SourceRole;
use adbflow_databricks::sequence::FlowsReport;
use adbflow_databricks::FlowId;
use adbflow_model::ElementRef;
use adbflow_net::{Hop, HopKind};
use comfy_table::{presets, ContentArrangement, Table};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write;

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty()
        .set_header(header.to_vec());
    t
}

/// `Databricks: databricks-worker-to-storage` for the managed rules, the rule name otherwise.
fn rule_name(e: &ElementRef) -> String {
    match e.name.strip_prefix(RULE_PREFIX) {
        Some(rest) => format!("Databricks: {rest}"),
        None => e.name.to_string(),
    }
}

fn source(f: &CheckFlow) -> String {
    match f.source_role {
        SourceRole::User => format!("user ({})", f.subnet),
        r => r.as_str().to_string(),
    }
}

fn destination(f: &CheckFlow) -> String {
    match &f.instance {
        Some(i) => format!("{} ({i})", f.destination.fqdn),
        None => f.destination.fqdn.as_str().to_owned(),
    }
}

fn proto_port(f: &CheckFlow) -> String {
    format!("{}/{}", f.destination.protocol.to_string().to_ascii_lowercase(), f.destination.ports)
}

fn hop_label(h: &Hop) -> Option<String> {
    let name =
        if h.decided_by.name.is_empty() { h.decided_by.id.as_str() } else { h.decided_by.name.as_str() };
    let public_answer = ["endpoint:", "storage-account:"].iter().any(|p| h.decided_by.id.starts_with(p));
    let prefix = match h.kind {
        // The destination column already names a public answer; private zones and resolvers matter.
        HopKind::Dns if public_answer => return None,
        HopKind::Dns => "dns",
        HopKind::Route => "route",
        HopKind::Egress => "egress",
        HopKind::Firewall => "firewall",
        HopKind::Destination => "dest",
        HopKind::NsgOutbound | HopKind::NsgInbound => return None,
    };
    Some(format!("{prefix} {name}"))
}

/// The hops that choose the path (NSG rules have their own column), in order.
pub fn path(f: &CheckFlow) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut last_element: Option<&str> = None;
    for h in &f.hops {
        // A route and the egress it implies often name the same element (a service endpoint, a
        // private endpoint): say it once.
        if last_element == Some(h.decided_by.id.as_str()) {
            continue;
        }
        if let Some(label) = hop_label(h) {
            parts.push(label);
            last_element = Some(h.decided_by.id.as_str());
        }
    }
    if f.verdict != FlowVerdict::Delivered {
        if let Some(b) = &f.blocked_by {
            let last = format!("✗ {}", b.reason_code);
            parts.push(last);
        }
    }
    if parts.is_empty() {
        return "-".into();
    }
    parts.join(" → ")
}

fn verdict(f: &CheckFlow) -> String {
    match f.verdict {
        FlowVerdict::Delivered => "delivered".into(),
        FlowVerdict::BlockedByDesign => "blocked (by design)".into(),
        FlowVerdict::Blocked if f.requirement.is_required() => "BLOCKED".into(),
        FlowVerdict::Blocked => "blocked (optional)".into(),
    }
}

fn element_text(e: &ElementRef) -> String {
    e.to_string()
}

fn workspace_lines(w: &WorkspaceSummary) -> Vec<String> {
    let pl = &w.private_link;
    let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(", ") };
    vec![
        format!(
            "Workspace {} — {} ({}), {:?}, {}, public network access {:?}, {:?}",
            w.name,
            w.region,
            w.cloud,
            w.sku,
            if w.no_public_ip { "secure cluster connectivity" } else { "no SCC (public IPs)" },
            w.public_network_access,
            w.required_nsg_rules
        ),
        format!(
            "  VNet {}: host subnet {}, container subnet {}; URL {}; users from {}",
            w.vnet, w.host_subnet, w.container_subnet, w.workspace_url, w.users_from
        ),
        format!(
            "  Private Link: front-end {}, back-end {}, browser-auth {}; Databricks-managed NSG rules added: {}",
            list(&pl.front_end),
            list(&pl.back_end),
            list(&pl.browser_auth),
            w.managed_nsg_rules.len()
        ),
        format!(
            "  {} flows: {} delivered, {} blocked (required), {} blocked (optional), {} blocked by design — {}",
            w.counts.flows,
            w.counts.delivered,
            w.counts.blocked_required,
            w.counts.blocked_optional,
            w.counts.blocked_by_design,
            w.status
        ),
    ]
}

fn finding_line(f: &Finding) -> String {
    let mut s = format!("{:<7} {}", f.severity.as_str(), f.code);
    if let Some(w) = &f.workspace {
        let _ = write!(s, " [{w}]");
    }
    let _ = write!(s, ": {}", f.message);
    if let Some(e) = &f.element {
        let _ = write!(s, " — {}", element_text(e));
    }
    if f.inferred {
        s.push_str(" (inferred)");
    }
    s
}

fn blocked_details(f: &CheckFlow) -> Vec<String> {
    let mut out = vec![format!(
        "{} {} from {} to {}:{} [{}]",
        f.workspace,
        f.id,
        f.subnet,
        destination(f),
        f.destination.port,
        f.requirement.as_str()
    )];
    if let Some(b) = &f.blocked_by {
        let inferred = if b.inferred { " (inferred)" } else { "" };
        out.push(format!("  reason:  {} — {}{inferred}", b.reason_code, b.message));
        out.push(format!("  element: {}", element_text(&b.element)));
    }
    if !f.destination.blocked_ports.is_empty() {
        let ports: Vec<String> = f.destination.blocked_ports.iter().map(|p| p.to_string()).collect();
        out.push(format!("  ports:   blocked on {}", ports.join(", ")));
    }
    if let Some(s) = &f.symptom {
        let code = s.termination_code.map(|c| format!("{c}: ")).unwrap_or_default();
        let inferred = if s.inferred { " (inferred)" } else { "" };
        out.push(format!("  symptom: {code}{}{inferred}", s.message));
    }
    if let Some(x) = &f.fix {
        let el = x.element.as_ref().map(|e| format!(" [{}]", element_text(e))).unwrap_or_default();
        out.push(format!("  fix:     {}{el}", x.action));
    }
    out
}

fn summary_row(f: &CheckFlow) -> Vec<String> {
    vec![
        f.phase.id().to_string(),
        f.id.to_string(),
        f.requirement.as_str().to_string(),
        source(f),
        destination(f),
        proto_port(f),
        path(f),
        f.nsg_rule.as_ref().map(rule_name).unwrap_or_else(|| "-".into()),
        f.egress.clone(),
        verdict(f),
    ]
}

const SUMMARY_HEADER: [&str; 10] =
    ["Phase", "Flow", "Req", "From", "Destination", "Proto/Port", "Path", "NSG rule", "Egress", "Verdict"];

/// Each workspace's flows in report order, grouped once: filtering every flow for every workspace
/// is quadratic in the estate's size.
fn flows_by_workspace(flows: &[CheckFlow]) -> BTreeMap<&str, Vec<&CheckFlow>> {
    let mut by: BTreeMap<&str, Vec<&CheckFlow>> = BTreeMap::new();
    for f in flows {
        by.entry(f.workspace.as_str()).or_default().push(f);
    }
    by
}

/// The human `check` report.
pub fn render_check_table(r: &CheckReport) -> String {
    let mut out = table_head(r.name.as_ref());
    for section in workspace_sections(&r.workspaces, &r.flows) {
        out.push_str(&section);
    }
    out.push_str(&table_tail(r.flows.iter().filter(|f| f.verdict == FlowVerdict::Blocked), r));
    out
}

/// Runs `run` and writes its report as [`render_check_table`] would, each workspace's section
/// written as soon as it and the ones before it are walked; only blocked flows are kept (for the section that
/// lists them at the end). Returns the report without its flows.
pub fn write_check_run_table(run: CheckRun, out: &mut dyn std::io::Write) -> std::io::Result<CheckReport> {
    let head = table_head(run.name());
    write_sections(
        run,
        out,
        head,
        |w, flows| workspace_section(w, flows.iter()),
        |b, r| table_tail(b.iter(), r),
    )
}

/// Writes `head`, then each workspace's `section` as soon as it is handed over, then the `tail`
/// given the blocked flows (the only ones kept) in report order. Returns the report without its
/// flows.
fn write_sections(
    run: CheckRun,
    out: &mut dyn std::io::Write,
    head: String,
    section: impl Fn(&WorkspaceSummary, &[CheckFlow]) -> String + Sync,
    tail: impl FnOnce(&[CheckFlow], &CheckReport) -> String,
) -> std::io::Result<CheckReport> {
    out.write_all(head.as_bytes())?;
    let mut blocked: Vec<CheckFlow> = Vec::new();
    let report = run.run(
        CheckRun::BATCH,
        |_, w, flows| {
            let section = section(w, &flows);
            (section, flows.into_iter().filter(|f| f.verdict == FlowVerdict::Blocked).collect::<Vec<_>>())
        },
        |sections| {
            for (section, b) in sections {
                out.write_all(section.as_bytes())?;
                blocked.extend(b);
            }
            Ok::<(), std::io::Error>(())
        },
    )?;
    out.write_all(tail(&blocked, &report).as_bytes())?;
    Ok(report)
}

fn table_head(name: Option<&String>) -> String {
    format!("adbflow check{}\n", name.map(|n| format!(" — {n}")).unwrap_or_default())
}

/// A section per workspace of `workspaces` with its flows among `flows`: laid out on all cores
/// (a thousand workspaces are 75,000 rows), in the workspaces' order.
fn workspace_sections(workspaces: &[WorkspaceSummary], flows: &[CheckFlow]) -> Vec<String> {
    let by_workspace = flows_by_workspace(flows);
    workspaces
        .par_iter()
        .map(|w| workspace_section(w, by_workspace.get(w.name.as_str()).into_iter().flatten().copied()))
        .collect()
}

/// Workspace `w`'s section: its summary lines and the table of its `flows`.
fn workspace_section<'a>(w: &WorkspaceSummary, flows: impl Iterator<Item = &'a CheckFlow>) -> String {
    let mut section = String::from("\n");
    for l in workspace_lines(w) {
        let _ = writeln!(section, "{l}");
    }
    let mut t = table(&SUMMARY_HEADER);
    for f in flows {
        t.add_row(summary_row(f));
    }
    let _ = writeln!(section, "\nNetwork Path Summary\n{t}");
    section
}

/// Blocked flows, findings, the counts and the data tables: what follows the sections.
fn table_tail<'a>(blocked: impl Iterator<Item = &'a CheckFlow>, r: &CheckReport) -> String {
    let mut out = String::new();
    let mut blocked = blocked.peekable();
    if blocked.peek().is_some() {
        let _ = writeln!(out, "\nBlocked flows");
        for f in blocked {
            for l in blocked_details(f) {
                let _ = writeln!(out, "  {l}");
            }
        }
    }
    if !r.findings.is_empty() {
        let _ = writeln!(out, "\nFindings");
        for f in &r.findings {
            let _ = writeln!(out, "  {}", finding_line(f));
        }
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "\n{} flows: {} delivered, {} blocked (required), {} blocked (optional), {} blocked by design",
        s.flows, s.delivered, s.blocked_required, s.blocked_optional, s.blocked_by_design
    );
    for d in &r.data {
        let inferred = if d.inferred { ", inferred" } else { "" };
        let _ = writeln!(out, "data: {} — {} (as of {}{inferred})", d.name, d.source, d.as_of);
    }
    out
}

/// The `check` JSON contract (`schema_version` 1), pretty-printed with a final newline.
pub fn render_check_json(r: &CheckReport) -> String {
    let mut out = Vec::new();
    match write_check_json(r, &mut out) {
        // serde_json writes UTF-8, and so does every field written here.
        Ok(()) => {
            String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
        Err(_) => crate::to_json(r),
    }
}

/// [`render_check_json`] written to `out` as it is rendered, the flows on all cores: the same bytes
/// as `serde_json`'s pretty printing of the whole report. Field order and the skipped `name` follow
/// `CheckReport`'s `Serialize` derive; a test renders every built-in pattern both ways.
pub fn write_check_json(r: &CheckReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let CheckReport { schema_version, name, flows, workspaces, findings, summary, data } = r;
    let mut w = crate::json::ObjectWriter::new(out);
    w.field("schema_version", schema_version)?;
    w.optional_field("name", name.as_ref())?;
    w.check_flows_par("flows", flows)?;
    w.array_par("workspaces", workspaces)?;
    write_check_json_tail(w, findings, summary, data)
}

/// Runs `run` and writes its report as [`write_check_json`] would write it, each workspace's
/// flows written and dropped as soon as it and the ones before it are walked, so memory does not
/// grow with the estate's flows. Returns the report without its flows (for the exit code).
pub fn write_check_run_json(run: CheckRun, out: &mut dyn std::io::Write) -> std::io::Result<CheckReport> {
    let mut w = crate::json::ObjectWriter::new(out);
    w.field("schema_version", &adbflow_databricks::CHECK_SCHEMA_VERSION)?;
    w.optional_field("name", run.name())?;
    w.begin_array("flows")?;
    // Each workspace renders into the buffers of workspaces already written out.
    let spare = crate::json::SpareBuffers::default();
    // Each workspace's summary is rendered where it was walked, too, and written after the
    // flows: rendered after the last flow on one core, they took a millisecond at 100 workspaces.
    let mut summaries = Vec::new();
    let report = run.run(
        CheckRun::BATCH,
        |_, summary, flows| {
            let flows = crate::json::RenderedItems::check_flows(spare.take(), &flows);
            (flows, crate::json::RenderedItems::of(std::slice::from_ref(summary)))
        },
        |rendered| {
            rendered.into_iter().try_for_each(|(flows, summary)| {
                let flows = flows?;
                w.items_rendered(&flows)?;
                flows.recycle(&spare);
                summaries.push(summary?);
                Ok::<(), std::io::Error>(())
            })
        },
    )?;
    w.end_array()?;
    w.begin_array("workspaces")?;
    for summary in &summaries {
        w.items_rendered(summary)?;
    }
    w.end_array()?;
    let CheckReport { findings, summary, data, .. } = &report;
    write_check_json_tail(w, findings, summary, data)?;
    Ok(report)
}

/// The fields after `workspaces`.
fn write_check_json_tail(
    mut w: crate::json::ObjectWriter<'_>,
    findings: &[Finding],
    summary: &Counts,
    data: &[adbflow_databricks::regions::DataTable],
) -> std::io::Result<()> {
    w.array_par("findings", findings)?;
    w.field("summary", summary)?;
    w.field("data", data)?;
    w.finish()
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn md_table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
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

/// `check` as GitHub-flavoured markdown (for pull-request comments and job summaries).
pub fn render_check_markdown(r: &CheckReport) -> String {
    let mut out = markdown_head(r.name.as_ref());
    let by_workspace = flows_by_workspace(&r.flows);
    for w in &r.workspaces {
        out.push_str(&markdown_section(w, by_workspace.get(w.name.as_str()).into_iter().flatten().copied()));
    }
    out.push_str(&markdown_tail(r.flows.iter().filter(|f| f.verdict == FlowVerdict::Blocked), r));
    out
}

/// Runs `run` and writes its report as [`render_check_markdown`] would, each workspace's section
/// written as soon as it and the ones before it are walked; only blocked flows are kept (for the section that
/// lists them at the end). Returns the report with no flows.
pub fn write_check_run_markdown(run: CheckRun, out: &mut dyn std::io::Write) -> std::io::Result<CheckReport> {
    let head = markdown_head(run.name());
    write_sections(
        run,
        out,
        head,
        |w, flows| markdown_section(w, flows.iter()),
        |b, r| markdown_tail(b.iter(), r),
    )
}

fn markdown_head(name: Option<&String>) -> String {
    format!("# adbflow check{}\n\n", name.map(|n| format!(" — {n}")).unwrap_or_default())
}

/// One workspace's lines and its path summary; `flows` are its flows in report order.
fn markdown_section<'f>(w: &WorkspaceSummary, flows: impl Iterator<Item = &'f CheckFlow>) -> String {
    let mut out = String::new();
    let lines = workspace_lines(w);
    let _ = writeln!(out, "## {}\n", md_cell(&lines[0]));
    for l in &lines[1..] {
        let _ = writeln!(out, "- {}", md_cell(l.trim()));
    }
    let _ = writeln!(out, "\n### Network Path Summary\n");
    out.push_str(&md_table(&SUMMARY_HEADER, flows.map(summary_row)));
    out.push('\n');
    out
}

/// The blocked flows (in report order), the findings and the counts.
fn markdown_tail<'f>(blocked: impl Iterator<Item = &'f CheckFlow>, r: &CheckReport) -> String {
    let mut out = String::new();
    let mut blocked = blocked.peekable();
    if blocked.peek().is_some() {
        let _ = writeln!(out, "## Blocked flows\n");
        for f in blocked {
            let d = blocked_details(f);
            let _ = writeln!(out, "- **{}**", md_cell(&d[0]));
            for l in &d[1..] {
                let _ = writeln!(out, "  - {}", md_cell(l.trim()));
            }
        }
        out.push('\n');
    }
    if !r.findings.is_empty() {
        let _ = writeln!(out, "## Findings\n");
        for f in &r.findings {
            let _ = writeln!(out, "- {}", md_cell(&finding_line(f)));
        }
        out.push('\n');
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "**{} flows**: {} delivered, {} blocked (required), {} blocked (optional), {} blocked by design",
        s.flows, s.delivered, s.blocked_required, s.blocked_optional, s.blocked_by_design
    );
    out
}

/// `flows`: the startup sequence phase by phase with each flow's computed path.
pub fn render_flows_table(r: &FlowsReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "adbflow flows{}", r.name.as_ref().map(|n| format!(" — {n}")).unwrap_or_default());
    for p in &r.phases {
        let _ = writeln!(out, "\nPhase {} — {} ({})", p.id.id(), p.title, p.window);
        if let Some(n) = p.note {
            let _ = writeln!(out, "  {n}");
        }
        if p.flows.is_empty() {
            continue;
        }
        let mut t = table(&[
            "Workspace",
            "Flow",
            "Req",
            "From",
            "Destination",
            "Proto/Port",
            "Path",
            "Egress",
            "Verdict",
        ]);
        for f in &p.flows {
            t.add_row(vec![
                f.workspace.as_str().to_owned(),
                f.id.to_string(),
                f.requirement.as_str().to_string(),
                source(f),
                destination(f),
                proto_port(f),
                path(f),
                f.egress.clone(),
                verdict(f),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    out
}

fn mermaid_text(s: &str) -> String {
    s.chars().map(|c| if matches!(c, ';' | '#' | '\n') { ',' } else { c }).collect()
}

/// Who receives a flow in the sequence diagram.
fn receiver(id: FlowId) -> &'static str {
    use FlowId::*;
    match id {
        UserApi | UserUi | BrowserAuth | SccRelay | Webapp | ExtendedInfra => "CP",
        EventHub | LogBlob | ArtifactPrimary | ArtifactSecondary | Metastore | SystemTables => "DS",
        DbfsBlob | DbfsDfs | UcStorage | ExternalLocation => "ST",
        Pypi | PypiFiles | Maven | Cran => "R",
        WorkerToWorker => "",
    }
}

/// `flows` as a mermaid `sequenceDiagram` (GitHub renders it): one arrow per flow and source,
/// crossed when blocked.
pub fn render_flows_mermaid(r: &FlowsReport) -> String {
    let mut out = String::from("sequenceDiagram\n");
    let _ = writeln!(out, "    participant U as User / automation");
    for (i, w) in r.workspaces.iter().enumerate() {
        let _ = writeln!(out, "    participant H{i} as {} host NIC ({}/{})", w.name, w.vnet, w.host_subnet);
        let _ = writeln!(
            out,
            "    participant C{i} as {} container NIC ({}/{})",
            w.name, w.vnet, w.container_subnet
        );
    }
    for (id, label) in [
        ("CP", "Databricks control plane"),
        ("DS", "Databricks-managed services"),
        ("ST", "Your storage"),
        ("R", "Package repositories"),
    ] {
        let _ = writeln!(out, "    participant {id} as {label}");
    }
    for p in &r.phases {
        let _ = writeln!(
            out,
            "    Note over U,R: Phase {} — {} ({})",
            p.id.id(),
            p.title,
            mermaid_text(p.window)
        );
        if p.flows.is_empty() {
            if let Some(n) = p.note {
                let _ = writeln!(out, "    Note over C0,CP: {}", mermaid_text(n));
            }
            continue;
        }
        for f in &p.flows {
            let i = r.workspaces.iter().position(|w| w.name == f.workspace).unwrap_or(0);
            let from = match f.source_role {
                SourceRole::User => "U".to_string(),
                SourceRole::Host => format!("H{i}"),
                SourceRole::Container => format!("C{i}"),
            };
            let to = match receiver(f.id) {
                "" => from.clone(),
                x => x.to_string(),
            };
            let arrow = if f.verdict == FlowVerdict::Delivered { "->>" } else { "--x" };
            let mut text = format!("{} {} via {}", f.id, proto_port(f), f.egress);
            match (&f.verdict, &f.blocked_by) {
                (FlowVerdict::Delivered, _) => {}
                (v, Some(b)) => {
                    let by_design = if *v == FlowVerdict::BlockedByDesign { " (by design)" } else { "" };
                    let _ = write!(text, " BLOCKED {}{by_design}", b.reason_code);
                }
                (_, None) => text.push_str(" BLOCKED"),
            }
            let _ = writeln!(out, "    {from}{arrow}{to}: {}", mermaid_text(&text));
        }
    }
    out
}
