//! A serde serializer that writes serde_json's pretty layout into a byte buffer, starting a
//! given number of levels deep so that its text splices into a parent rendered elsewhere.
//!
//! Why not serde_json's or sonic-rs' serializer with a formatter: both write every object key
//! through the generic string path (escape scan, quote, formatter hooks for the separator, the
//! indentation and the colon), which cost ~160 instructions a key; a `check` flow has ~85 keys,
//! and keys were nearly half of rendering a 1,000-workspace check. Here the separator (comma,
//! line break, indentation) is one constant-length copy, and a struct field's or enum variant's
//! `"key": ` another, from a per-thread cache ([`KeyCache`]). Strings and floats are written by
//! sonic-rs, whose bytes equal serde_json's.

use serde::ser::{self, Serialize};
use std::fmt;

/// serde_json's pretty printer indents by two spaces a level.
const INDENT: &[u8] = b"  ";

/// A comma, a line break and the indentation of up to 31 levels, sliced to what is needed.
const BREAK: &[u8; 64] = b",\n                                                              ";

/// The bytes [`Pretty::separator`] copies from [`BREAK`] before cutting them to length.
const SEPARATOR_COPY: usize = BREAK.len() - 1;

/// Why a value could not be rendered: a map key that JSON cannot hold, or a `Serialize`
/// implementation that failed.
#[derive(Debug)]
pub struct RenderError(String);

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenderError {}

impl ser::Error for RenderError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        RenderError(msg.to_string())
    }
}

fn leaf_error(e: sonic_rs::Error) -> RenderError {
    RenderError(e.to_string())
}

/// `value` pretty-printed as it appears `depth` levels deep, appended to `out`.
pub fn write_nested<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    depth: usize,
) -> Result<(), RenderError> {
    with_keys(|keys| write_keyed(out, value, depth, keys))
}

/// Runs `f` with this thread's key cache, for a caller that writes many small values with
/// [`write_keyed`]: reaching the cache through its thread-local cost more than writing an enum
/// variant's name.
pub fn with_keys<R>(f: impl FnOnce(&mut KeyCache) -> R) -> R {
    KEYS.with(|keys| match keys.try_borrow_mut() {
        Ok(mut keys) => f(&mut keys),
        // Rendered from inside a value being rendered on this thread: a cache of its own.
        Err(_) => f(&mut KeyCache::new()),
    })
}

/// [`write_nested`] with the key cache [`with_keys`] gave.
pub fn write_keyed<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    depth: usize,
    keys: &mut KeyCache,
) -> Result<(), RenderError> {
    value.serialize(&mut Pretty { out, depth, keys })
}

/// The serializer: the buffer, the nesting depth of the value being written and the keys
/// written before.
pub struct Pretty<'o> {
    out: &'o mut Vec<u8>,
    depth: usize,
    keys: &'o mut KeyCache,
}

impl Pretty<'_> {
    /// Before an array item or object key: `,` unless first, a line break and the indentation.
    #[inline]
    fn separator(&mut self, first: bool) {
        separator(self.out, first, self.depth);
    }

    fn open(&mut self, bracket: u8) {
        self.out.push(bracket);
        self.depth += 1;
    }

    /// Closes what [`Pretty::open`] opened; an empty array or object stays on one line.
    fn close(&mut self, bracket: u8, empty: bool) {
        self.depth -= 1;
        if !empty {
            // The line break without the comma.
            self.separator(true);
        }
        self.out.push(bracket);
    }

    fn string(&mut self, s: &str) {
        write_str(self.out, s);
    }

    fn leaf<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RenderError> {
        value.serialize(&mut sonic_rs::Serializer::new(&mut *self.out)).map_err(leaf_error)
    }

    fn integer(&mut self, i: impl itoa::Integer) {
        write_integer(self.out, i);
    }

    /// `"key": ` after the separator, for a struct field's key or an enum variant's name: from
    /// the cache when written before (a copy of constant length), else written and remembered.
    #[inline]
    fn static_key(&mut self, first: bool, key: &'static str) {
        self.separator(first);
        write_static(self.out, self.keys, key, Static::Key);
    }
}

/// What a static string is written as: an object key (`"key": `) or a value (`"value"`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Static {
    Key,
    Value,
}

/// `text` as a key or a value: from the cache when written before (a copy of constant length),
/// else written and remembered.
#[inline]
pub(super) fn write_static(out: &mut Vec<u8>, keys: &mut KeyCache, text: &'static str, role: Static) {
    let write = |out: &mut Vec<u8>| match role {
        Static::Key => write_key(out, text),
        Static::Value => write_str(out, text),
    };
    let addr = text.as_ptr() as usize;
    let start = out.len();
    let Some(slot) = keys.slot(text, role) else {
        return write(out);
    };
    if slot.addr == addr && slot.len == text.len() && slot.role == role {
        out.extend_from_slice(&slot.text);
        out.truncate(start + slot.text_len);
        return;
    }
    write(out);
    let written = out.get(start..).unwrap_or_default();
    if let Some(cached) = slot.text.get_mut(..written.len()) {
        cached.copy_from_slice(written);
        slot.addr = addr;
        slot.len = text.len();
        slot.role = role;
        slot.text_len = written.len();
    }
}

/// Before an array item or object key `depth` levels deep: `,` unless first, a line break and
/// the indentation.
#[inline]
pub(super) fn separator(out: &mut Vec<u8>, first: bool, depth: usize) {
    let skip = usize::from(first);
    let len = 2 + INDENT.len() * depth - skip;
    match BREAK.get(skip..skip + SEPARATOR_COPY) {
        Some(text) if len <= SEPARATOR_COPY => {
            // A copy of a constant length is a few vector moves; a copy of `len` bytes
            // would be a call to `memcpy`, and there are ~100 separators in a flow.
            let start = out.len();
            out.extend_from_slice(text);
            out.truncate(start + len);
        }
        _ => {
            // Deeper than any report nests: a level at a time.
            out.extend_from_slice(&BREAK[skip..2]);
            for _ in 0..depth {
                out.extend_from_slice(INDENT);
            }
        }
    }
}

/// An integer as JSON writes it, without `core::fmt`'s padding machinery.
pub(super) fn write_integer(out: &mut Vec<u8>, i: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
}

/// `s` as a JSON string, written by sonic-rs: its SIMD escaping reads and writes past the string
/// within the buffer's spare capacity, which safe code cannot, and its bytes equal serde_json's.
pub(super) fn write_str(out: &mut Vec<u8>, s: &str) {
    use sonic_rs::format::Formatter;
    // Writing into a `Vec` cannot fail.
    let _ = sonic_rs::format::CompactFormatter.write_string_fast(out, s, true);
}

/// `"key": `.
fn write_key(out: &mut Vec<u8>, key: &str) {
    write_str(out, key);
    out.extend_from_slice(b": ");
}

/// A struct field's key as written, `"key": `, or a static value, `"value"`, for texts of up to
/// this many bytes as written.
const KEY_TEXT: usize = 32;

/// One remembered static string: the address and length of its text, whether it was written as
/// a key or a value (the compiler may give a key and a variant of the same spelling one address),
/// and the text as written.
#[derive(Clone, Copy)]
struct KeySlot {
    addr: usize,
    len: usize,
    role: Static,
    text: [u8; KEY_TEXT],
    text_len: usize,
}

/// Struct field keys and static values (enum variants, titles, meter names) as written, found
/// by the address of their `&'static str`: a static string never changes, so its address and
/// length name its text for the life of the program. A report has a hundred or so distinct
/// keys and a few hundred such values; one check renders millions.
pub struct KeyCache {
    slots: Vec<KeySlot>,
}

/// Slots of a [`KeyCache`]: a power of two, about three times the keys and static values of a
/// report.
const KEY_SLOT_BITS: u32 = 10;
const KEY_SLOTS: usize = 1 << KEY_SLOT_BITS;

/// Slots looked at for a key before one is overwritten.
const KEY_PROBES: usize = 4;

impl KeyCache {
    pub fn new() -> Self {
        let empty = KeySlot { addr: 0, len: 0, role: Static::Key, text: [0; KEY_TEXT], text_len: 0 };
        KeyCache { slots: vec![empty; KEY_SLOTS] }
    }

    /// The slot holding `key`, else an empty one near it, else (all taken by other keys) the
    /// first of them, to be overwritten. Linear probing: with one slot per key two keys that
    /// hashed alike evicted each other in every flow (a tenth of all keys missed).
    #[inline]
    fn slot(&mut self, key: &'static str, role: Static) -> Option<&mut KeySlot> {
        let addr = key.as_ptr() as usize;
        // Fibonacci hashing of the address: static strings sit close together, so their low
        // bits alone would crowd a few slots.
        let hash = (addr ^ key.len()).wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize);
        let first = hash >> (usize::BITS - KEY_SLOT_BITS);
        let holds_key = |s: &KeySlot| s.addr == addr && s.len == key.len() && s.role == role;
        if self.slots.get(first).is_some_and(holds_key) {
            return self.slots.get_mut(first);
        }
        let found = (0..KEY_PROBES)
            .map(|p| (first + p) & (KEY_SLOTS - 1))
            .find(|&i| self.slots.get(i).is_some_and(|s| holds_key(s) || s.text_len == 0));
        self.slots.get_mut(found.unwrap_or(first))
    }
}

impl Default for KeyCache {
    fn default() -> Self {
        Self::new()
    }
}

thread_local! {
    /// Each rendering thread's key cache, kept between the values it renders.
    static KEYS: std::cell::RefCell<KeyCache> = std::cell::RefCell::new(KeyCache::new());
}

/// The integer methods of a serializer, each `|serializer, value| body`.
macro_rules! integers {
    (|$ser:ident, $v:ident| $body:expr) => {
        integers!(@each $ser $v $body; serialize_i8 i8, serialize_i16 i16, serialize_i32 i32,
            serialize_i64 i64, serialize_i128 i128, serialize_u8 u8, serialize_u16 u16,
            serialize_u32 u32, serialize_u64 u64, serialize_u128 u128);
    };
    (@each $ser:ident $v:ident $body:expr; $($method:ident $ty:ty),*) => {$(
        fn $method(self, $v: $ty) -> Result<(), RenderError> {
            let $ser = self;
            $body
        }
    )*};
}

impl<'a, 'o> ser::Serializer for &'a mut Pretty<'o> {
    type Ok = ();
    type Error = RenderError;
    type SerializeSeq = Compound<'a, 'o>;
    type SerializeTuple = Compound<'a, 'o>;
    type SerializeTupleStruct = Compound<'a, 'o>;
    type SerializeTupleVariant = Compound<'a, 'o>;
    type SerializeMap = Compound<'a, 'o>;
    type SerializeStruct = Compound<'a, 'o>;
    type SerializeStructVariant = Compound<'a, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), RenderError> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    integers!(|ser, v| {
        ser.integer(v);
        Ok(())
    });
    fn serialize_f32(self, v: f32) -> Result<(), RenderError> {
        self.leaf(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), RenderError> {
        self.leaf(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), RenderError> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), RenderError> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), RenderError> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), RenderError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), RenderError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), RenderError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), RenderError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), RenderError> {
        write_static(self.out, self.keys, variant, Static::Value);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), RenderError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), RenderError> {
        self.open(b'{');
        self.static_key(true, variant);
        value.serialize(&mut *self)?;
        self.close(b'}', false);
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, RenderError> {
        self.open(b'[');
        Ok(Compound { ser: self, first: true, variant: false })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'o>, RenderError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'o>, RenderError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, RenderError> {
        self.open(b'{');
        self.static_key(true, variant);
        self.open(b'[');
        Ok(Compound { ser: self, first: true, variant: true })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, RenderError> {
        self.open(b'{');
        Ok(Compound { ser: self, first: true, variant: false })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, 'o>, RenderError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, RenderError> {
        self.open(b'{');
        self.static_key(true, variant);
        self.open(b'{');
        Ok(Compound { ser: self, first: true, variant: true })
    }
}

/// An array or object being written; `variant` when it sits inside `{"Variant": …}`, which
/// closes with it.
pub struct Compound<'a, 'o> {
    ser: &'a mut Pretty<'o>,
    first: bool,
    variant: bool,
}

impl Compound<'_, '_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RenderError> {
        self.ser.separator(self.first);
        self.first = false;
        value.serialize(&mut *self.ser)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), RenderError> {
        self.ser.static_key(self.first, key);
        self.first = false;
        value.serialize(&mut *self.ser)
    }

    fn end_with(self, bracket: u8) -> Result<(), RenderError> {
        self.ser.close(bracket, self.first);
        if self.variant {
            self.ser.close(b'}', false);
        }
        Ok(())
    }
}

/// Arrays: sequences, tuples and the fields of tuple structs and tuple variants.
macro_rules! array_compound {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = RenderError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RenderError> {
                self.element(value)
            }
            fn end(self) -> Result<(), RenderError> {
                self.end_with(b']')
            }
        }
    )*};
}

array_compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = RenderError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), RenderError> {
        self.ser.separator(self.first);
        self.first = false;
        key.serialize(MapKey { ser: &mut *self.ser })?;
        self.ser.out.extend_from_slice(b": ");
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RenderError> {
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), RenderError> {
        self.end_with(b'}')
    }
}

/// Objects of named fields: structs and struct variants.
macro_rules! struct_compound {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = RenderError;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), RenderError> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), RenderError> {
                self.end_with(b'}')
            }
        }
    )*};
}

struct_compound!(SerializeStruct, SerializeStructVariant);

/// A map key: JSON keys are strings, so numbers and booleans are quoted and anything else is an
/// error, as serde_json does.
struct MapKey<'a, 'o> {
    ser: &'a mut Pretty<'o>,
}

impl MapKey<'_, '_> {
    fn quoted(self, text: &str) -> Result<(), RenderError> {
        self.ser.out.push(b'"');
        self.ser.out.extend_from_slice(text.as_bytes());
        self.ser.out.push(b'"');
        Ok(())
    }

    fn integer(self, i: impl itoa::Integer) -> Result<(), RenderError> {
        self.quoted(itoa::Buffer::new().format(i))
    }

    fn float<T: Serialize>(self, v: T, finite: bool) -> Result<(), RenderError> {
        if !finite {
            return Err(not_a_key("a NaN or infinite number"));
        }
        self.ser.out.push(b'"');
        self.ser.leaf(&v)?;
        self.ser.out.push(b'"');
        Ok(())
    }
}

fn not_a_key(what: &str) -> RenderError {
    RenderError(format!("a JSON object key must be a string, not {what}"))
}

impl ser::Serializer for MapKey<'_, '_> {
    type Ok = ();
    type Error = RenderError;
    type SerializeSeq = ser::Impossible<(), RenderError>;
    type SerializeTuple = ser::Impossible<(), RenderError>;
    type SerializeTupleStruct = ser::Impossible<(), RenderError>;
    type SerializeTupleVariant = ser::Impossible<(), RenderError>;
    type SerializeMap = ser::Impossible<(), RenderError>;
    type SerializeStruct = ser::Impossible<(), RenderError>;
    type SerializeStructVariant = ser::Impossible<(), RenderError>;

    fn serialize_str(self, v: &str) -> Result<(), RenderError> {
        self.ser.string(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), RenderError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), RenderError> {
        write_static(self.ser.out, self.ser.keys, variant, Static::Value);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), RenderError> {
        value.serialize(self)
    }
    fn serialize_bool(self, v: bool) -> Result<(), RenderError> {
        self.quoted(if v { "true" } else { "false" })
    }
    integers!(|key, v| key.integer(v));
    fn serialize_f32(self, v: f32) -> Result<(), RenderError> {
        self.float(v, v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result<(), RenderError> {
        self.float(v, v.is_finite())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), RenderError> {
        Err(not_a_key("bytes"))
    }
    fn serialize_none(self) -> Result<(), RenderError> {
        Err(not_a_key("null"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), RenderError> {
        Err(not_a_key("an optional value"))
    }
    fn serialize_unit(self) -> Result<(), RenderError> {
        Err(not_a_key("null"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), RenderError> {
        Err(not_a_key("null"))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), RenderError> {
        Err(not_a_key("an enum variant with data"))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, RenderError> {
        Err(not_a_key("an array"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, RenderError> {
        Err(not_a_key("an array"))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, RenderError> {
        Err(not_a_key("an array"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, RenderError> {
        Err(not_a_key("an enum variant with data"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, RenderError> {
        Err(not_a_key("an object"))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, RenderError> {
        Err(not_a_key("an object"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, RenderError> {
        Err(not_a_key("an enum variant with data"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn rendered<T: Serialize>(value: &T) -> String {
        let mut out = Vec::new();
        write_nested(&mut out, value, 0).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Every shape serde derives: the report types use most of them.
    #[derive(Serialize, Debug, Clone)]
    struct Sample {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        missing: Option<u8>,
        ports: Vec<u16>,
        latency: [f64; 2],
        ratio: f32,
        kind: Kind,
        origin: Origin,
        by_name: BTreeMap<String, i64>,
        by_port: BTreeMap<u16, bool>,
        by_flag: BTreeMap<bool, char>,
        by_signed: BTreeMap<i32, Unit>,
        pair: (u8, String),
        unit: Unit,
        newtype: Newtype,
        #[serde(rename = "a \"quoted\"\nkey")]
        escaped_key: u32,
        #[serde(rename = "a key longer than the thirty-two bytes a remembered key holds")]
        long_key: i8,
        #[serde(with = "as_bytes")]
        bytes: Vec<u8>,
        empty_list: Vec<Unit>,
        empty_map: BTreeMap<String, u8>,
        nested: Vec<Vec<Kind>>,
    }

    mod as_bytes {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    #[derive(Serialize, Debug, Clone)]
    enum Kind {
        Unit,
        Newtype(String),
        Tuple(u8, i32),
        Struct { a: u64, b: Vec<String> },
        EmptyStruct {},
        EmptyTuple(),
    }

    #[derive(Serialize, Debug, Clone)]
    #[serde(tag = "kind", rename_all = "kebab-case")]
    enum Origin {
        File { file: String, line: u32 },
        Platform { by: String },
    }

    #[derive(Serialize, Debug, Clone)]
    struct Unit;

    #[derive(Serialize, Debug, Clone)]
    struct Newtype(i128);

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::Unit),
            any::<String>().prop_map(Kind::Newtype),
            (any::<u8>(), any::<i32>()).prop_map(|(a, b)| Kind::Tuple(a, b)),
            (any::<u64>(), prop::collection::vec(any::<String>(), 0..3))
                .prop_map(|(a, b)| Kind::Struct { a, b }),
            Just(Kind::EmptyStruct {}),
            Just(Kind::EmptyTuple()),
        ]
    }

    fn sample() -> impl Strategy<Value = Sample> {
        let strings = (
            any::<String>(),
            any::<Option<String>>(),
            prop::collection::vec(any::<u16>(), 0..4),
            any::<[f64; 2]>(),
            any::<f32>(),
            kind(),
            prop_oneof![
                (any::<String>(), any::<u32>()).prop_map(|(file, line)| Origin::File { file, line }),
                any::<String>().prop_map(|by| Origin::Platform { by }),
            ],
        );
        let maps = (
            prop::collection::btree_map(any::<String>(), any::<i64>(), 0..4),
            prop::collection::btree_map(any::<u16>(), any::<bool>(), 0..3),
            prop::collection::btree_map(any::<bool>(), any::<char>(), 0..3),
            prop::collection::btree_map(any::<i32>(), Just(Unit), 0..3),
            (any::<u8>(), any::<String>()),
            any::<i128>(),
            (any::<u32>(), any::<i8>(), prop::collection::vec(any::<u8>(), 0..4)),
            prop::collection::vec(prop::collection::vec(kind(), 0..3), 0..3),
        );
        (strings, maps).prop_map(
            |(
                (name, note, ports, latency, ratio, kind, origin),
                (by_name, by_port, by_flag, by_signed, pair, n, (e, l, bytes), nested),
            )| {
                Sample {
                    name,
                    note,
                    missing: None,
                    ports,
                    latency,
                    ratio,
                    kind,
                    origin,
                    by_name,
                    by_port,
                    by_flag,
                    by_signed,
                    pair,
                    unit: Unit,
                    newtype: Newtype(n),
                    escaped_key: e,
                    long_key: l,
                    bytes,
                    empty_list: Vec::new(),
                    empty_map: BTreeMap::new(),
                    nested,
                }
            },
        )
    }

    proptest! {
        #[test]
        fn writes_what_serde_json_pretty_prints_for_derived_types(values in prop::collection::vec(sample(), 0..4)) {
            prop_assert_eq!(rendered(&values), serde_json::to_string_pretty(&values).unwrap());
        }
    }

    #[test]
    fn keys_remembered_by_one_value_are_written_alike_by_the_next() {
        let value = json_sample();
        let first = rendered(&value);
        // The second rendering on this thread finds every key in the cache.
        assert_eq!(rendered(&value), first);
        assert_eq!(first, serde_json::to_string_pretty(&value).unwrap());
    }

    fn json_sample() -> Sample {
        Sample {
            name: "n".into(),
            note: Some("a\tb".into()),
            missing: None,
            ports: vec![443, 8443],
            latency: [0.5, f64::NAN],
            ratio: f32::INFINITY,
            kind: Kind::Struct { a: 1, b: vec!["x".into()] },
            origin: Origin::File { file: "main.tf".into(), line: 3 },
            by_name: BTreeMap::from([("k".into(), -1)]),
            by_port: BTreeMap::from([(22, true)]),
            by_flag: BTreeMap::from([(false, '"')]),
            by_signed: BTreeMap::from([(-5, Unit)]),
            pair: (1, "p".into()),
            unit: Unit,
            newtype: Newtype(-1),
            escaped_key: 2,
            long_key: 3,
            bytes: vec![0, 255],
            empty_list: Vec::new(),
            empty_map: BTreeMap::new(),
            nested: vec![vec![], vec![Kind::Unit, Kind::Tuple(1, -1)]],
        }
    }

    #[test]
    fn one_static_string_written_as_a_key_and_as_a_value_is_each_from_its_own_slot() {
        // The same `&'static str` (one address) as a key and as a value: the cache must not
        // give the key's `"…": ` for the value or the other way round, in either order.
        const TEXT: &str = "dns";
        let mut keys = KeyCache::new();
        let mut out = Vec::new();
        for role in [Static::Key, Static::Value, Static::Key, Static::Value] {
            write_static(&mut out, &mut keys, TEXT, role);
            out.push(b'|');
        }
        assert_eq!(String::from_utf8(out).unwrap(), r#""dns": |"dns"|"dns": |"dns"|"#);
        // A value needing escapes is written escaped, from the cache too.
        const QUOTED: &str = "say \"hi\"\n";
        let mut out = Vec::new();
        write_static(&mut out, &mut keys, QUOTED, Static::Value);
        write_static(&mut out, &mut keys, QUOTED, Static::Value);
        let once = serde_json::to_string(QUOTED).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), format!("{once}{once}"));
    }

    #[test]
    fn deeper_than_the_separator_table_is_written_a_level_at_a_time() {
        #[derive(Serialize)]
        struct Level {
            depth: usize,
            inner: Vec<Level>,
        }
        let deep = (0..45)
            .fold(Level { depth: 45, inner: Vec::new() }, |inner, depth| Level { depth, inner: vec![inner] });
        assert_eq!(rendered(&deep), serde_json::to_string_pretty(&deep).unwrap());
    }

    #[test]
    fn a_key_json_cannot_hold_is_an_error_as_in_serde_json() {
        let by_pair = BTreeMap::from([((1, 2), "x")]);
        assert!(serde_json::to_string_pretty(&by_pair).is_err());
        let mut out = Vec::new();
        let err = write_nested(&mut out, &by_pair, 0).unwrap_err();
        assert!(err.to_string().contains("key must be a string"), "{err}");
        #[derive(Serialize)]
        struct F(#[serde(serialize_with = "nan_key")] ());
        fn nan_key<S: serde::Serializer>(_: &(), s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(&f64::NAN, &1)?;
            m.end()
        }
        assert!(serde_json::to_string_pretty(&F(())).is_err());
        assert!(write_nested(&mut Vec::new(), &F(()), 0).is_err());
    }

    #[test]
    fn a_value_rendered_while_another_is_rendered_on_the_thread_is_written_in_full() {
        /// Renders its inner value to JSON text inside its own serialisation, as a string.
        struct Nested(Sample);
        impl Serialize for Nested {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut inner = Vec::new();
                write_nested(&mut inner, &self.0, 0).map_err(serde::ser::Error::custom)?;
                s.serialize_str(&String::from_utf8_lossy(&inner))
            }
        }
        let value = vec![Nested(json_sample())];
        let expected =
            serde_json::to_string_pretty(&vec![serde_json::to_string_pretty(&json_sample()).unwrap()])
                .unwrap();
        assert_eq!(rendered(&value), expected);
    }
}
