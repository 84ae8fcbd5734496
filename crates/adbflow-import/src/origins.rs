//! Fill every element's `origin` from the positions a reader recorded, so each later verdict can
//! point at `FILE:LINE:COL`.
//!
//! Readers record the start of every table/object and array ([`DocTree`]); this module knows
//! where each element kind sits in that tree, and walks it beside the estate.

use crate::doc_tree::{DocTree, Items, NodeId, Shape};
use crate::position::LineIndex;
use adbflow_model::{Estate, Origin, SharedStr};

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
    tree: &'a DocTree,
    shape_error: Option<ShapeError>,
}

impl<'a> Placer<'a> {
    /// The origin of the element recorded as `node`; `path` (`vnets[0].subnets[1]`) spells
    /// where it is, and is only worked out when it is needed: for an element written as an
    /// array, or one no position was recorded for.
    fn at(&mut self, node: Option<NodeId>, path: impl FnOnce() -> String) -> Option<Origin> {
        match node.and_then(|n| self.tree.at(n)) {
            Some((offset, shape)) => {
                if shape == Shape::Array && self.shape_error.is_none() {
                    let path = path();
                    let what = if path.is_empty() { "the estate" } else { path.as_str() };
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
            None => Some(Origin::Path { file: self.file.clone(), path: path().into() }),
        }
    }

    /// The elements of the array under `field` of `parent`.
    fn items(&self, parent: Option<NodeId>, field: &str) -> Items<'a> {
        self.tree.items(self.tree.member(parent, field))
    }
}

/// `parent.field[i]`, or `field[i]` at the top level.
fn item_path(parent: &str, field: &str, i: usize) -> String {
    let mut path = String::with_capacity(parent.len() + field.len() + 8);
    if !parent.is_empty() {
        path.push_str(parent);
        path.push('.');
    }
    path.push_str(field);
    push_index(&mut path, i);
    path
}

/// Each element of `$owner.$field`, an array written under the key `$field` of the element
/// recorded as `$parent` (whose path `$parent_path()` spells): its origin, then `$body` with `$x`,
/// `$node` and `$path` bound to the element, its node and a closure spelling its path.
macro_rules! place {
    ($p:ident, $parent:expr, $parent_path:expr, $owner:ident . $field:ident) => {
        place!($p, $parent, $parent_path, $owner.$field, |_x, _node, _path| {})
    };
    ($p:ident, $parent:expr, $parent_path:expr, $owner:ident . $field:ident, |$x:ident, $node:ident, $path:ident| $body:block) => {{
        let mut items = $p.items($parent, stringify!($field));
        for (i, $x) in $owner.$field.iter_mut().enumerate() {
            let $node = items.get(i);
            let $path = || item_path(&$parent_path(), stringify!($field), i);
            $x.origin = $p.at($node, &$path);
            $body
        }
    }};
}

pub(crate) fn fill(
    estate: &mut Estate,
    file: &str,
    index: &LineIndex,
    tree: &DocTree,
) -> Result<(), ShapeError> {
    let mut p = Placer { file: file.into(), index, tree, shape_error: None };
    let root = tree.root();
    let top = String::new;
    estate.origin = p.at(root, top);
    place!(p, root, top, estate.vnets, |v, node, path| {
        place!(p, node, path, v.subnets);
    });
    place!(p, root, top, estate.nsgs, |n, node, path| {
        place!(p, node, path, n.rules);
    });
    place!(p, root, top, estate.route_tables, |t, node, path| {
        place!(p, node, path, t.routes);
    });
    place!(p, root, top, estate.private_dns_zones, |z, node, path| {
        place!(p, node, path, z.records);
        place!(p, node, path, z.links);
    });
    place!(p, root, top, estate.firewall_policies, |pol, node, path| {
        place!(p, node, path, pol.rule_collection_groups, |g, gnode, gpath| {
            place!(p, gnode, gpath, g.rule_collections, |c, cnode, cpath| {
                place!(p, cnode, cpath, c.rules);
            });
        });
    });
    place!(p, root, top, estate.workspaces, |w, node, path| {
        place!(p, node, path, w.external_locations);
        place!(p, node, path, w.ip_access_lists);
    });
    place!(p, root, top, estate.application_security_groups);
    place!(p, root, top, estate.nat_gateways);
    place!(p, root, top, estate.public_ips);
    place!(p, root, top, estate.public_ip_prefixes);
    place!(p, root, top, estate.load_balancers);
    place!(p, root, top, estate.peerings);
    place!(p, root, top, estate.gateways);
    place!(p, root, top, estate.private_endpoints);
    place!(p, root, top, estate.endpoints);
    place!(p, root, top, estate.service_endpoint_policies);
    place!(p, root, top, estate.firewalls);
    place!(p, root, top, estate.ip_groups);
    place!(p, root, top, estate.storage_accounts);
    match p.shape_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
