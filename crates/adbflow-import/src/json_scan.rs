//! A small JSON scanner that finds where things start, which serde_json does not report.
//!
//! It runs over text serde_json has already accepted (or accepted up to an error), so it checks
//! only enough structure to stay in step, and stops quietly at anything unexpected: partial
//! results are still correct for everything before that point.

use crate::doc_tree::{DocTree, Shape, Step};
use crate::origins::push_index;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Deeper than serde_json's own recursion limit (128), so accepted input never reaches it.
const MAX_DEPTH: usize = 256;

#[derive(Default)]
pub(crate) struct Scan {
    /// Start of every object and array.
    pub containers: DocTree,
    /// Only filled when asked (error reporting): every value's start and, for object members,
    /// its key's start, by path.
    pub values: BTreeMap<String, Member>,
    /// Only filled when asked: for every value and key, end offset (exclusive) → start offset of
    /// the innermost token ending there. Turns serde_json's "after the value" positions into
    /// "at the value" when no path is known.
    pub token_ends: BTreeMap<usize, usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Member {
    pub value: usize,
    pub key: Option<usize>,
}

pub(crate) fn scan(text: &str, with_tokens: bool) -> Scan {
    let mut s = Scanner { text, pos: 0, with_tokens, out: Scan::default() };
    let mut path = String::new();
    // Stopping early is expected on input with an error; what was recorded stays valid.
    let _ = s.value(&mut path, 0, None, Step::Root);
    s.out
}

struct Stop;

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    with_tokens: bool,
    out: Scan,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), Stop> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Stop)
        }
    }

    fn token(&mut self, start: usize) {
        if self.with_tokens {
            self.out.token_ends.entry(self.pos).or_insert(start);
        }
    }

    /// The value at the scanner's position. `path` is its path, kept only when `with_tokens`
    /// asks for values by path: the containers need none.
    fn value(
        &mut self,
        path: &mut String,
        depth: usize,
        key: Option<usize>,
        step: Step<'_>,
    ) -> Result<(), Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop);
        }
        self.skip_ws();
        let start = self.pos;
        if self.with_tokens {
            self.out.values.insert(path.clone(), Member { value: start, key });
        }
        match self.peek() {
            Some(b'{') => {
                let id = self.out.containers.open(step, start, Shape::Table);
                let read = self.object(path, depth);
                // Closed even when the scan stops inside: what was recorded stays in place.
                self.out.containers.close(id);
                read?;
            }
            Some(b'[') => {
                let id = self.out.containers.open(step, start, Shape::Array);
                let read = self.array(path, depth);
                self.out.containers.close(id);
                read?;
            }
            Some(b'"') => {
                self.skip_string()?;
            }
            Some(_) => {
                while !matches!(self.peek(), None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')) {
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(Stop);
                }
            }
            None => return Err(Stop),
        }
        self.token(start);
        Ok(())
    }

    fn object(&mut self, path: &mut String, depth: usize) -> Result<(), Stop> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            let key_start = self.pos;
            let key = self.key()?;
            self.token(key_start);
            self.expect(b':')?;
            let len = path.len();
            if self.with_tokens {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key);
            }
            self.value(path, depth + 1, Some(key_start), Step::Key(&key))?;
            path.truncate(len);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Stop),
            }
        }
    }

    fn array(&mut self, path: &mut String, depth: usize) -> Result<(), Stop> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        for i in 0.. {
            let len = path.len();
            if self.with_tokens {
                push_index(path, i);
            }
            self.value(path, depth + 1, None, Step::Item(i))?;
            path.truncate(len);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Stop),
            }
        }
        Ok(())
    }

    /// Moves past a string token; returns where its text starts and ends (quotes included) and
    /// whether it holds an escape. Values need no more: only keys are decoded.
    fn skip_string(&mut self) -> Result<(usize, bool), Stop> {
        let open = self.pos;
        let (end, escaped) = string_end(self.text.as_bytes(), open).ok_or(Stop)?;
        self.pos = end;
        Ok((open, escaped))
    }

    /// A key's decoded text (it becomes a path segment), borrowed from the input unless it
    /// holds an escape.
    fn key(&mut self) -> Result<Cow<'a, str>, Stop> {
        let (open, escaped) = self.skip_string()?;
        let raw = self.text.get(open..self.pos).ok_or(Stop)?;
        if escaped {
            serde_json::from_str::<String>(raw).map(Cow::Owned).map_err(|_| Stop)
        } else {
            raw.get(1..raw.len() - 1).map(Cow::Borrowed).ok_or(Stop)
        }
    }
}

/// The end (past the closing quote) of the string token opening at `open`, and whether it holds
/// an escape; `None` when no string opens there or it is not closed.
pub(crate) fn string_end(text: &[u8], open: usize) -> Option<(usize, bool)> {
    if text.get(open) != Some(&b'"') {
        return None;
    }
    let mut pos = open + 1;
    let mut escaped = false;
    loop {
        let rest = text.get(pos..)?;
        match memchr::memchr2(b'"', b'\\', rest) {
            None => return None,
            Some(i) if rest[i] == b'\\' => {
                escaped = true;
                pos += i + 2;
            }
            Some(i) => return Some((pos + i + 1, escaped)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc_tree::NodeId;
    use proptest::prelude::*;
    use serde_json::Value;

    #[test]
    fn records_objects_and_arrays_by_path() {
        let text =
            r#"{"vnets": [ {"name": "a", "subnets": [{"name": "s"}]}, {"n\u0061me": "b"} ], "x": [1, [2]]}"#;
        let s = scan(text, false);
        let at = |p: &str| s.containers.find(p).map(|(o, shape)| (&text[o..o + 1], shape));
        assert_eq!(at(""), Some(("{", Shape::Table)));
        assert_eq!(at("vnets"), Some(("[", Shape::Array)));
        assert_eq!(s.containers.find("vnets[0]").map(|p| p.0), text.find(r#"{"name": "a""#));
        assert_eq!(s.containers.find("vnets[0].subnets[0]").map(|p| p.0), text.find(r#"{"name": "s""#));
        assert_eq!(s.containers.find("vnets[1]").map(|p| p.0), text.find(r#"{"n\u"#));
        assert_eq!(at("x[1]"), Some(("[", Shape::Array)));
        assert!(s.token_ends.is_empty());
    }

    #[test]
    fn escapes_neither_end_a_string_early_nor_late() {
        // An escaped quote inside a key, and a value ending in an escaped backslash: the quote
        // after `\\` closes the string.
        let text = r#"{"k\"ey": {"v": "ends in \\"}, "next": [{"w": "\\\""}, {}]}"#;
        let s = scan(text, false);
        assert_eq!(s.containers.find("k\"ey").map(|p| p.0), text.find(r#"{"v""#));
        assert_eq!(s.containers.find("next").map(|p| p.0), text.find('['));
        assert_eq!(s.containers.find("next[0]").map(|p| p.0), text.find(r#"{"w""#));
        assert_eq!(s.containers.find("next[1]").map(|p| p.0), text.find("{}"));
    }

    #[test]
    fn token_ends_map_to_innermost_start() {
        let text = r#"{"a": ["x", "y\"z"], "b": 12}"#;
        let s = scan(text, true);
        let y = text.find(r#""y"#).unwrap_or(0);
        let y_end = text.find(r#"z""#).unwrap_or(0) + 2;
        assert_eq!(s.token_ends.get(&y_end), Some(&y));
        // `]` closes the array; nothing inner ends at the same offset.
        let arr_end = text.find(']').unwrap_or(0) + 1;
        assert_eq!(s.token_ends.get(&arr_end), Some(&text.find('[').unwrap_or(0)));
        let twelve_end = text.find("12").unwrap_or(0) + 2;
        assert_eq!(s.token_ends.get(&twelve_end), text.find("12").as_ref());
        let b = s.values.get("b").copied();
        assert_eq!(b, Some(Member { value: text.find("12").unwrap_or(0), key: text.find(r#""b""#) }));
        assert_eq!(s.values.get("a[1]").map(|m| m.value), Some(y));
    }

    #[test]
    fn stops_quietly_on_broken_or_too_deep_input() {
        let s = scan(r#"{"a": {"b": [1, 2"#, false);
        assert!(s.containers.find("a.b").is_some());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 10), "]".repeat(MAX_DEPTH + 10));
        let s = scan(&deep, false);
        assert!(s.containers.len() <= MAX_DEPTH + 1);
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[\"\\\\{}\\[\\]a-z .\u{e9}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 48, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                // Few distinct keys, so that a key recurs inside its siblings' values.
                proptest::collection::btree_map("[ab\"\\\\.\\[]{0,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Every container of `v` (at `id` in the tree, or not found): found where its compact text
    /// starts in `text`; returns how many containers `v` holds, itself included.
    fn check_containers(
        text: &str,
        tree: &DocTree,
        v: &Value,
        id: Option<NodeId>,
    ) -> Result<usize, TestCaseError> {
        let (shape, children): (Shape, Vec<(Option<NodeId>, &Value)>) = match v {
            Value::Object(m) => (Shape::Table, m.iter().map(|(k, c)| (tree.member(id, k), c)).collect()),
            Value::Array(a) => {
                let mut items = tree.items(id);
                (Shape::Array, a.iter().enumerate().map(|(i, c)| (items.get(i), c)).collect())
            }
            _ => {
                prop_assert!(id.is_none(), "a scalar recorded as a container");
                return Ok(0);
            }
        };
        let (start, found) =
            id.and_then(|id| tree.at(id)).ok_or_else(|| TestCaseError::fail("container not found"))?;
        prop_assert_eq!(found, shape);
        let compact = serde_json::to_string(v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(text.get(start..start + compact.len()), Some(compact.as_str()));
        let mut n = 1;
        for (child, c) in children {
            if matches!(c, Value::Object(_) | Value::Array(_)) {
                n += check_containers(text, tree, c, child)?;
            } else {
                prop_assert!(child.is_none(), "a scalar member or element found as a container");
            }
        }
        Ok(n)
    }

    proptest! {
        /// Whatever serde_json writes compactly, every object and array is in the tree under its
        /// decoded key or its index, starting exactly where its own text starts, and nothing else is.
        #[test]
        fn the_tree_holds_every_container_where_it_starts(v in value()) {
            let text = serde_json::to_string(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let s = scan(&text, false);
            let root = s.containers.root();
            let expected = check_containers(&text, &s.containers, &v, if matches!(v, Value::Object(_) | Value::Array(_)) { root } else { None })?;
            prop_assert_eq!(s.containers.len(), expected);
        }
    }
}
