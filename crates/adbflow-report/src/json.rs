//! Pretty JSON written as a stream, with large arrays rendered in parallel.
//!
//! A 1,000-workspace `check` is 170 MB of JSON. Building it as one `String` held the whole text
//! (and, while the string grew, a copy of it) beside the report, and rendered on one core.
//! [`ObjectWriter`] writes a top-level object field by field: small fields through serde_json's
//! own pretty printer, large arrays in batches whose items are rendered on all cores and written
//! in order. The bytes are those of `serde_json::to_string_pretty` of the same object plus a final
//! newline; the tests of each caller compare the two.

use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, Write};

/// serde_json's pretty printer indents by two spaces a level.
const INDENT: &[u8] = b"  ";

/// Items rendered at once by [`ObjectWriter::array_par`]: enough to keep every core busy, few enough
/// that one batch's text (about 4.5 kB an item for `check` flows) stays small.
const BATCH: usize = 1024;

/// `value` pretty-printed as it appears `depth` levels deep: every line after the first indented
/// by `depth` more levels. JSON strings escape their line breaks, so every `\n` in serde_json's
/// output is layout.
fn nested<T: Serialize + ?Sized>(value: &T, depth: usize) -> io::Result<Vec<u8>> {
    let flat = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    if depth == 0 {
        return Ok(flat);
    }
    let lines = flat.iter().filter(|&&b| b == b'\n').count();
    let mut out = Vec::with_capacity(flat.len() + lines * depth * INDENT.len());
    for (i, line) in flat.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
            for _ in 0..depth {
                out.extend_from_slice(INDENT);
            }
        }
        out.extend_from_slice(line);
    }
    Ok(out)
}

fn key(name: &str) -> io::Result<Vec<u8>> {
    serde_json::to_vec(name).map_err(io::Error::other)
}

/// Writes one top-level JSON object, pretty-printed, a field at a time.
pub struct ObjectWriter<'w> {
    out: &'w mut dyn Write,
    fields: usize,
}

impl<'w> ObjectWriter<'w> {
    pub fn new(out: &'w mut dyn Write) -> Self {
        ObjectWriter { out, fields: 0 }
    }

    fn open_field(&mut self, name: &str) -> io::Result<()> {
        self.out.write_all(if self.fields == 0 { b"{\n" } else { b",\n" })?;
        self.fields += 1;
        self.out.write_all(INDENT)?;
        self.out.write_all(&key(name)?)?;
        self.out.write_all(b": ")
    }

    /// `"name": value`.
    pub fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> io::Result<()> {
        self.open_field(name)?;
        self.out.write_all(&nested(value, 1)?)
    }

    /// `"name": value`, left out when `value` is `None` (serde's `skip_serializing_if`).
    pub fn optional_field<T: Serialize>(&mut self, name: &str, value: Option<&T>) -> io::Result<()> {
        match value {
            Some(v) => self.field(name, v),
            None => Ok(()),
        }
    }

    /// `"name": [items…]`, the items rendered in parallel batches and written in order.
    pub fn array_par<T: Serialize + Sync>(&mut self, name: &str, items: &[T]) -> io::Result<()> {
        self.open_field(name)?;
        if items.is_empty() {
            return self.out.write_all(b"[]");
        }
        self.out.write_all(b"[")?;
        let mut first = true;
        for batch in items.chunks(BATCH) {
            let rendered: Vec<io::Result<Vec<u8>>> = batch.par_iter().map(|item| nested(item, 2)).collect();
            for item in rendered {
                self.out.write_all(if first { b"\n" } else { b",\n" })?;
                first = false;
                self.out.write_all(INDENT)?;
                self.out.write_all(INDENT)?;
                self.out.write_all(&item?)?;
            }
        }
        self.out.write_all(b"\n")?;
        self.out.write_all(INDENT)?;
        self.out.write_all(b"]")
    }

    /// Closes the object and ends the output with a newline, as [`crate::to_json`] does.
    pub fn finish(self) -> io::Result<()> {
        self.out.write_all(if self.fields == 0 { b"{}\n" } else { b"\n}\n" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn streamed(value: &serde_json::Value) -> String {
        let mut buf = Vec::new();
        let mut w = ObjectWriter::new(&mut buf);
        for (k, v) in value.as_object().into_iter().flatten() {
            match v.as_array() {
                Some(items) => w.array_par(k, items).unwrap(),
                None => w.field(k, v).unwrap(),
            }
        }
        w.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn matches_serde_json_pretty_printing() {
        let items: Vec<serde_json::Value> = (0..2500)
            .map(|i| json!({"n": i, "nested": {"list": [i, {"deep": "a\nb \"quoted\""}], "empty": []}, "o": {}}))
            .collect();
        let cases = [
            json!({}),
            json!({"a": 1}),
            json!({"a": [], "b": {"c": [1, 2]}, "d": "x\ny", "e": null}),
            json!({"schema_version": 1, "flows": items, "summary": {"flows": 2500}}),
        ];
        for case in cases {
            let expected = serde_json::to_string_pretty(&case).unwrap() + "\n";
            assert_eq!(streamed(&case), expected);
        }
    }

    #[test]
    fn optional_fields_are_left_out_when_absent() {
        let mut buf = Vec::new();
        let mut w = ObjectWriter::new(&mut buf);
        w.optional_field::<String>("name", None).unwrap();
        w.optional_field("id", Some(&7)).unwrap();
        w.finish().unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "{\n  \"id\": 7\n}\n");
    }
}
