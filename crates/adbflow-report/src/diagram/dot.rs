//! The topology in Graphviz DOT: VNets as clusters, flows coloured by verdict. For people who
//! have Graphviz; adbflow's own SVG needs none.

use super::{EdgeKind, NodeKind, Topology};
use std::collections::BTreeMap;
use std::fmt::Write;

/// A DOT double-quoted string body.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn attrs(kind: NodeKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        NodeKind::Users => ("ellipse", "#e3f2fd", "#1565c0"),
        NodeKind::Subnet => ("box", "#ffffff", "#455a64"),
        NodeKind::PrivateEndpoint => ("box", "#f3e5f5", "#6a1b9a"),
        NodeKind::Firewall => ("hexagon", "#fff3e0", "#e65100"),
        NodeKind::NatGateway => ("hexagon", "#e0f7fa", "#00838f"),
        NodeKind::ControlPlane => ("box3d", "#fbe9e7", "#bf360c"),
        NodeKind::DatabricksServices => ("box3d", "#fce4ec", "#ad1457"),
        NodeKind::Storage => ("cylinder", "#fffde7", "#a67c00"),
        NodeKind::Repositories => ("folder", "#eceff1", "#37474f"),
    }
}

pub fn render(t: &Topology) -> String {
    let ix = t.index();
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for (i, n) in t.nodes.iter().enumerate() {
        ids.insert(n.id.as_str(), format!("n{i}"));
    }
    let mut out = String::from("digraph topology {\n");
    let _ = writeln!(
        out,
        "    graph [rankdir=LR, compound=true, newrank=true, nodesep=0.3, ranksep=1.2, fontname=\"Helvetica\", labelloc=t, label={}];",
        quote(&t.title)
    );
    out.push_str("    node [style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=9];\n");
    let node = |out: &mut String, indent: &str, n: &super::Node| {
        let (shape, fill, stroke) = attrs(n.kind);
        let mut text = n.label.clone();
        for d in &n.detail {
            text.push('\n');
            text.push_str(d);
        }
        let _ = writeln!(
            out,
            "{indent}{} [label={}, shape={shape}, fillcolor=\"{fill}\", color=\"{stroke}\", tooltip={}];",
            ids[n.id.as_str()],
            quote(&text),
            quote(&n.id)
        );
    };
    for (i, g) in t.groups.iter().enumerate() {
        let _ = writeln!(out, "    subgraph cluster_{i} {{");
        let _ = writeln!(
            out,
            "        label={}; style=\"rounded,filled\"; fillcolor=\"#f0f7ff\"; color=\"#7fb3e6\";",
            quote(&format!("{}\n{}", g.label, g.detail))
        );
        for n in ix.members(&g.id) {
            node(&mut out, "        ", n);
        }
        out.push_str("    }\n");
    }
    for n in t.nodes.iter().filter(|n| n.group.is_none()) {
        node(&mut out, "    ", n);
    }
    let cluster = |gid: &str| ix.group_position(gid);
    let anchor = |gid: &str| ix.members(gid).next().map(|n| ids[n.id.as_str()].clone());
    for e in &t.edges {
        let colour = e.kind.colour();
        let style = if e.kind.dashed() { "dashed" } else { "solid" };
        let tooltip = quote(&e.flows.join("\n"));
        match e.kind {
            EdgeKind::Peering => {
                let (Some(a), Some(b), Some(ca), Some(cb)) =
                    (anchor(&e.from), anchor(&e.to), cluster(&e.from), cluster(&e.to))
                else {
                    continue;
                };
                let _ = writeln!(
                    out,
                    "    {a} -> {b} [dir=none, ltail=cluster_{ca}, lhead=cluster_{cb}, style={style}, color=\"{colour}\", label={}, tooltip={tooltip}];",
                    quote(&e.label)
                );
            }
            _ => {
                let (Some(a), Some(b)) = (ids.get(e.from.as_str()), ids.get(e.to.as_str())) else { continue };
                let dir = if e.kind == EdgeKind::Attachment { ", dir=none" } else { "" };
                let _ = writeln!(
                    out,
                    "    {a} -> {b} [color=\"{colour}\", fontcolor=\"{colour}\", style={style}, penwidth=1.6{dir}, label={}, tooltip={tooltip}];",
                    quote(&e.label)
                );
            }
        }
    }
    out.push_str("}\n");
    out
}
