//! Reading one attribute of a resource while keeping track of "known after apply".
//!
//! A plan leaves unknown attributes out of `values` and marks them `true` at the same place in
//! `after_unknown`; a `Node` walks both trees side by side so every read can tell a missing value
//! from one Azure will only assign at apply time. State has no unknowns.

use serde_json::Value;
use std::fmt;

/// One step of a node's path. Keys are borrowed (the mapper names attributes by literal), so
/// a step costs no allocation: a plan of 1,000 workspaces reads a million attributes, and
/// copying each parent path's owned keys was 12 % of reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// A value that is there, will be there after apply, or is not set.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<T> {
    Known(T),
    Unknown,
    Absent,
}

impl<T> Val<T> {
    pub(crate) fn known(self) -> Option<T> {
        match self {
            Val::Known(v) => Some(v),
            _ => None,
        }
    }
    pub(crate) fn is_unknown(&self) -> bool {
        matches!(self, Val::Unknown)
    }
}

/// A place inside one resource instance's values.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    value: Option<&'a Value>,
    unknown: Option<&'a Value>,
    /// The resource address the node belongs to, for messages.
    pub(crate) address: &'a str,
    pub(crate) path: Vec<Seg<'a>>,
}

impl<'a> Node<'a> {
    pub(crate) fn root(address: &'a str, values: &'a Value, unknown: &'a Value) -> Self {
        Node { value: Some(values), unknown: Some(unknown), address, path: Vec::new() }
    }

    pub(crate) fn get(&self, key: &'a str) -> Node<'a> {
        let path = self.child_path(Seg::Key(key));
        Node {
            value: self.value.and_then(|v| v.get(key)),
            unknown: self.unknown.and_then(|u| u.get(key)),
            address: self.address,
            path,
        }
    }

    pub(crate) fn at(&self, i: usize) -> Node<'a> {
        let path = self.child_path(Seg::Index(i));
        Node {
            value: self.value.and_then(|v| v.get(i)),
            unknown: self.unknown.and_then(|u| u.get(i)),
            address: self.address,
            path,
        }
    }

    /// This node's path and one step more, allocated once at its final size.
    fn child_path(&self, step: Seg<'a>) -> Vec<Seg<'a>> {
        let mut path = Vec::with_capacity(self.path.len() + 1);
        path.extend_from_slice(&self.path);
        path.push(step);
        path
    }

    fn marked_unknown(&self) -> bool {
        self.unknown == Some(&Value::Bool(true))
    }

    /// The raw JSON value, `null` counting as not set.
    pub(crate) fn raw(&self) -> Val<&'a Value> {
        match self.value {
            Some(v) if !v.is_null() => Val::Known(v),
            _ if self.marked_unknown() => Val::Unknown,
            _ => Val::Absent,
        }
    }

    /// The elements of a list, set or nested block; a non-list reads as absent.
    pub(crate) fn items(&self) -> Val<Vec<Node<'a>>> {
        match self.raw() {
            Val::Known(Value::Array(a)) => Val::Known((0..a.len()).map(|i| self.at(i)).collect()),
            Val::Known(_) | Val::Absent => Val::Absent,
            Val::Unknown => Val::Unknown,
        }
    }

    /// The first block of a nested block list (`network_rules`, `custom_parameters`, …).
    pub(crate) fn block(&self) -> Option<Node<'a>> {
        match self.items() {
            Val::Known(v) => v.into_iter().next(),
            _ => None,
        }
    }

    /// The attribute's path inside the resource, `ip_configuration[0].subnet_id`.
    pub(crate) fn attribute(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Seg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }
}

impl fmt::Display for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.address, self.attribute())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_values_are_told_apart_from_absent_ones() {
        let values = json!({"name": "pe", "ip_configuration": [{"name": "c"}], "tags": null});
        let unknown = json!({"id": true, "ip_configuration": [{"private_ip_address": true}]});
        let n = Node::root("azurerm_private_endpoint.pe", &values, &unknown);
        assert_eq!(n.get("name").raw(), Val::Known(&json!("pe")));
        assert!(n.get("id").raw().is_unknown());
        assert_eq!(n.get("tags").raw(), Val::Absent);
        let ip = n.get("ip_configuration").at(0).get("private_ip_address");
        assert!(ip.raw().is_unknown());
        assert_eq!(ip.attribute(), "ip_configuration[0].private_ip_address");
    }
}
