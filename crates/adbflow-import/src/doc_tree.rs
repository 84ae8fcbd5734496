//! Where each table/object and array of a native document starts: a tree of them in document
//! order, which a reader builds while it reads and `origins` walks beside the estate.
//!
//! Why a tree in one vector and not a map from paths: a 1,000-workspace file has ~310,000
//! objects and arrays. Keyed by path they were as many allocated strings, hashed into a table
//! far larger than the caches; recording them took the scanning core twice as long as the typed
//! parse it ran beside, and looking up and freeing them a fifth of reading, growing faster than
//! the file. Here recording is a push, looking up walks forward through memory in the order it
//! was written, and freeing is one deallocation.

/// Whether a node is a table/object or an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Table,
    Array,
}

/// How a node is reached from its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// The document itself.
    Root,
    /// A member of a table: its key, at `keys[at..at + len]`.
    Key { at: usize, len: usize },
    /// An element of an array, by position (counting every element, not only containers).
    Item(usize),
}

#[derive(Debug, Clone, Copy)]
struct Node {
    /// Byte offset of its first character (`{`, `[`, or a TOML table's header).
    start: usize,
    shape: Shape,
    label: Label,
    /// One past the last node of its subtree: its next sibling, if it has one.
    end: usize,
}

/// A node of a [`DocTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeId(usize);

/// The containers of a document in pre-order, with their members' keys in one string.
#[derive(Debug, Default)]
pub(crate) struct DocTree {
    nodes: Vec<Node>,
    keys: String,
}

/// How a container being opened is reached from its parent.
pub(crate) enum Step<'k> {
    Root,
    Key(&'k str),
    Item(usize),
}

impl DocTree {
    /// Records a container starting at `start`; its children are the containers opened before
    /// the matching [`DocTree::close`].
    pub(crate) fn open(&mut self, step: Step<'_>, start: usize, shape: Shape) -> NodeId {
        let label = match step {
            Step::Root => Label::Root,
            Step::Key(key) => {
                let at = self.keys.len();
                self.keys.push_str(key);
                Label::Key { at, len: key.len() }
            }
            Step::Item(i) => Label::Item(i),
        };
        let id = self.nodes.len();
        self.nodes.push(Node { start, shape, label, end: id + 1 });
        NodeId(id)
    }

    /// Ends the subtree of `id`: every container recorded since it opened is inside it.
    pub(crate) fn close(&mut self, id: NodeId) {
        let end = self.nodes.len();
        if let Some(n) = self.nodes.get_mut(id.0) {
            n.end = end;
        }
    }

    /// Where the container starts and what it is.
    pub(crate) fn at(&self, id: NodeId) -> Option<(usize, Shape)> {
        self.nodes.get(id.0).map(|n| (n.start, n.shape))
    }

    /// The document itself, if it was recorded.
    pub(crate) fn root(&self) -> Option<NodeId> {
        self.nodes.first().filter(|n| n.label == Label::Root).map(|_| NodeId(0))
    }

    fn children(&self, id: NodeId) -> impl Iterator<Item = (NodeId, &Node)> {
        let end = self.nodes.get(id.0).map_or(id.0, |n| n.end);
        let mut next = id.0 + 1;
        std::iter::from_fn(move || {
            let node = self.nodes.get(next).filter(|_| next < end)?;
            let child = (NodeId(next), node);
            // `end` only moves forward; a node that does not would loop for ever.
            next = node.end.max(next + 1);
            Some(child)
        })
    }

    /// The container under key `key` of table `id`. A table's members are few, so a scan.
    pub(crate) fn member(&self, id: Option<NodeId>, key: &str) -> Option<NodeId> {
        self.children(id?).find_map(|(child, n)| match n.label {
            Label::Key { at, len } if self.keys.get(at..at + len) == Some(key) => Some(child),
            _ => None,
        })
    }

    /// The elements of array `id` that are containers, to be asked for in increasing order.
    pub(crate) fn items(&self, id: Option<NodeId>) -> Items<'_> {
        // An absent array has no elements: an empty range.
        let (next, end) =
            id.and_then(|id| self.nodes.get(id.0).map(|n| (id.0 + 1, n.end))).unwrap_or_default();
        Items { tree: self, next, end }
    }

    /// The container at `path` (`vnets[0].subnets[1]`; `""` is the root), for tests. Keys here
    /// hold neither `.` nor `[`.
    #[cfg(test)]
    pub(crate) fn find(&self, path: &str) -> Option<(usize, Shape)> {
        let mut id = self.root();
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            let (key, indices) = seg.split_once('[').map_or((seg, ""), |(k, rest)| (k, rest));
            if !key.is_empty() {
                id = self.member(id, key);
            }
            for i in indices.split('[').filter(|s| !s.is_empty()) {
                let i: usize = i.trim_end_matches(']').parse().ok()?;
                id = self.items(id).get(i);
            }
        }
        self.at(id?)
    }

    /// Containers recorded.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }
}

/// A cursor over an array's elements, each found by moving forward from the last one asked for:
/// walking an array in order costs one step per element.
pub(crate) struct Items<'t> {
    tree: &'t DocTree,
    next: usize,
    end: usize,
}

impl Items<'_> {
    /// Element `i`, if it is a container. `i` below an index already passed is not found.
    pub(crate) fn get(&mut self, i: usize) -> Option<NodeId> {
        while self.next < self.end {
            let node = self.tree.nodes.get(self.next)?;
            match node.label {
                Label::Item(j) if j == i => return Some(NodeId(self.next)),
                Label::Item(j) if j > i => return None,
                _ => self.next = node.end.max(self.next + 1),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{"a": [ {}, 1, [ {} ] ], "b": {}}` by hand.
    fn sample() -> DocTree {
        let mut t = DocTree::default();
        let root = t.open(Step::Root, 0, Shape::Table);
        let a = t.open(Step::Key("a"), 6, Shape::Array);
        let a0 = t.open(Step::Item(0), 8, Shape::Table);
        t.close(a0);
        let a2 = t.open(Step::Item(2), 15, Shape::Array);
        let inner = t.open(Step::Item(0), 17, Shape::Table);
        t.close(inner);
        t.close(a2);
        t.close(a);
        let b = t.open(Step::Key("b"), 30, Shape::Table);
        t.close(b);
        t.close(root);
        t
    }

    #[test]
    fn members_and_items_are_found_below_their_parent_only() {
        let t = sample();
        assert_eq!(t.find(""), Some((0, Shape::Table)));
        assert_eq!(t.find("a"), Some((6, Shape::Array)));
        assert_eq!(t.find("a[0]"), Some((8, Shape::Table)));
        // Element 1 is a scalar: no container.
        assert_eq!(t.find("a[1]"), None);
        assert_eq!(t.find("a[2]"), Some((15, Shape::Array)));
        assert_eq!(t.find("a[2][0]"), Some((17, Shape::Table)));
        assert_eq!(t.find("b"), Some((30, Shape::Table)));
        // `b` is not inside `a`, nor `a`'s elements members of the root.
        assert_eq!(t.find("a[2].b"), None);
        assert_eq!(t.find("a[3]"), None);
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn items_asked_in_order_are_each_found_once() {
        let t = sample();
        let a = t.member(t.root(), "a");
        let mut items = t.items(a);
        assert_eq!(items.get(0).and_then(|id| t.at(id)), Some((8, Shape::Table)));
        assert_eq!(items.get(1), None);
        assert_eq!(items.get(2).and_then(|id| t.at(id)), Some((15, Shape::Array)));
        assert_eq!(items.get(3), None);
        // Of an absent array, nothing.
        assert_eq!(t.items(t.member(t.root(), "zz")).get(0), None);
    }

    #[test]
    fn an_empty_tree_has_no_root() {
        let t = DocTree::default();
        assert_eq!(t.root(), None);
        assert_eq!(t.find(""), None);
    }
}
