//! Reading a plan's top level without building what the mapping never reads.
//!
//! `resource_changes` is over half of a plan: each change repeats the resource's values twice
//! (`before`, the prior state, and `after`, the planned values) with their sensitivity maps. The
//! mapping reads only a change's `address`, whether it is `deposed`, and `after_unknown`. Those
//! three are kept; everything else in a change is skipped by the parser unbuilt (still checked
//! for syntax), which halves the time and the memory of reading a large plan. Every other
//! top-level key becomes a `serde_json::Value` as before.
//!
//! The readers accept any JSON where they expect an object or array and record what they found
//! instead, so a malformed plan gets the same error, from the same check in `document`, as when
//! the whole document was a `Value`.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::marker::PhantomData;

/// The document's top-level object: every key as a `Value`, except `resource_changes`, which is
/// read as [`ResourceChanges`] and left in `fields` as `null` so that the key is still seen.
pub(crate) struct TopLevel {
    pub fields: Map<String, Value>,
    pub changes: Option<ResourceChanges>,
}

/// `resource_changes` as the mapping reads it.
pub(crate) enum ResourceChanges {
    List(Vec<ResourceChange>),
    /// It was not an array; what it was, in words (`"an object"`).
    NotArray(&'static str),
}

/// One entry of `resource_changes`.
pub(crate) struct ResourceChange {
    /// `address`, when it is a non-empty string (an entry that is not an object has none).
    pub address: Option<String>,
    /// The entry has a `deposed` key (an object create-before-destroy replaces).
    pub deposed: bool,
    /// `change.after_unknown`, when `change` is an object that has it.
    pub after_unknown: Option<Value>,
}

/// A visitor that accepts every JSON value. Objects are the implementor's to read; arrays too
/// when it overrides `seq`, else they are skipped. Anything else becomes `other`, given what it
/// was in the words of `document`'s errors (`"a string"`).
trait AnyValue<'de>: Sized {
    fn expecting() -> &'static str;
    fn other(found: &'static str) -> Self;
    fn map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::other("an array"))
    }
}

struct Accept<T>(PhantomData<T>);

impl<'de, T: AnyValue<'de>> Visitor<'de> for Accept<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::expecting())
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::other("null"))
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::other("null"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<T, E> {
        Ok(T::other("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<T, E> {
        Ok(T::other("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<T, E> {
        Ok(T::other("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<T, E> {
        Ok(T::other("a number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<T, E> {
        Ok(T::other("a string"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::map(map)
    }
}

macro_rules! deserialize_any_value {
    ($($ty:ty),*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(Accept::<Self>(PhantomData))
            }
        }
    )*};
}

deserialize_any_value!(ResourceChanges, ResourceChange, ChangeBody);

/// The keys of a resource change the mapping reads; keys are compared without being copied.
enum ChangeKey {
    Address,
    Deposed,
    Change,
    AfterUnknown,
    Other,
}

impl<'de> Deserialize<'de> for ChangeKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Key;
        impl Visitor<'_> for Key {
            type Value = ChangeKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<ChangeKey, E> {
                Ok(match key {
                    "address" => ChangeKey::Address,
                    "deposed" => ChangeKey::Deposed,
                    "change" => ChangeKey::Change,
                    "after_unknown" => ChangeKey::AfterUnknown,
                    _ => ChangeKey::Other,
                })
            }
        }
        d.deserialize_identifier(Key)
    }
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Top;
        impl<'de> Visitor<'de> for Top {
            type Value = TopLevel;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
                let mut top = TopLevel { fields: Map::new(), changes: None };
                while let Some(key) = map.next_key::<String>()? {
                    if key == "resource_changes" {
                        top.changes = Some(map.next_value::<ResourceChanges>()?);
                        top.fields.insert(key, Value::Null);
                    } else {
                        let value = map.next_value::<Value>()?;
                        top.fields.insert(key, value);
                    }
                }
                Ok(top)
            }
        }
        d.deserialize_map(Top)
    }
}

impl<'de> AnyValue<'de> for ResourceChanges {
    fn expecting() -> &'static str {
        "the list of resource changes"
    }
    fn other(found: &'static str) -> Self {
        ResourceChanges::NotArray(found)
    }
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(change) = seq.next_element::<ResourceChange>()? {
            list.push(change);
        }
        Ok(ResourceChanges::List(list))
    }
    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ResourceChanges::NotArray("an object"))
    }
}

impl<'de> AnyValue<'de> for ResourceChange {
    fn expecting() -> &'static str {
        "a resource change"
    }
    fn other(_: &'static str) -> Self {
        ResourceChange { address: None, deposed: false, after_unknown: None }
    }
    // A key given twice counts as its last value, as it does in a `Value`.
    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut change = ResourceChange { address: None, deposed: false, after_unknown: None };
        while let Some(key) = map.next_key::<ChangeKey>()? {
            match key {
                ChangeKey::Address => {
                    change.address = match map.next_value::<Value>()? {
                        Value::String(s) if !s.is_empty() => Some(s),
                        _ => None,
                    }
                }
                ChangeKey::Deposed => {
                    map.next_value::<IgnoredAny>()?;
                    change.deposed = true;
                }
                ChangeKey::Change => change.after_unknown = map.next_value::<ChangeBody>()?.0,
                ChangeKey::AfterUnknown | ChangeKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(change)
    }
}

/// A resource change's `change` object, read for `after_unknown` alone.
struct ChangeBody(Option<Value>);

impl<'de> AnyValue<'de> for ChangeBody {
    fn expecting() -> &'static str {
        "a change"
    }
    fn other(_: &'static str) -> Self {
        ChangeBody(None)
    }
    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut after_unknown = None;
        while let Some(key) = map.next_key::<ChangeKey>()? {
            if let ChangeKey::AfterUnknown = key {
                after_unknown = Some(map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(ChangeBody(after_unknown))
    }
}
