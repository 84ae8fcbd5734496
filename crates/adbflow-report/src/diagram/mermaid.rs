//! The topology as a mermaid `flowchart LR` (GitHub renders it): VNets as subgraphs, flows as
//! arrows coloured with `linkStyle` — solid green delivered, dashed red blocked, dashed amber
//! optional or by design.

use super::{EdgeKind, NodeKind, Topology};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Text inside a quoted mermaid label: quotes and the characters mermaid treats as syntax become
/// entity codes, line breaks become `<br/>`.
pub fn label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '\n' => out.push_str("<br/>"),
            c => out.push(c),
        }
    }
    out
}

fn shape(kind: NodeKind, id: &str, text: &str) -> String {
    match kind {
        NodeKind::Users => format!("{id}([\"{text}\"])"),
        NodeKind::Storage => format!("{id}[(\"{text}\")]"),
        NodeKind::Firewall | NodeKind::NatGateway => format!("{id}{{{{\"{text}\"}}}}"),
        NodeKind::ControlPlane | NodeKind::DatabricksServices | NodeKind::Repositories => {
            format!("{id}[[\"{text}\"]]")
        }
        NodeKind::Subnet | NodeKind::PrivateEndpoint => format!("{id}[\"{text}\"]"),
    }
}

fn class(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Users => "users",
        NodeKind::Subnet => "subnet",
        NodeKind::PrivateEndpoint => "pe",
        NodeKind::Firewall => "firewall",
        NodeKind::NatGateway => "nat",
        NodeKind::ControlPlane | NodeKind::DatabricksServices => "databricks",
        NodeKind::Storage => "storage",
        NodeKind::Repositories => "repos",
    }
}

pub fn render(t: &Topology) -> String {
    let ix = t.index();
    // Short, syntax-safe identifiers; the element IDs contain ':' and '/'.
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for (i, g) in t.groups.iter().enumerate() {
        ids.insert(g.id.as_str(), format!("g{i}"));
    }
    for (i, n) in t.nodes.iter().enumerate() {
        ids.insert(n.id.as_str(), format!("n{i}"));
    }
    let mut out = String::new();
    let _ = writeln!(out, "---\ntitle: \"{}\"\n---", label(&t.title));
    out.push_str("flowchart LR\n");
    let node_line = |out: &mut String, indent: &str, n: &super::Node| {
        let mut text = n.label.clone();
        for d in &n.detail {
            text.push('\n');
            text.push_str(d);
        }
        let _ = writeln!(
            out,
            "{indent}{}:::{}",
            shape(n.kind, &ids[n.id.as_str()], &label(&text)),
            class(n.kind)
        );
    };
    for n in t.nodes.iter().filter(|n| n.group.is_none() && n.column == 0) {
        node_line(&mut out, "    ", n);
    }
    for g in &t.groups {
        let _ = writeln!(
            out,
            "    subgraph {}[\"{}\"]",
            ids[g.id.as_str()],
            label(&format!("{}\n{}", g.label, g.detail))
        );
        out.push_str("        direction TB\n");
        for n in ix.members(&g.id) {
            node_line(&mut out, "        ", n);
        }
        out.push_str("    end\n");
    }
    for n in t.nodes.iter().filter(|n| n.group.is_none() && n.column != 0) {
        node_line(&mut out, "    ", n);
    }
    let mut styles = Vec::new();
    for e in &t.edges {
        let (Some(a), Some(b)) = (ids.get(e.from.as_str()), ids.get(e.to.as_str())) else { continue };
        let arrow = match e.kind {
            EdgeKind::Attachment => "---",
            EdgeKind::Peering => "-.-",
            EdgeKind::Flow(super::EdgeVerdict::Delivered) => "-->",
            EdgeKind::Flow(_) => "-.->",
        };
        if e.label.is_empty() {
            let _ = writeln!(out, "    {a} {arrow} {b}");
        } else {
            let _ = writeln!(out, "    {a} {arrow}|\"{}\"| {b}", label(&e.label));
        }
        let dash = if e.kind.dashed() { ",stroke-dasharray:5 4" } else { "" };
        let width = if matches!(e.kind, EdgeKind::Flow(_)) { "2px" } else { "1px" };
        styles.push(format!(
            "    linkStyle {} stroke:{},stroke-width:{width}{dash}",
            styles.len(),
            e.kind.colour()
        ));
    }
    for s in styles {
        let _ = writeln!(out, "{s}");
    }
    for (c, fill, stroke) in [
        ("users", "#e3f2fd", "#1565c0"),
        ("subnet", "#ffffff", "#455a64"),
        ("pe", "#f3e5f5", "#6a1b9a"),
        ("firewall", "#fff3e0", "#e65100"),
        ("nat", "#e0f7fa", "#00838f"),
        ("databricks", "#fbe9e7", "#bf360c"),
        ("storage", "#fffde7", "#a67c00"),
        ("repos", "#eceff1", "#37474f"),
    ] {
        let _ = writeln!(out, "    classDef {c} fill:{fill},stroke:{stroke},color:#1f2933");
    }
    out
}
