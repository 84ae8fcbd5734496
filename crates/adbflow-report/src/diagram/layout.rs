//! Coordinates for the topology: four columns left to right (users and their networks, workspace
//! networks, egress devices and hubs, destinations), nodes stacked inside their VNet boxes, and
//! every edge a horizontal-tangent Bézier curve between node sides, with the attachment points on
//! each side spread out and ordered by where the other end is, so curves cross as little as a
//! column layout allows. Integer geometry keeps the SVG byte-identical everywhere.

use super::{NodeKind, Topology, TopologyIndex};
use std::collections::BTreeMap;

pub const NODE_W: i32 = 236;
pub const LABEL_H: i32 = 17;
pub const LINE_H: i32 = 14;
pub const NODE_PAD: i32 = 7;
pub const NODE_GAP: i32 = 12;
pub const GROUP_PAD: i32 = 12;
pub const GROUP_TITLE: i32 = 36;
pub const GROUP_GAP: i32 = 22;
pub const COL_GAP: i32 = 200;
pub const MARGIN: i32 = 20;
pub const TITLE_H: i32 = 34;
pub const LEGEND_H: i32 = 40;
/// Between a VNet's subnet lane and its private-endpoint lane.
pub const LANE_GAP: i32 = 64;
/// Height kept free above the egress column for curves from internet users.
pub const USERS_BAND: i32 = 56;
/// Estimated advance of one character of an edge label (10px font).
pub const LABEL_CHAR_W: f64 = 5.7;
pub const LABEL_MAX_CHARS: usize = 34;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    pub fn right(&self) -> i32 {
        self.x + self.w
    }
    pub fn bottom(&self) -> i32 {
        self.y + self.h
    }
    pub fn centre_y(&self) -> i32 {
        self.y + self.h / 2
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// One edge's curve: start, two control points, end, and where its label goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub start: Point,
    pub c1: Point,
    pub c2: Point,
    pub end: Point,
    pub label_at: Point,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: i32,
    pub height: i32,
    pub nodes: BTreeMap<String, Rect>,
    pub groups: BTreeMap<String, Rect>,
    /// One per `Topology::edges` entry, same order; `None` when an end is missing.
    pub edges: Vec<Option<Curve>>,
    /// Top of the legend band.
    pub legend_y: i32,
}

pub fn node_height(detail_lines: usize) -> i32 {
    NODE_PAD * 2 + LABEL_H + LINE_H * detail_lines as i32
}

/// Private endpoints get their own lane to the right of the subnets in their VNet, so flows run
/// left to right through them.
fn lane(kind: NodeKind) -> usize {
    usize::from(kind == NodeKind::PrivateEndpoint)
}

fn group_lanes(ix: &TopologyIndex<'_>, gid: &str) -> usize {
    let lanes: Vec<usize> = ix.members(gid).map(|n| lane(n.kind)).collect();
    if lanes.contains(&0) && lanes.contains(&1) {
        2
    } else {
        1
    }
}

fn group_width(lanes: usize) -> i32 {
    NODE_W * lanes as i32 + LANE_GAP * (lanes as i32 - 1) + 2 * GROUP_PAD
}

enum Item<'a> {
    Free(&'a str),
    Group(&'a str),
}

fn column_items(t: &Topology, col: u8) -> Vec<Item<'_>> {
    let free = |pred: &dyn Fn(NodeKind) -> bool| -> Vec<Item<'_>> {
        t.nodes
            .iter()
            .filter(|n| n.column == col && n.group.is_none() && pred(n.kind))
            .map(|n| Item::Free(n.id.as_str()))
            .collect()
    };
    let mut items = free(&|k| matches!(k, NodeKind::Users | NodeKind::NatGateway));
    items.extend(t.groups.iter().filter(|g| g.column == col).map(|g| Item::Group(g.id.as_str())));
    items.extend(free(&|k| !matches!(k, NodeKind::Users | NodeKind::NatGateway)));
    items
}

pub fn layout(t: &Topology) -> Layout {
    let ix = t.index();
    let mut nodes = BTreeMap::new();
    let mut groups = BTreeMap::new();
    let columns: Vec<u8> = {
        let mut c: Vec<u8> =
            t.nodes.iter().map(|n| n.column).chain(t.groups.iter().map(|g| g.column)).collect();
        c.sort();
        c.dedup();
        c
    };
    // First pass: heights per column, relative to the column's top; x offsets relative to the
    // column's left edge.
    struct Placed {
        id: String,
        is_group: bool,
        rel_x: i32,
        rel_y: i32,
        w: i32,
        h: i32,
    }
    let mut col_heights = Vec::new();
    let mut col_widths = Vec::new();
    let mut placed: Vec<Vec<Placed>> = Vec::new();
    for &col in &columns {
        let items = column_items(t, col);
        let width = items
            .iter()
            .map(|i| match i {
                Item::Free(_) => NODE_W,
                Item::Group(g) => group_width(group_lanes(&ix, g)),
            })
            .max()
            .unwrap_or(NODE_W);
        let mut y = 0;
        let mut list = Vec::new();
        for item in items {
            match item {
                Item::Free(id) => {
                    let Some(n) = ix.node(id) else { continue };
                    let h = node_height(n.detail.len());
                    list.push(Placed {
                        id: id.to_string(),
                        is_group: false,
                        rel_x: (width - NODE_W) / 2,
                        rel_y: y,
                        w: NODE_W,
                        h,
                    });
                    y += h + GROUP_GAP;
                }
                Item::Group(gid) => {
                    let lanes = group_lanes(&ix, gid);
                    let gw = group_width(lanes);
                    let gx = (width - gw) / 2;
                    let start = y;
                    let mut inner = [start + GROUP_TITLE; 2];
                    let mut members = Vec::new();
                    for n in ix.members(gid) {
                        let l = if lanes == 2 { lane(n.kind) } else { 0 };
                        let h = node_height(n.detail.len());
                        let nx = gx + GROUP_PAD + l as i32 * (NODE_W + LANE_GAP);
                        members.push(Placed {
                            id: n.id.clone(),
                            is_group: false,
                            rel_x: nx,
                            rel_y: inner[l],
                            w: NODE_W,
                            h,
                        });
                        inner[l] += h + NODE_GAP;
                    }
                    let bottom = inner[0].max(inner[1]);
                    let gh = (bottom - NODE_GAP + GROUP_PAD - start).max(GROUP_TITLE + GROUP_PAD);
                    list.push(Placed {
                        id: gid.to_string(),
                        is_group: true,
                        rel_x: gx,
                        rel_y: start,
                        w: gw,
                        h: gh,
                    });
                    list.extend(members);
                    y = start + gh + GROUP_GAP;
                }
            }
        }
        col_heights.push((y - GROUP_GAP).max(0));
        col_widths.push(width);
        placed.push(list);
    }
    let users_on_top =
        t.nodes.iter().any(|n| n.column == 0 && n.group.is_none() && n.kind == NodeKind::Users);
    if users_on_top {
        if let Some(i) = columns.iter().position(|&c| c == 2) {
            col_heights[i] += USERS_BAND;
        }
    }
    let content_h = col_heights.iter().copied().max().unwrap_or(0);
    let mut x = MARGIN;
    let top = MARGIN + TITLE_H;
    for (i, list) in placed.iter().enumerate() {
        // Users start at the top, level with the control plane they talk to, and so do egress
        // devices and hubs: the workspace networks and destinations are centred, so curves from the
        // users pass above the networks and direct curves (service endpoints) pass below the hub.
        let offset = match columns[i] {
            0 => top,
            // Leave the band of the users' curve free.
            2 if users_on_top => top + USERS_BAND,
            2 => top,
            _ => top + (content_h - col_heights[i]) / 2,
        };
        for p in list {
            let r = Rect { x: x + p.rel_x, y: offset + p.rel_y, w: p.w, h: p.h };
            if p.is_group {
                groups.insert(p.id.clone(), r);
            } else {
                nodes.insert(p.id.clone(), r);
            }
        }
        x += col_widths[i] + COL_GAP;
    }
    let width = x - COL_GAP + MARGIN;
    let legend_y = top + content_h + 24;
    let height = legend_y + LEGEND_H + MARGIN;
    let mut edges = route(t, &nodes, &groups);
    separate_labels(t, &mut edges);
    Layout { width, height, nodes, groups, edges, legend_y }
}

fn rect_of(id: &str, nodes: &BTreeMap<String, Rect>, groups: &BTreeMap<String, Rect>) -> Option<Rect> {
    nodes.get(id).or_else(|| groups.get(id)).copied()
}

/// Which sides an edge leaves and enters by.
fn sides(a: Rect, b: Rect) -> (Side, Side) {
    if b.x >= a.right() {
        (Side::Right, Side::Left)
    } else if b.right() <= a.x {
        (Side::Left, Side::Right)
    } else {
        (Side::Right, Side::Right)
    }
}

fn route(
    t: &Topology,
    nodes: &BTreeMap<String, Rect>,
    groups: &BTreeMap<String, Rect>,
) -> Vec<Option<Curve>> {
    // Attachment points: per (element, side), the edges ordered by the other end's height.
    let ends: Vec<Option<(Rect, Rect, Side, Side)>> = t
        .edges
        .iter()
        .map(|e| {
            let a = rect_of(&e.from, nodes, groups)?;
            let b = rect_of(&e.to, nodes, groups)?;
            let (sa, sb) = sides(a, b);
            Some((a, b, sa, sb))
        })
        .collect();
    // (element, right side?) → (other end's height, edge index, is this the edge's start)
    type Ports = BTreeMap<(String, bool), Vec<(i32, usize, bool)>>;
    let mut ports: Ports = BTreeMap::new();
    for (i, (e, end)) in t.edges.iter().zip(&ends).enumerate() {
        let Some((a, b, sa, sb)) = end else { continue };
        ports.entry((e.from.clone(), *sa == Side::Right)).or_default().push((b.centre_y(), i, true));
        ports.entry((e.to.clone(), *sb == Side::Right)).or_default().push((a.centre_y(), i, false));
    }
    let mut y_of: BTreeMap<(usize, bool), i32> = BTreeMap::new();
    for ((id, _), list) in ports.iter_mut() {
        list.sort();
        let Some(r) = rect_of(id, nodes, groups) else { continue };
        let n = list.len() as i32;
        for (k, (_, edge, is_start)) in list.iter().enumerate() {
            y_of.insert((*edge, *is_start), r.y + r.h * (k as i32 + 1) / (n + 1));
        }
    }
    ends.iter()
        .enumerate()
        .map(|(i, end)| {
            let (a, b, sa, sb) = (*end)?;
            let sx = if sa == Side::Right { a.right() } else { a.x } as f64;
            let ex = if sb == Side::Right { b.right() } else { b.x } as f64;
            let sy = y_of[&(i, true)] as f64;
            let ey = y_of[&(i, false)] as f64;
            let (c1, c2) = if sa == sb {
                let bulge = 50.0 + (ey - sy).abs() / 6.0;
                let out = sx.max(ex) + bulge;
                (Point { x: out, y: sy }, Point { x: out, y: ey })
            } else {
                let dx = (ex - sx) / 2.0;
                (Point { x: sx + dx, y: sy }, Point { x: ex - dx, y: ey })
            };
            let start = Point { x: sx, y: sy };
            let end = Point { x: ex, y: ey };
            // Labels sit in the gap in front of the destination, clear of any column the curve
            // passes over; a curve that returns to its own column keeps its label at the bulge.
            let label_at = if sa == sb {
                bezier(start, c1, c2, end, 0.5)
            } else {
                let gap = (COL_GAP as f64).min((ex - sx).abs()) / 2.0;
                let target = if ex > sx { ex - gap } else { ex + gap };
                let t = (0..=100)
                    .map(|k| k as f64 / 100.0)
                    .min_by(|a, b| {
                        let da = (bezier(start, c1, c2, end, *a).x - target).abs();
                        let db = (bezier(start, c1, c2, end, *b).x - target).abs();
                        da.total_cmp(&db)
                    })
                    .unwrap_or(0.5);
                bezier(start, c1, c2, end, t)
            };
            Some(Curve { start, c1, c2, end, label_at })
        })
        .collect()
}

/// Move edge labels down until no two overlap (greedy, top to bottom): labels of curves that meet
/// at one node would otherwise print over each other.
fn separate_labels(t: &Topology, curves: &mut [Option<Curve>]) {
    let mut order: Vec<(usize, f64, f64)> = curves
        .iter()
        .enumerate()
        .filter(|(i, _)| !t.edges[*i].label.is_empty())
        .filter_map(|(i, c)| c.as_ref().map(|c| (i, c.label_at.y, c.label_at.x)))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)).then(a.0.cmp(&b.0)));
    // Placed boxes by their bottom edge, so that each try looks only at the boxes whose bottom
    // is within a label's height of its own (comparing with every placed box was quadratic in
    // the edges of an enterprise diagram); the clash test on them is the exact one.
    let mut boxes: BTreeMap<i64, Vec<(f64, f64, f64, f64)>> = BTreeMap::new();
    for (i, _, _) in order {
        let chars = t.edges[i].label.chars().count().min(LABEL_MAX_CHARS) as f64;
        let w = chars * LABEL_CHAR_W + 6.0;
        let Some(c) = curves[i].as_mut() else { continue };
        let (x0, x1) = (c.label_at.x - w / 2.0, c.label_at.x + w / 2.0);
        let mut y = c.label_at.y;
        for _ in 0..40 {
            let clash = boxes
                .range(total_order_key(y - 14.0)..=total_order_key(y + 14.0))
                .flat_map(|(_, placed)| placed)
                .any(|&(bx0, bx1, by0, by1)| x0 < bx1 && bx0 < x1 && y - 13.0 < by1 && by0 < y);
            if !clash {
                break;
            }
            y += 13.0;
        }
        c.label_at.y = y;
        boxes.entry(total_order_key(y)).or_default().push((x0, x1, y - 13.0, y));
    }
}

/// An integer that orders as `f64::total_cmp` orders `x`.
fn total_order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

fn bezier(p0: Point, p1: Point, p2: Point, p3: Point, t: f64) -> Point {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    Point { x: a * p0.x + b * p1.x + c * p2.x + d * p3.x, y: a * p0.y + b * p1.y + c * p2.y + d * p3.y }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_label_index_key_orders_as_total_cmp(a in any::<f64>(), b in any::<f64>()) {
            prop_assert_eq!(total_order_key(a).cmp(&total_order_key(b)), a.total_cmp(&b));
        }
    }

    #[test]
    fn the_key_orders_signed_zeros_and_negatives() {
        let mut xs = [3.5, -0.0, 0.0, -13.0, 1e9, -1e-9, f64::INFINITY, f64::NEG_INFINITY];
        let mut by_key = xs;
        xs.sort_by(f64::total_cmp);
        by_key.sort_by_key(|x| total_order_key(*x));
        assert_eq!(xs.map(f64::to_bits), by_key.map(f64::to_bits));
    }
}
