//! Pretty JSON written as a stream, with large arrays rendered in parallel.
//!
//! A 1,000-workspace `check` is 170 MB of JSON. Building it as one `String` held the whole text
//! (and, while the string grew, a copy of it) beside the report, and rendered on one core.
//! [`ObjectWriter`] writes a top-level object field by field, large arrays in batches whose items
//! are rendered on all cores and written in order. The bytes are those of
//! `serde_json::to_string_pretty` of the same object plus a final newline; the tests of each
//! caller compare the two.
//!
//! Values are serialised by `pretty`, a serializer of serde_json's pretty layout made for
//! reports: mostly object keys and strings that need no escaping.

mod flow;
mod pretty;
mod written;

use adbflow_databricks::check::CheckFlow;
use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, Write};

/// serde_json's pretty printer indents by two spaces a level.
const INDENT: &[u8] = b"  ";

/// Items rendered at once by [`ObjectWriter::items_par`]: enough to keep every core busy, few enough
/// that one batch's text (about 4.5 kB an item for `check` flows) stays small.
const BATCH: usize = 1024;

/// Items rendered one after another into one buffer within a batch.
const RUN: usize = 32;

/// `value` pretty-printed as it appears `depth` levels deep, appended to `out`.
fn write_nested<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T, depth: usize) -> io::Result<()> {
    pretty::write_nested(out, value, depth).map_err(io::Error::other)
}

fn key(name: &str) -> io::Result<Vec<u8>> {
    serde_json::to_vec(name).map_err(io::Error::other)
}

/// What precedes an array item of a top-level field: a comma, a line break and two levels of
/// indentation; the first item has no comma ([`FIRST_ITEM_SEPARATOR`]).
const ITEM_SEPARATOR: &[u8] = b",\n    ";
const FIRST_ITEM_SEPARATOR: &[u8] = b"\n    ";

/// Bytes reserved for each item rendered into a [`RenderedItems`]: sized for `check` flows
/// (~4.5 kB each); other items just use less of it.
const ITEM_TEXT: usize = 5 * 1024;

/// Array items of a top-level field, rendered into one buffer, each after `ITEM_SEPARATOR`:
/// rendered on any thread, written in order by [`ObjectWriter::items_rendered`].
pub struct RenderedItems {
    text: Vec<u8>,
    count: usize,
}

impl RenderedItems {
    pub fn of<T: Serialize>(items: &[T]) -> io::Result<Self> {
        let mut text = Vec::with_capacity(items.len() * ITEM_TEXT);
        for item in items {
            text.extend_from_slice(ITEM_SEPARATOR);
            write_nested(&mut text, item, 2)?;
        }
        Ok(RenderedItems { text, count: items.len() })
    }

    /// A check's flows as [`RenderedItems::of`] renders them, written by hand (module `flow`), into
    /// `text` (emptied first): a buffer from [`SpareBuffers`], or a new one.
    pub fn check_flows(mut text: Vec<u8>, flows: &[CheckFlow]) -> io::Result<Self> {
        text.clear();
        let need = flows.len() * ITEM_TEXT;
        if text.capacity() < need {
            // Growing would copy the whole old allocation (the allocator does not know it is
            // empty): ~2 % of the work after reading at 100 workspaces went to such copies.
            // A power of two, so that a buffer given back fits the next workspace's flows
            // however many more it has (up to twice): sized to the flows, most buffers were
            // a few flows short of the next workspace's, and each workspace rendered into
            // fresh pages.
            text = Vec::with_capacity(need.next_power_of_two());
        }
        flow::write_flows(&mut text, flows, ITEM_SEPARATOR)?;
        Ok(RenderedItems { text, count: flows.len() })
    }

    /// Gives the buffer back to `spare` for the next items.
    pub fn recycle(self, spare: &SpareBuffers) {
        spare.give(self.text);
    }
}

/// Buffers whose items have been written, to render later items into. A check renders ~4.5 kB a
/// flow; in a fresh buffer for each workspace, the kernel's zeroing of its new pages was about a
/// tenth of walking and rendering, while a buffer used before has its pages already.
#[derive(Default)]
pub struct SpareBuffers(std::sync::Mutex<Vec<Vec<u8>>>);

impl SpareBuffers {
    /// A buffer used before, or a new one when none is spare.
    pub fn take(&self) -> Vec<u8> {
        self.0.lock().ok().and_then(|mut spare| spare.pop()).unwrap_or_default()
    }

    pub fn give(&self, buffer: Vec<u8>) {
        // A poisoned pool (a thread panicked holding it) just stops recycling.
        if let Ok(mut spare) = self.0.lock() {
            spare.push(buffer);
        }
    }
}

/// Writes one top-level JSON object, pretty-printed, a field at a time.
pub struct ObjectWriter<'w> {
    out: &'w mut dyn Write,
    fields: usize,
    /// Items written so far to the array opened by [`ObjectWriter::begin_array`].
    items: usize,
}

impl<'w> ObjectWriter<'w> {
    pub fn new(out: &'w mut dyn Write) -> Self {
        ObjectWriter { out, fields: 0, items: 0 }
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
        let mut text = Vec::new();
        write_nested(&mut text, value, 1)?;
        self.out.write_all(&text)
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
        self.begin_array(name)?;
        self.items_par(items)?;
        self.end_array()
    }

    /// Opens `"name": [`, for items that arrive in parts: [`ObjectWriter::items_par`] for each
    /// part, then [`ObjectWriter::end_array`]. No other field may be written in between.
    pub fn begin_array(&mut self, name: &str) -> io::Result<()> {
        self.open_field(name)?;
        self.items = 0;
        self.out.write_all(b"[")
    }

    /// Appends `items` to the open array, rendered in parallel batches and written in order.
    pub fn items_par<T: Serialize + Sync>(&mut self, items: &[T]) -> io::Result<()> {
        self.rendered_par(items, RenderedItems::of)
    }

    /// `"name": [flows…]`, a check's flows as [`ObjectWriter::array_par`] writes them.
    pub fn check_flows_par(&mut self, name: &str, flows: &[CheckFlow]) -> io::Result<()> {
        self.begin_array(name)?;
        self.rendered_par(flows, |run| RenderedItems::check_flows(Vec::new(), run))?;
        self.end_array()
    }

    fn rendered_par<T: Sync>(
        &mut self,
        items: &[T],
        render: impl Fn(&[T]) -> io::Result<RenderedItems> + Sync,
    ) -> io::Result<()> {
        for batch in items.chunks(BATCH) {
            // Runs of items share one buffer, separators included: one allocation per run
            // instead of one per item (most `check` flows outgrew a per-item buffer once).
            let rendered: Vec<io::Result<RenderedItems>> = batch.par_chunks(RUN).map(&render).collect();
            for run in rendered {
                self.items_rendered(&run?)?;
            }
        }
        Ok(())
    }

    /// Appends items rendered elsewhere (by [`RenderedItems::of`], on any thread) to the open
    /// array.
    pub fn items_rendered(&mut self, items: &RenderedItems) -> io::Result<()> {
        // Every item was rendered after a separator; the array's first has none.
        let text = match self.items {
            0 => items.text.get(ITEM_SEPARATOR.len() - FIRST_ITEM_SEPARATOR.len()..).unwrap_or_default(),
            _ => &items.text,
        };
        self.out.write_all(text)?;
        self.items += items.count;
        Ok(())
    }

    /// Closes the array opened by [`ObjectWriter::begin_array`]; an empty one stays `[]`.
    pub fn end_array(&mut self) -> io::Result<()> {
        if self.items > 0 {
            self.out.write_all(b"\n")?;
            self.out.write_all(INDENT)?;
        }
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
        // Deeper than the indentation `LINE_BREAK` holds, to take the level-at-a-time path.
        let deep = (0..40).fold(json!([1, "end"]), |inner, i| json!({ "level": i, "inner": [inner] }));
        let cases = [
            json!({"deep": deep.clone(), "flows": [deep]}),
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
    fn an_array_written_in_parts_is_the_array_written_at_once() {
        let items: Vec<serde_json::Value> =
            (0..2500).map(|i| json!({"n": i, "l": [i, {"s": "x\ny"}]})).collect();
        for parts in [
            vec![],
            vec![0],
            vec![0, 0],
            vec![0, 3],
            vec![1],
            vec![1200, 0, 1300],
            vec![2500],
            vec![1, 2, 3, 2494],
        ] {
            let mut buf = Vec::new();
            let mut w = ObjectWriter::new(&mut buf);
            // Keys in alphabetical order, the order `json!` objects serialise in.
            w.field("a_version", &1).unwrap();
            w.begin_array("b_flows").unwrap();
            let mut from = 0;
            // Parts rendered by the writer and parts rendered apart, alternately.
            for (i, n) in parts.iter().enumerate() {
                let part = &items[from..from + n];
                match i % 2 {
                    0 => w.items_par(part).unwrap(),
                    _ => w.items_rendered(&RenderedItems::of(part).unwrap()).unwrap(),
                }
                from += n;
            }
            w.end_array().unwrap();
            w.field("c_after", &json!({"k": []})).unwrap();
            w.finish().unwrap();
            let expected = json!({"a_version": 1, "b_flows": items[..from], "c_after": {"k": []}});
            let expected = serde_json::to_string_pretty(&expected).unwrap() + "\n";
            assert_eq!(String::from_utf8(buf).unwrap(), expected, "parts {parts:?}");
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
