//! The members of a JSON document's top-level object, found without reading their values.
//!
//! Format detection needs a handful of top-level keys from documents of hundreds of megabytes.
//! Reading every value with serde (even into `IgnoredAny`) cost a 1,000-workspace check 8 % of
//! its instructions. The skim steps over strings with `memchr` and over containers by counting
//! brackets, and stops as soon as the caller has what it needs; over a whole pretty-printed
//! estate it still costs ~7 instructions a byte (a third less than serde), so detection first
//! asks whether the key can be in the text at all (`terraform::document::kind_of_text`) and
//! skims mostly Terraform's documents, which it leaves at the first plan section. It does not
//! check the values' syntax: the reader chosen afterwards does, and reports any fault at its
//! line and column.

use crate::json_scan::string_end;
use std::borrow::Cow;
use std::ops::ControlFlow;

/// Calls `visit` with each top-level member's key (unescaped) and the first byte of its value, in
/// document order, until `visit` breaks. `None` when the text is not an object or its top level
/// does not hold together as far as the skim went.
pub(crate) fn top_level_members(
    text: &str,
    mut visit: impl FnMut(&str, u8) -> ControlFlow<()>,
) -> Option<()> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    if bytes.get(pos) != Some(&b'{') {
        return None;
    }
    pos = skip_ws(bytes, pos + 1);
    if bytes.get(pos) == Some(&b'}') {
        return Some(());
    }
    loop {
        pos = skip_ws(bytes, pos);
        let (end, escaped) = string_end(bytes, pos)?;
        let raw = text.get(pos..end)?;
        let key: Cow<str> = if escaped {
            Cow::Owned(serde_json::from_str(raw).ok()?)
        } else {
            Cow::Borrowed(raw.get(1..raw.len() - 1)?)
        };
        pos = skip_ws(bytes, end);
        if bytes.get(pos) != Some(&b':') {
            return None;
        }
        pos = skip_ws(bytes, pos + 1);
        let first = *bytes.get(pos)?;
        if visit(&key, first).is_break() {
            return Some(());
        }
        pos = skip_ws(bytes, skip_value(bytes, pos)?);
        match bytes.get(pos)? {
            b',' => pos += 1,
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// Past the value starting at `start`: a string to its closing quote, an object or array to the
/// bracket that closes it, any other token to the next delimiter.
///
/// Braces and brackets balance separately in JSON, so a container's end is found by counting its
/// own kind alone, jumping from one quote or bracket of that kind to the next with `memchr3`
/// (strings are stepped over whole, so the brackets inside them do not count). A byte-by-byte
/// walk spent ~8 instructions on every byte of a pretty-printed estate's indentation.
fn skip_value(bytes: &[u8], start: usize) -> Option<usize> {
    let (open, close) = match bytes.get(start)? {
        b'"' => return string_end(bytes, start).map(|(end, _)| end),
        b'{' => (b'{', b'}'),
        b'[' => (b'[', b']'),
        _ => {
            let len = bytes
                .get(start..)?
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(bytes.len() - start);
            return Some(start + len);
        }
    };
    let mut depth = 0usize;
    let mut pos = start;
    loop {
        pos += memchr::memchr3(b'"', open, close, bytes.get(pos..)?)?;
        match bytes[pos] {
            b'"' => pos = string_end(bytes, pos)?.0,
            b if b == open => {
                depth += 1;
                pos += 1;
            }
            _ => {
                depth -= 1;
                pos += 1;
                if depth == 0 {
                    return Some(pos);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn members(text: &str) -> Option<Vec<(String, char)>> {
        let mut seen = Vec::new();
        top_level_members(text, |k, first| {
            seen.push((k.to_string(), char::from(first)));
            ControlFlow::Continue(())
        })
        .map(|()| seen)
    }

    #[test]
    fn keys_in_order_past_nested_values_and_brackets_in_strings() {
        let text = r#" {"a": {"x": [1, {"y": "]}"}]}, "b\u0062": "\"}", "c": -1.5e3,"d":[],
            "e": null }"#;
        let got = members(text).unwrap();
        let keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "bb", "c", "d", "e"]);
        let firsts: String = got.iter().map(|(_, f)| *f).collect();
        assert_eq!(firsts, "{\"-[n");
        assert_eq!(members("{}").unwrap(), []);
    }

    #[test]
    fn stops_when_the_caller_has_what_it_needs() {
        // The second value is never read, so its fault is never seen.
        let mut visited = 0;
        let done = top_level_members(r#"{"a": 1, "b": [}"#, |_, _| {
            visited += 1;
            if visited == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!((done, visited), (Some(()), 2));
    }

    #[test]
    fn a_top_level_that_does_not_hold_together_is_none() {
        for text in [
            "",
            "[1]",
            r#""s""#,
            r#"{"a" 1}"#,
            r#"{"a": 1 "b": 2}"#,
            r#"{"a": "unclosed}"#,
            r#"{"a": [1, 2}"#,
            r#"{"a": {"b": 1}"#,
            r#"{a: 1}"#,
            r#"{"a": "\"#,
        ] {
            assert_eq!(members(text), None, "{text}");
        }
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[\"\\\\{}\\[\\]a-z \u{e9}\u{1F600}]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z\"{\\\\]{0,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever serde_json writes, compact or pretty, the skim finds the same members in the
        /// same order, each value starting with the byte its serialization starts with.
        #[test]
        fn agrees_with_serde_on_every_document(
            entries in proptest::collection::vec(("[a-z\"\\\\{\\[ ]{0,6}", value()), 0..6),
            pretty in any::<bool>(),
        ) {
            let write = |v: &Value| if pretty { serde_json::to_string_pretty(v) } else { serde_json::to_string(v) };
            let body: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), write(v).unwrap()))
                .collect();
            let text = format!("{{{}}}", body.join(if pretty { ",\n  " } else { "," }));
            let expected: Vec<(String, char)> = entries
                .iter()
                .map(|(k, v)| (k.clone(), char::from(write(v).unwrap().as_bytes()[0])))
                .collect();
            prop_assert_eq!(members(&text), Some(expected));
        }
    }
}
