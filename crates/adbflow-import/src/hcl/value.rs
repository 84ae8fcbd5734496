//! Values of the evaluator: Terraform's value model reduced to what a plan's JSON can carry, plus
//! "unknown until apply" that remembers which resource instances it came from, so links between
//! resources survive even when an ID cannot be known.

use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// An instance key: `count.index` or a `for_each` key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    Int(u64),
    Str(String),
}

impl Key {
    pub(crate) fn json(&self) -> Value {
        match self {
            Key::Int(i) => Value::from(*i),
            Key::Str(s) => Value::String(s.clone()),
        }
    }

    pub(crate) fn value(&self) -> V {
        match self {
            Key::Int(i) => V::Num(*i as f64),
            Key::Str(s) => V::Str(s.clone()),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Int(i) => write!(f, "[{i}]"),
            Key::Str(s) => write!(f, "[{}]", Value::String(s.clone())),
        }
    }
}

/// One step of a module instance path: call name and instance key.
pub(crate) type Step = (String, Option<Key>);

pub(crate) fn module_address(path: &[Step]) -> String {
    path.iter()
        .map(|(n, k)| match k {
            Some(k) => format!("module.{n}{k}"),
            None => format!("module.{n}"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The absolute address of a resource instance, `module.net["a"].azurerm_subnet.host[0]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Addr {
    pub module: Vec<Step>,
    pub data: bool,
    pub rtype: String,
    pub name: String,
    pub key: Option<Key>,
}

impl Addr {
    /// `azurerm_subnet.host` or `data.azurerm_subnet.host`, without module or key.
    pub(crate) fn local(&self) -> String {
        if self.data {
            format!("data.{}.{}", self.rtype, self.name)
        } else {
            format!("{}.{}", self.rtype, self.name)
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_empty() {
            write!(f, "{}.", module_address(&self.module))?;
        }
        write!(f, "{}", self.local())?;
        if let Some(k) = &self.key {
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

/// A value known only after apply (or one adbflow could not evaluate, which was warned about
/// where it happened), with the resource instances it depends on.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Unknown {
    pub refs: BTreeSet<Addr>,
}

impl Unknown {
    pub(crate) fn of(addr: Addr) -> Self {
        Unknown { refs: [addr].into_iter().collect() }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// Lists and tuples.
    List(Vec<V>),
    /// Sets, kept sorted and without duplicates.
    Set(Vec<V>),
    /// Maps and objects; keys sorted as Terraform sorts them.
    Map(BTreeMap<String, V>),
    Unknown(Unknown),
    /// A resource instance: the attributes its configuration sets, every other attribute (its ID,
    /// addresses Azure assigns) unknown and depending on the instance.
    Resource(BTreeMap<String, V>, Addr),
}

impl V {
    pub(crate) fn unknown() -> V {
        V::Unknown(Unknown::default())
    }

    pub(crate) fn set(mut items: Vec<V>) -> V {
        items.sort_by(cmp);
        items.dedup();
        V::Set(items)
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            V::Null => "null",
            V::Bool(_) => "bool",
            V::Num(_) => "number",
            V::Str(_) => "string",
            V::List(_) => "list",
            V::Set(_) => "set",
            V::Map(_) => "object",
            V::Unknown(_) => "unknown value",
            V::Resource(..) => "resource object",
        }
    }

    /// Whether the value or anything inside it is unknown.
    pub(crate) fn has_unknown(&self) -> bool {
        match self {
            V::Unknown(_) | V::Resource(..) => true,
            V::List(v) | V::Set(v) => v.iter().any(V::has_unknown),
            V::Map(m) => m.values().any(V::has_unknown),
            _ => false,
        }
    }

    /// Every resource instance an unknown part of the value depends on.
    pub(crate) fn unknown_refs(&self, out: &mut BTreeSet<Addr>) {
        match self {
            V::Unknown(u) => out.extend(u.refs.iter().cloned()),
            V::Resource(attrs, addr) => {
                out.insert(addr.clone());
                for v in attrs.values() {
                    v.unknown_refs(out);
                }
            }
            V::List(v) | V::Set(v) => v.iter().for_each(|x| x.unknown_refs(out)),
            V::Map(m) => m.values().for_each(|x| x.unknown_refs(out)),
            _ => {}
        }
    }

    /// The value as wholly unknown, keeping what it depends on.
    pub(crate) fn to_unknown(&self) -> V {
        let mut refs = BTreeSet::new();
        self.unknown_refs(&mut refs);
        V::Unknown(Unknown { refs })
    }

    /// Sequence items of a list, tuple or set.
    pub(crate) fn items(&self) -> Option<&[V]> {
        match self {
            V::List(v) | V::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The string form Terraform converts primitives to.
    pub(crate) fn as_string(&self) -> Option<String> {
        match self {
            V::Str(s) => Some(s.clone()),
            V::Num(n) => Some(number_text(*n)),
            V::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Plan JSON for a value: what is known (unknown parts left out of objects, `null` in lists)
    /// and Terraform's `after_unknown` marker tree.
    pub(crate) fn plan_json(&self) -> (Option<Value>, Value) {
        match self {
            V::Null => (Some(Value::Null), Value::Bool(false)),
            V::Bool(b) => (Some(Value::Bool(*b)), Value::Bool(false)),
            V::Num(n) => (Some(number_json(*n)), Value::Bool(false)),
            V::Str(s) => (Some(Value::String(s.clone())), Value::Bool(false)),
            V::Unknown(_) | V::Resource(..) => (None, Value::Bool(true)),
            V::List(items) | V::Set(items) => {
                let (mut vals, mut unk) = (Vec::new(), Vec::new());
                for i in items {
                    let (v, u) = i.plan_json();
                    vals.push(v.unwrap_or(Value::Null));
                    unk.push(u);
                }
                (Some(Value::Array(vals)), Value::Array(unk))
            }
            V::Map(m) => {
                let (mut vals, mut unk) = (Map::new(), Map::new());
                for (k, x) in m {
                    let (v, u) = x.plan_json();
                    if let Some(v) = v {
                        vals.insert(k.clone(), v);
                    }
                    if u != Value::Bool(false) {
                        unk.insert(k.clone(), u);
                    }
                }
                (Some(Value::Object(vals)), Value::Object(unk))
            }
        }
    }

    /// A known JSON value (jsondecode, tfvars given as JSON).
    pub(crate) fn from_json(v: &Value) -> V {
        match v {
            Value::Null => V::Null,
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => V::Num(n.as_f64().unwrap_or_default()),
            Value::String(s) => V::Str(s.clone()),
            Value::Array(a) => V::List(a.iter().map(V::from_json).collect()),
            Value::Object(o) => V::Map(o.iter().map(|(k, v)| (k.clone(), V::from_json(v))).collect()),
        }
    }

    /// The JSON of a wholly known value; `None` when anything in it is unknown.
    pub(crate) fn to_json(&self) -> Option<Value> {
        if self.has_unknown() {
            return None;
        }
        self.plan_json().0
    }
}

pub(crate) fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// Numbers print as Terraform prints them: integers without a fraction.
pub(crate) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A total order for sorting set elements: by kind, then by value.
pub(crate) fn cmp(a: &V, b: &V) -> Ordering {
    fn rank(v: &V) -> u8 {
        match v {
            V::Null => 0,
            V::Bool(_) => 1,
            V::Num(_) => 2,
            V::Str(_) => 3,
            V::List(_) => 4,
            V::Set(_) => 5,
            V::Map(_) => 6,
            V::Resource(..) => 7,
            V::Unknown(_) => 8,
        }
    }
    match (a, b) {
        (V::Bool(x), V::Bool(y)) => x.cmp(y),
        (V::Num(x), V::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (V::Str(x), V::Str(y)) => x.cmp(y),
        (V::List(x), V::List(y)) | (V::Set(x), V::Set(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (V::Map(x), V::Map(y)) => {
            for ((kp, p), (kq, q)) in x.iter().zip(y) {
                let o = kp.cmp(kq).then_with(|| cmp(p, q));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_parts_are_left_out_of_values_and_marked() {
        let addr = Addr {
            module: vec![("net".into(), Some(Key::Str("a".into())))],
            data: false,
            rtype: "azurerm_subnet".into(),
            name: "host".into(),
            key: Some(Key::Int(0)),
        };
        assert_eq!(addr.to_string(), r#"module.net["a"].azurerm_subnet.host[0]"#);
        let v = V::Map(BTreeMap::from([
            ("name".to_string(), V::Str("x".into())),
            ("id".to_string(), V::Unknown(Unknown::of(addr.clone()))),
            ("ids".to_string(), V::List(vec![V::Num(1.0), V::unknown()])),
        ]));
        let (vals, unk) = v.plan_json();
        assert_eq!(vals, Some(json!({"name": "x", "ids": [1, null]})));
        assert_eq!(unk, json!({"id": true, "ids": [false, true]}));
        let mut refs = BTreeSet::new();
        v.unknown_refs(&mut refs);
        assert_eq!(refs.into_iter().collect::<Vec<_>>(), vec![addr]);
    }

    #[test]
    fn sets_are_sorted_and_numbers_print_like_terraform() {
        assert_eq!(
            V::set(vec![V::Str("b".into()), V::Str("a".into()), V::Str("b".into())]),
            V::Set(vec![V::Str("a".into()), V::Str("b".into())])
        );
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(1.5), "1.5");
    }
}
