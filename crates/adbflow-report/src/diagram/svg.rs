//! The topology as a standalone SVG, drawn by adbflow itself (no Graphviz at run time). Every
//! node and edge carries a class and a `<title>` (the full text, shown as a tooltip), so the
//! picture stays readable when labels are shortened to fit.

use super::layout::{layout, Curve, Layout, Rect, LABEL_H, LINE_H, NODE_PAD};
use super::{EdgeKind, EdgeVerdict, GroupKind, NodeKind, Topology};
use std::fmt::Write;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Shorten to `max` characters with an ellipsis.
pub fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

fn style(kind: NodeKind) -> (&'static str, &'static str, &'static str) {
    // (fill, stroke, class)
    match kind {
        NodeKind::Users => ("#e3f2fd", "#1565c0", "users"),
        NodeKind::Subnet => ("#ffffff", "#455a64", "subnet"),
        NodeKind::PrivateEndpoint => ("#f3e5f5", "#6a1b9a", "private-endpoint"),
        NodeKind::Firewall => ("#fff3e0", "#e65100", "firewall"),
        NodeKind::NatGateway => ("#e0f7fa", "#00838f", "nat-gateway"),
        NodeKind::ControlPlane => ("#fbe9e7", "#bf360c", "control-plane"),
        NodeKind::DatabricksServices => ("#fce4ec", "#ad1457", "databricks-services"),
        NodeKind::Storage => ("#fffde7", "#a67c00", "storage"),
        NodeKind::Repositories => ("#eceff1", "#37474f", "repositories"),
    }
}

fn edge_class(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::Attachment => "attachment",
        EdgeKind::Peering => "peering",
        EdgeKind::Flow(EdgeVerdict::Delivered) => "flow delivered",
        EdgeKind::Flow(EdgeVerdict::Blocked) => "flow blocked",
        EdgeKind::Flow(EdgeVerdict::BlockedOptional) => "flow blocked-optional",
    }
}

fn marker(k: EdgeKind) -> Option<&'static str> {
    match k {
        EdgeKind::Attachment | EdgeKind::Peering => None,
        EdgeKind::Flow(v) => Some(v.as_str()),
    }
}

fn curve_d(c: &Curve) -> String {
    format!(
        "M{:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
        c.start.x, c.start.y, c.c1.x, c.c1.y, c.c2.x, c.c2.y, c.end.x, c.end.y
    )
}

fn text(out: &mut String, x: i32, y: i32, class: &str, s: &str) {
    let _ = writeln!(out, r#"<text x="{x}" y="{y}" class="{class}">{}</text>"#, escape(s));
}

/// Render with a layout computed here.
pub fn render(t: &Topology) -> String {
    render_with(t, &layout(t))
}

pub fn render_with(t: &Topology, l: &Layout) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="adbflow-topology" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="adbflow-topology-title">"#,
        w = l.width,
        h = l.height
    );
    let _ = writeln!(out, r#"<title id="adbflow-topology-title">{}</title>"#, escape(&t.title));
    out.push_str(concat!(
        "<style>",
        "text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif;fill:#1f2933}",
        ".title{font-size:16px;font-weight:600}.label{font-size:12px;font-weight:600}",
        ".detail{font-size:10.5px;fill:#52606d}.group-label{font-size:12.5px;font-weight:700;fill:#334e68}",
        ".group-detail{font-size:10.5px;fill:#627d98}",
        ".edge-label{font-size:10px;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}",
        ".legend{font-size:11px}",
        "</style>\n"
    ));
    out.push_str("<defs>\n");
    for v in [EdgeVerdict::Delivered, EdgeVerdict::Blocked, EdgeVerdict::BlockedOptional] {
        let _ = writeln!(
            out,
            r#"<marker id="adbflow-arrow-{}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{}"/></marker>"#,
            v.as_str(),
            v.colour()
        );
    }
    out.push_str("</defs>\n");
    let _ =
        writeln!(out, r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##, l.width, l.height);
    text(&mut out, 20, 34, "title", &t.title);

    for g in &t.groups {
        let Some(r) = l.groups.get(&g.id) else { continue };
        let (fill, stroke) = match g.kind {
            GroupKind::Vnet => ("#f0f7ff", "#7fb3e6"),
            GroupKind::Azure => ("#fafafa", "#bdbdbd"),
        };
        let _ = writeln!(
            out,
            r#"<g class="group {}" data-id="{}"><title>{} {}</title>"#,
            match g.kind {
                GroupKind::Vnet => "vnet",
                GroupKind::Azure => "azure",
            },
            escape(&g.id),
            escape(&g.label),
            escape(&g.detail)
        );
        let _ = writeln!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="10" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"#,
            r.x, r.y, r.w, r.h
        );
        text(&mut out, r.x + 12, r.y + 17, "group-label", &fit(&g.label, 36));
        text(&mut out, r.x + 12, r.y + 30, "group-detail", &fit(&g.detail, 44));
        out.push_str("</g>\n");
    }

    // Edges below nodes, so nodes stay legible where curves meet them.
    for (e, c) in t.edges.iter().zip(&l.edges) {
        let Some(c) = c else { continue };
        let dash = if e.kind.dashed() { r#" stroke-dasharray="6 4""# } else { "" };
        let width = match e.kind {
            EdgeKind::Flow(_) => "2",
            _ => "1.4",
        };
        let end =
            marker(e.kind).map(|m| format!(r#" marker-end="url(#adbflow-arrow-{m})""#)).unwrap_or_default();
        let _ = writeln!(
            out,
            r#"<g class="edge {}" data-from="{}" data-to="{}"><title>{}</title>"#,
            edge_class(e.kind),
            escape(&e.from),
            escape(&e.to),
            escape(&e.flows.join("\n"))
        );
        let _ = writeln!(
            out,
            r#"<path d="{}" fill="none" stroke="{}" stroke-width="{width}"{dash}{end}/>"#,
            curve_d(c),
            e.kind.colour()
        );
        out.push_str("</g>\n");
    }

    for n in &t.nodes {
        let Some(r) = l.nodes.get(&n.id) else { continue };
        node(&mut out, n, *r);
    }
    // Labels last: on top of everything, with a white halo.
    for (e, c) in t.edges.iter().zip(&l.edges) {
        let Some(c) = c else { continue };
        if e.label.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" class="edge-label {}" fill="{}"><title>{}</title>{}</text>"#,
            c.label_at.x,
            c.label_at.y - 3.0,
            edge_class(e.kind),
            e.kind.colour(),
            escape(&e.flows.join("\n")),
            escape(&fit(&e.label, super::layout::LABEL_MAX_CHARS))
        );
    }
    legend(&mut out, l);
    out.push_str("</svg>\n");
    out
}

fn node(out: &mut String, n: &super::Node, r: Rect) {
    let (fill, stroke, class) = style(n.kind);
    let mut tip = n.label.clone();
    for d in &n.detail {
        tip.push('\n');
        tip.push_str(d);
    }
    let _ = writeln!(
        out,
        r#"<g class="node {class}" data-id="{}"><title>{}</title>"#,
        escape(&n.id),
        escape(&tip)
    );
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"#,
        r.x, r.y, r.w, r.h
    );
    let x = r.x + 9;
    let mut y = r.y + NODE_PAD + 12;
    text(out, x, y, "label", &fit(&n.label, 33));
    y += LABEL_H - 12 + 11;
    for d in &n.detail {
        text(out, x, y, "detail", &fit(d, 40));
        y += LINE_H;
    }
    out.push_str("</g>\n");
}

fn legend(out: &mut String, l: &Layout) {
    let y = l.legend_y + 14;
    let items: [(&str, &str, bool, &str); 5] = [
        ("delivered", EdgeVerdict::Delivered.colour(), false, "flow delivered"),
        ("blocked", EdgeVerdict::Blocked.colour(), true, "required flow blocked"),
        ("blocked-optional", EdgeVerdict::BlockedOptional.colour(), true, "optional / by-design block"),
        ("attachment", EdgeKind::Attachment.colour(), false, "subnet uses NAT gateway"),
        ("peering", EdgeKind::Peering.colour(), true, "VNet peering"),
    ];
    let _ = writeln!(out, r#"<g class="legend">"#);
    let mut x = 20;
    for (class, colour, dashed, label) in items {
        let dash = if dashed { r#" stroke-dasharray="6 4""# } else { "" };
        let _ = writeln!(
            out,
            r#"<line class="legend-{class}" x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2"{dash}/>"#,
            x + 34
        );
        text(out, x + 40, y + 4, "legend", label);
        x += 48 + label.len() as i32 * 6 + 24;
    }
    text(out, 20, y + 22, "legend", "Hover a line for its flows; worker-to-worker traffic stays inside each subnet (see the path summary).");
    out.push_str("</g>\n");
}
