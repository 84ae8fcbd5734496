//! An immutable string whose clones share one allocation.
//!
//! Element references are cloned into every effective route and every hop of every flow: at 1,000
//! workspaces that is millions of clones of a few thousand distinct IDs, names and file names.
//! As `String`s each clone was an allocation and a copy, and the copies were most of `check`'s
//! memory. `SharedStr` reads like a `&str` (it derefs to one and compares with `str`, `&str` and
//! `String`), serialises as a plain string, and clones by bumping a reference count.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SharedStr(Arc<str>);

impl SharedStr {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr(Arc::from(s))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(Arc::from(s))
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> Self {
        SharedStr(Arc::from(s.as_str()))
    }
}

/// Another reference to the same text, not a copy of it.
impl From<&SharedStr> for SharedStr {
    fn from(s: &SharedStr) -> Self {
        s.clone()
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.0.to_string()
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == &*other.0
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        **self == *other.0
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SharedStr::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compares_and_serialises_like_a_string() {
        let s = SharedStr::from("nsg-rule:adb-nsg/AllowVnet");
        let c = s.clone();
        assert!(Arc::ptr_eq(&s.0, &c.0), "a clone shares the text");
        assert_eq!(s, "nsg-rule:adb-nsg/AllowVnet");
        assert_eq!("nsg-rule:adb-nsg/AllowVnet", s);
        assert_eq!(s, "nsg-rule:adb-nsg/AllowVnet".to_string());
        assert!(s.starts_with("nsg-rule:"));
        assert_eq!(format!("{s} {s:?}"), "nsg-rule:adb-nsg/AllowVnet \"nsg-rule:adb-nsg/AllowVnet\"");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"nsg-rule:adb-nsg/AllowVnet\"");
        let back: SharedStr = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back, "x");
        let mut sorted = vec![SharedStr::from("b"), SharedStr::from("a")];
        sorted.sort();
        assert_eq!(sorted, vec![SharedStr::from("a"), SharedStr::from("b")]);
    }
}
