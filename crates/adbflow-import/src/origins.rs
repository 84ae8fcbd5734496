//! Fill every element's `origin` from the positions a reader recorded, so each later verdict can
//! point at `FILE:LINE:COL`.
//!
//! Readers record the start of every table/object and array by its path in the document
//! (`vnets[0].subnets[1]`); this module knows where each element kind sits in that tree.

use crate::position::LineIndex;
use adbflow_model::{Estate, Origin, SharedStr};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Table,
    Array,
}

/// Path in the document → (byte offset of its first character, what it is). Hashed, not ordered:
/// it is only ever asked for one path, and a 1,000-workspace file records ~170,000 of them, long
/// strings sharing long prefixes that an ordered map compares again at every level. foldhash
/// (the hasher hashbrown defaults to) with a fixed seed: the keys are the user's own file.
pub(crate) type Positions = HashMap<Box<str>, (usize, Shape), foldhash::fast::FixedState>;

/// Appends an array index in the paths' spelling, `[i]`: every element of every array of a file
/// gets one, and `core::fmt` for each was a few per cent of reading a large estate.
pub(crate) fn push_index(path: &mut String, i: usize) {
    path.push('[');
    path.push_str(itoa::Buffer::new().format(i));
    path.push(']');
}

/// An element written as an array: serde accepts a struct as a sequence of its fields in
/// declaration order, which would make the file depend on field order. We refuse it.
pub(crate) struct ShapeError {
    pub offset: usize,
    pub message: String,
}

struct Placer<'a> {
    /// One allocation shared by every origin in the file.
    file: SharedStr,
    index: &'a LineIndex<'a>,
    positions: &'a Positions,
    shape_error: Option<ShapeError>,
    /// The path of the element being placed, reused: a file has ~170,000 elements.
    buf: String,
}

impl Placer<'_> {
    fn at(&mut self, path: &str) -> Option<Origin> {
        match self.positions.get(path) {
            Some(&(offset, shape)) => {
                if shape == Shape::Array && self.shape_error.is_none() {
                    let what = if path.is_empty() { "the estate" } else { path };
                    self.shape_error = Some(ShapeError {
                        offset,
                        message: format!(
                            "{what} is written as an array; write it as a table (JSON object) with named keys"
                        ),
                    });
                }
                let (line, column) = self.index.position(offset);
                Some(Origin::File { file: self.file.clone(), line, column })
            }
            // Every element a reader produced has a recorded position; this keeps an origin even
            // if a future reader forgets one.
            None => Some(Origin::Path { file: self.file.clone(), path: path.into() }),
        }
    }

    /// The origin of `parent.field[i]` (`field[i]` at the top level).
    fn item(&mut self, parent: &str, field: &str, i: usize) -> Option<Origin> {
        let mut path = std::mem::take(&mut self.buf);
        path.clear();
        if !parent.is_empty() {
            path.push_str(parent);
            path.push('.');
        }
        path.push_str(field);
        push_index(&mut path, i);
        let origin = self.at(&path);
        self.buf = path;
        origin
    }
}

macro_rules! flat {
    ($p:expr, $e:expr, $field:ident) => {
        for (i, x) in $e.$field.iter_mut().enumerate() {
            x.origin = $p.item("", stringify!($field), i);
        }
    };
}

pub(crate) fn fill(
    estate: &mut Estate,
    file: &str,
    index: &LineIndex,
    positions: &Positions,
) -> Result<(), ShapeError> {
    let mut p = Placer { file: file.into(), index, positions, shape_error: None, buf: String::new() };
    estate.origin = p.at("");
    for (i, v) in estate.vnets.iter_mut().enumerate() {
        let path = format!("vnets[{i}]");
        v.origin = p.at(&path);
        for (j, s) in v.subnets.iter_mut().enumerate() {
            s.origin = p.item(&path, "subnets", j);
        }
    }
    for (i, n) in estate.nsgs.iter_mut().enumerate() {
        let path = format!("nsgs[{i}]");
        n.origin = p.at(&path);
        for (j, r) in n.rules.iter_mut().enumerate() {
            r.origin = p.item(&path, "rules", j);
        }
    }
    for (i, t) in estate.route_tables.iter_mut().enumerate() {
        let path = format!("route_tables[{i}]");
        t.origin = p.at(&path);
        for (j, r) in t.routes.iter_mut().enumerate() {
            r.origin = p.item(&path, "routes", j);
        }
    }
    for (i, z) in estate.private_dns_zones.iter_mut().enumerate() {
        let path = format!("private_dns_zones[{i}]");
        z.origin = p.at(&path);
        for (j, r) in z.records.iter_mut().enumerate() {
            r.origin = p.item(&path, "records", j);
        }
        for (j, l) in z.links.iter_mut().enumerate() {
            l.origin = p.item(&path, "links", j);
        }
    }
    for (i, pol) in estate.firewall_policies.iter_mut().enumerate() {
        let path = format!("firewall_policies[{i}]");
        pol.origin = p.at(&path);
        for (j, g) in pol.rule_collection_groups.iter_mut().enumerate() {
            let gpath = format!("{path}.rule_collection_groups[{j}]");
            g.origin = p.at(&gpath);
            for (k, c) in g.rule_collections.iter_mut().enumerate() {
                let cpath = format!("{gpath}.rule_collections[{k}]");
                c.origin = p.at(&cpath);
                for (l, r) in c.rules.iter_mut().enumerate() {
                    r.origin = p.item(&cpath, "rules", l);
                }
            }
        }
    }
    for (i, w) in estate.workspaces.iter_mut().enumerate() {
        let path = format!("workspaces[{i}]");
        w.origin = p.at(&path);
        for (j, l) in w.external_locations.iter_mut().enumerate() {
            l.origin = p.item(&path, "external_locations", j);
        }
        for (j, l) in w.ip_access_lists.iter_mut().enumerate() {
            l.origin = p.item(&path, "ip_access_lists", j);
        }
    }
    flat!(p, estate, application_security_groups);
    flat!(p, estate, nat_gateways);
    flat!(p, estate, public_ips);
    flat!(p, estate, public_ip_prefixes);
    flat!(p, estate, load_balancers);
    flat!(p, estate, peerings);
    flat!(p, estate, gateways);
    flat!(p, estate, private_endpoints);
    flat!(p, estate, endpoints);
    flat!(p, estate, service_endpoint_policies);
    flat!(p, estate, firewalls);
    flat!(p, estate, ip_groups);
    flat!(p, estate, storage_accounts);
    match p.shape_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
