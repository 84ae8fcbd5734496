//! The topology model and its three writers: SVG is well-formed XML with every node and edge of the
//! model, mermaid passes a structural syntax check, DOT parses with Graphviz when it is installed
//! (required in CI), and all three are byte-for-byte repeatable.

mod common;

use adbflow_report::diagram::{self, EdgeKind, EdgeVerdict, NodeKind, Topology};
use common::{assessed, broken, pattern, PATTERNS};
use std::collections::BTreeSet;

fn topo(e: &adbflow_model::Estate) -> Topology {
    let a = assessed(e);
    diagram::topology(&a.prepared.estate, &a.check)
}

#[test]
fn non_pl_topology_routes_control_plane_through_the_nat_gateway() {
    let t = topo(&pattern("non-pl"));
    for id in [
        "subnet:adb-vnet/host",
        "subnet:adb-vnet/container",
        "nat-gateway:adb-nat",
        "databricks-control-plane",
    ] {
        assert!(t.node(id).is_some(), "{id}");
    }
    let e = t
        .edges
        .iter()
        .find(|e| e.from == "nat-gateway:adb-nat" && e.to == "databricks-control-plane")
        .expect("NAT → control plane");
    assert!(e.label.contains("scc-relay") && e.label.contains("webapp"), "{}", e.label);
    assert_eq!(e.kind, EdgeKind::Flow(EdgeVerdict::Delivered));
    // Storage through the service endpoint goes straight to the account.
    assert!(t
        .edges
        .iter()
        .any(|e| e.from == "subnet:adb-vnet/host" && e.to == "storage-account:adbdatalake"));
}

#[test]
fn blocked_flows_are_red_edges() {
    let t = topo(&broken());
    let red: Vec<_> = t.edges.iter().filter(|e| e.kind == EdgeKind::Flow(EdgeVerdict::Blocked)).collect();
    assert!(!red.is_empty());
    let relay = red
        .iter()
        .find(|e| e.from == "subnet:adb-vnet/container" && e.to == "databricks-control-plane")
        .expect("container → control plane blocked");
    assert!(
        relay.label.starts_with("✗ ") && relay.label.contains("NO_OUTBOUND_CONNECTIVITY"),
        "{}",
        relay.label
    );
    let svg = diagram::svg::render(&t);
    assert!(svg.contains(r#"class="edge flow blocked""#));
    assert!(svg.contains(r##"stroke="#c62828""##));
}

#[test]
fn full_private_draws_private_endpoints_and_the_transit_network() {
    let t = topo(&pattern("full-private"));
    let pe = t.node("private-endpoint:adb-backend-pe").expect("back-end PE");
    assert_eq!(pe.kind, NodeKind::PrivateEndpoint);
    assert_eq!(pe.group.as_deref(), Some("vnet:adb-vnet"));
    assert!(t
        .edges
        .iter()
        .any(|e| e.from == "private-endpoint:adb-backend-pe" && e.to == "databricks-control-plane"));
    assert_eq!(t.node("subnet:transit-vnet/clients").unwrap().kind, NodeKind::Users);
}

#[test]
fn hub_spoke_draws_the_firewall_and_the_peering() {
    let t = topo(&pattern("hub-spoke"));
    assert_eq!(t.node("firewall:hub-fw").unwrap().kind, NodeKind::Firewall);
    assert!(t
        .edges
        .iter()
        .any(|e| e.kind == EdgeKind::Peering && e.from == "vnet:adb-spoke" && e.to == "vnet:hub-vnet"));
    assert!(t.edges.iter().any(|e| e.from == "firewall:hub-fw" && e.to == "package-repositories"));
}

/// Parse the SVG as XML and check it holds exactly the model's nodes and edges.
#[test]
fn svg_is_well_formed_and_complete() {
    for p in PATTERNS {
        let t = topo(&pattern(p));
        let svg = diagram::svg::render(&t);
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{p}: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
        let w: f64 = root.attribute("width").unwrap().parse().unwrap();
        assert!(w > 600.0, "{p}: {w}");
        let ids: BTreeSet<&str> = doc
            .descendants()
            .filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("node ")))
            .filter_map(|n| n.attribute("data-id"))
            .collect();
        let want: BTreeSet<&str> = t.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, want, "{p}");
        let edges = doc
            .descendants()
            .filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("edge ")))
            .count();
        assert_eq!(edges, t.edges.len(), "{p}");
        // Every marker reference resolves.
        for n in doc.descendants().filter_map(|n| n.attribute("marker-end")) {
            let id = n.trim_start_matches("url(#").trim_end_matches(')');
            assert!(doc.descendants().any(|m| m.attribute("id") == Some(id)), "{p}: {id}");
        }
    }
}

#[test]
fn svg_nodes_do_not_overlap() {
    for p in PATTERNS {
        let t = topo(&pattern(p));
        let l = diagram::layout::layout(&t);
        let rects: Vec<_> = l.nodes.values().collect();
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                let overlap = a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom();
                assert!(!overlap, "{p}: {a:?} overlaps {b:?}");
            }
        }
        for (id, r) in &l.nodes {
            if let Some(g) = t.node(id).and_then(|n| n.group.clone()) {
                let gr = l.groups[&g];
                assert!(
                    r.x >= gr.x && r.right() <= gr.right() && r.y >= gr.y && r.bottom() <= gr.bottom(),
                    "{p}: {id}"
                );
            }
        }
    }
}

/// A structural check of mermaid flowchart syntax: one header, balanced `subgraph`/`end`, every
/// edge between declared IDs, labels quoted with no raw quote inside, `linkStyle` indices in range.
fn check_mermaid(text: &str) -> Result<(), String> {
    let body: Vec<&str> = text.lines().skip_while(|l| *l != "flowchart LR").collect();
    if body.first() != Some(&"flowchart LR") {
        return Err("no flowchart LR header".into());
    }
    let mut depth = 0i32;
    let mut declared = BTreeSet::new();
    let mut edges = 0usize;
    for line in &body[1..] {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        let id: String = l.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if let Some(rest) = l.strip_prefix("subgraph ") {
            depth += 1;
            let gid: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            declared.insert(gid);
        } else if l == "end" {
            depth -= 1;
            if depth < 0 {
                return Err("end without subgraph".into());
            }
        } else if l.starts_with("direction ") || l.starts_with("classDef ") {
        } else if let Some(rest) = l.strip_prefix("linkStyle ") {
            let n: usize = rest.split_whitespace().next().unwrap().parse().map_err(|_| l.to_string())?;
            if n >= edges {
                return Err(format!("linkStyle {n} but {edges} edges"));
            }
        } else if let Some(arrow) =
            ["-.->", "-->", "---", "-.-"].iter().find(|a| l.contains(&format!(" {a}")))
        {
            let (from, rest) = l.split_once(&format!(" {arrow}")).unwrap();
            let to = rest.rsplit(' ').next().unwrap();
            for end in [from, to] {
                if !declared.contains(end) {
                    return Err(format!("edge end {end} not declared: {l}"));
                }
            }
            if let Some(lbl) = rest.strip_prefix("|\"") {
                let inner = lbl.rsplit_once("\"|").ok_or(format!("unterminated label: {l}"))?.0;
                if inner.contains('"') {
                    return Err(format!("raw quote in label: {l}"));
                }
            }
            edges += 1;
        } else if !id.is_empty() && l.contains("[\"")
            || l.contains("([\"")
            || l.contains("{{\"")
            || l.contains("[(\"")
        {
            let q = l.matches('"').count();
            if q != 2 {
                return Err(format!("node label must be one quoted string: {l}"));
            }
            if !l.contains(":::") {
                return Err(format!("node without class: {l}"));
            }
            declared.insert(id);
        } else {
            return Err(format!("unrecognised line: {l}"));
        }
    }
    if depth != 0 {
        return Err("unbalanced subgraph".into());
    }
    if edges == 0 {
        return Err("no edges".into());
    }
    Ok(())
}

#[test]
fn mermaid_flowchart_passes_the_syntax_check() {
    for e in [pattern("non-pl"), pattern("full-private"), pattern("hub-spoke"), broken()] {
        let t = topo(&e);
        let m = diagram::mermaid::render(&t);
        check_mermaid(&m).unwrap_or_else(|err| panic!("{err}\n{m}"));
        assert_eq!(m.matches("linkStyle").count(), t.edges.len());
    }
    // The checker itself rejects what mermaid would.
    assert!(check_mermaid("flowchart LR\n    a --> b\n").is_err());
    assert!(check_mermaid("flowchart LR\n    n0[\"x\"]:::c\n    subgraph g0[\"y\"]\n").is_err());
    assert!(check_mermaid("flowchart LR\n    n0[\"x\"]:::c\n    n1[\"y\"]:::c\n    n0 -->|\"a\"b\"| n1\n")
        .is_err());
}

#[test]
fn mermaid_labels_escape_syntax_characters() {
    assert_eq!(diagram::mermaid::label("a \"b\"; #c|d"), "a #quot;b#quot;#59; #35;c#124;d");
    assert_eq!(diagram::dot::quote("a \"b\"\nc\\"), "\"a \\\"b\\\"\\nc\\\\\"");
}

fn dot_binary() -> Option<&'static str> {
    let ok = std::process::Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success());
    if ok {
        return Some("dot");
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("Graphviz `dot` is required in CI (.ci/run installs Debian's graphviz)");
    }
    eprintln!("notice: Graphviz `dot` not installed; skipping the DOT parse check (CI runs it)");
    None
}

#[test]
fn dot_output_parses_with_graphviz() {
    let Some(dot) = dot_binary() else { return };
    for e in [pattern("non-pl"), pattern("full-private"), pattern("hub-spoke"), broken()] {
        let text = diagram::dot::render(&topo(&e));
        let mut child = std::process::Command::new(dot)
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}\n{text}");
        assert!(!err.to_ascii_lowercase().contains("error") && !err.contains("syntax"), "{err}");
        let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
        let svg = String::from_utf8(out.stdout).unwrap();
        roxmltree::Document::parse_with_options(&svg, opts).expect("Graphviz SVG");
    }
}

#[test]
fn diagrams_are_deterministic() {
    let e = pattern("hub-spoke");
    let (a, b) = (topo(&e), topo(&e));
    assert_eq!(diagram::svg::render(&a), diagram::svg::render(&b));
    assert_eq!(diagram::mermaid::render(&a), diagram::mermaid::render(&b));
    assert_eq!(diagram::dot::render(&a), diagram::dot::render(&b));
}

#[test]
fn mermaid_snapshot_non_pl() {
    insta::assert_snapshot!("mermaid_topology_non_pl", diagram::mermaid::render(&topo(&pattern("non-pl"))));
}

// The Azure services group names each region once, however many workspaces use it.
#[test]
fn the_azure_group_names_each_region_once() {
    let generated = adbflow_gen::generate(&adbflow_gen::GenOptions::new(3, 1)).expect("generates");
    let t = topo(&generated.estate);
    let azure = t.groups.iter().find(|g| g.id == "azure").expect("the Azure services group");
    assert_eq!(azure.detail, adbflow_model::DEFAULT_REGION);
}
