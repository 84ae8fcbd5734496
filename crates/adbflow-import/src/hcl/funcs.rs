//! Terraform's built-in functions adbflow evaluates. A function it does not know is an error
//! (turned into an unknown value and a warning by the caller), never a guess. Functions whose
//! result depends on the moment (`timestamp`, `uuid`) are unknown, as in a plan.

use super::eval::{boolean, equal, number, whole};
use super::machine::{Machine, Scope};
use super::strings;
use super::value::{Unknown, V};
use std::collections::{BTreeMap, BTreeSet};

/// Functions that work on a collection's shape, so unknown elements inside their arguments do not
/// make the whole result unknown.
const STRUCTURAL: &[&str] = &[
    "length",
    "concat",
    "merge",
    "keys",
    "values",
    "element",
    "lookup",
    "tolist",
    "tomap",
    "slice",
    "zipmap",
    "one",
    "reverse",
    "coalesce",
    "try",
    "sensitive",
    "nonsensitive",
    "flatten",
];

/// Every function name adbflow evaluates (for docs and tests).
pub(crate) const SUPPORTED: &[&str] = &[
    "abs",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "basename",
    "can",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "dirname",
    "distinct",
    "element",
    "endswith",
    "file",
    "fileexists",
    "flatten",
    "floor",
    "format",
    "formatlist",
    "indent",
    "index",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "log",
    "lookup",
    "lower",
    "max",
    "merge",
    "min",
    "nonsensitive",
    "one",
    "parseint",
    "pow",
    "range",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "sensitive",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "sum",
    "templatefile",
    "timestamp",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "transpose",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "upper",
    "urlencode",
    "uuid",
    "values",
    "zipmap",
];

pub(crate) fn call(m: &mut Machine, name: &str, args: Vec<V>, sc: &Scope) -> Result<V, String> {
    if !SUPPORTED.contains(&name) {
        return Err(format!("adbflow does not evaluate the function {name}()"));
    }
    if matches!(name, "timestamp" | "uuid") {
        return Ok(V::unknown());
    }
    let top_unknown = args.iter().any(|a| matches!(a, V::Unknown(_) | V::Resource(..)));
    let nested_unknown = args.iter().any(V::has_unknown);
    if top_unknown || (nested_unknown && !STRUCTURAL.contains(&name)) {
        let mut refs = BTreeSet::new();
        for a in &args {
            a.unknown_refs(&mut refs);
        }
        return Ok(V::Unknown(Unknown { refs }));
    }
    if let Some(r) = strings::call(name, &args) {
        return r;
    }
    if let Some(r) = collections(name, &args)? {
        return Ok(r);
    }
    match name {
        "file" | "fileexists" | "templatefile" => files(m, name, args, sc),
        "cidrsubnet" => {
            let [p, b, n] = &args[..] else { return Err(arity(3)) };
            super::cidr::subnet(&text(p)?, int(b)?, int(n)?).map(V::Str)
        }
        "cidrhost" => {
            let [p, h] = &args[..] else { return Err(arity(2)) };
            super::cidr::host(&text(p)?, int(h)?).map(V::Str)
        }
        "cidrnetmask" => {
            let [p] = &args[..] else { return Err(arity(1)) };
            super::cidr::netmask(&text(p)?).map(V::Str)
        }
        "cidrsubnets" => {
            let Some((p, bits)) = args.split_first() else { return Err("needs a prefix".into()) };
            let bits = bits.iter().map(int).collect::<Result<Vec<_>, _>>()?;
            Ok(V::List(super::cidr::subnets(&text(p)?, &bits)?.into_iter().map(V::Str).collect()))
        }
        "jsondecode" => {
            let [s] = &args[..] else { return Err(arity(1)) };
            let v: serde_json::Value =
                serde_json::from_str(&text(s)?).map_err(|e| format!("invalid JSON: {e}"))?;
            Ok(V::from_json(&v))
        }
        "jsonencode" => {
            let [v] = &args[..] else { return Err(arity(1)) };
            match v.to_json() {
                Some(j) => Ok(V::Str(j.to_string())),
                None => Ok(v.to_unknown()),
            }
        }
        "sensitive" | "nonsensitive" => {
            let [v] = &args[..] else { return Err(arity(1)) };
            Ok(v.clone())
        }
        _ => numeric(name, &args),
    }
}

/// Template files including template files: enough for real layouts, stops self-inclusion.
const MAX_TEMPLATE_DEPTH: usize = 8;

pub(crate) fn arity(n: usize) -> String {
    format!("takes {n} argument{}", if n == 1 { "" } else { "s" })
}

pub(crate) fn text(v: &V) -> Result<String, String> {
    v.as_string().ok_or_else(|| format!("expected a string, found {}", v.type_name()))
}

pub(crate) fn int(v: &V) -> Result<i64, String> {
    match number(v) {
        Some(n) if n.fract() == 0.0 => Ok(n as i64),
        _ => Err(format!(
            "expected a whole number, found {}",
            v.as_string().unwrap_or_else(|| v.type_name().into())
        )),
    }
}

fn seq(v: &V) -> Result<Vec<V>, String> {
    v.items().map(<[V]>::to_vec).ok_or_else(|| format!("expected a list or set, found {}", v.type_name()))
}

fn map(v: &V) -> Result<BTreeMap<String, V>, String> {
    match v {
        V::Map(m) => Ok(m.clone()),
        other => Err(format!("expected a map or object, found {}", other.type_name())),
    }
}

fn contains(items: &[V], x: &V) -> bool {
    items.iter().any(|i| equal(i, x) == Some(true))
}

fn flatten_into(v: &V, out: &mut Vec<V>) {
    match v {
        V::List(items) | V::Set(items) => items.iter().for_each(|i| flatten_into(i, out)),
        other => out.push(other.clone()),
    }
}

fn collections(name: &str, args: &[V]) -> Result<Option<V>, String> {
    let v = match name {
        "length" => {
            let [v] = args else { return Err(arity(1)) };
            V::Num(match v {
                V::List(i) | V::Set(i) => i.len(),
                V::Map(m) => m.len(),
                V::Str(s) => s.chars().count(),
                other => return Err(format!("cannot take the length of a {}", other.type_name())),
            } as f64)
        }
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                out.extend(seq(a)?);
            }
            V::List(out)
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for a in args {
                match a {
                    V::Null => {}
                    other => out.extend(map(other)?),
                }
            }
            V::Map(out)
        }
        "keys" => {
            let [m] = args else { return Err(arity(1)) };
            V::List(map(m)?.into_keys().map(V::Str).collect())
        }
        "values" => {
            let [m] = args else { return Err(arity(1)) };
            V::List(map(m)?.into_values().collect())
        }
        "lookup" => {
            let (m, k, d) = match args {
                [m, k] => (m, k, None),
                [m, k, d] => (m, k, Some(d)),
                _ => return Err("takes a map, a key and an optional default".into()),
            };
            let key = text(k)?;
            match (map(m)?.remove(&key), d) {
                (Some(v), _) => v,
                (None, Some(d)) => d.clone(),
                (None, None) => return Err(format!("the map has no key \"{key}\" and no default is given")),
            }
        }
        "element" => {
            let [l, i] = args else { return Err(arity(2)) };
            let items = seq(l)?;
            if items.is_empty() {
                return Err("cannot take an element of an empty list".into());
            }
            let i = int(i)?;
            if i < 0 {
                return Err("the index must not be negative".into());
            }
            items[i as usize % items.len()].clone()
        }
        "coalesce" => match args.iter().find(|a| !matches!(a, V::Null) && **a != V::Str(String::new())) {
            Some(v) => v.clone(),
            None => return Err("all arguments are null or empty".into()),
        },
        "coalescelist" => match args.iter().find(|a| a.items().is_some_and(|i| !i.is_empty())) {
            Some(v) => v.clone(),
            None => return Err("all arguments are empty lists".into()),
        },
        "compact" => {
            let [l] = args else { return Err(arity(1)) };
            V::List(
                seq(l)?
                    .into_iter()
                    .filter(|v| !matches!(v, V::Null) && *v != V::Str(String::new()))
                    .collect(),
            )
        }
        "toset" => {
            let [l] = args else { return Err(arity(1)) };
            match l {
                V::Null => V::Null,
                other => V::set(seq(other)?),
            }
        }
        "tolist" => {
            let [l] = args else { return Err(arity(1)) };
            match l {
                V::Null => V::Null,
                other => V::List(seq(other)?),
            }
        }
        "tomap" => {
            let [m] = args else { return Err(arity(1)) };
            match m {
                V::Null => V::Null,
                other => V::Map(map(other)?),
            }
        }
        "flatten" => {
            let [l] = args else { return Err(arity(1)) };
            let mut out = Vec::new();
            for i in seq(l)? {
                flatten_into(&i, &mut out);
            }
            if out.iter().any(|v| matches!(v, V::Unknown(_))) {
                // An unknown element might be a list that would flatten into several.
                return Ok(Some(V::List(out).to_unknown()));
            }
            V::List(out)
        }
        "distinct" => {
            let [l] = args else { return Err(arity(1)) };
            let mut out: Vec<V> = Vec::new();
            for i in seq(l)? {
                if !contains(&out, &i) {
                    out.push(i);
                }
            }
            V::List(out)
        }
        "contains" => {
            let [l, x] = args else { return Err(arity(2)) };
            V::Bool(contains(&seq(l)?, x))
        }
        "index" => {
            let [l, x] = args else { return Err(arity(2)) };
            match seq(l)?.iter().position(|i| equal(i, x) == Some(true)) {
                Some(p) => V::Num(p as f64),
                None => return Err("the value is not in the list".into()),
            }
        }
        "one" => {
            let [l] = args else { return Err(arity(1)) };
            let items = seq(l)?;
            match items.len() {
                0 => V::Null,
                1 => items[0].clone(),
                n => return Err(format!("the list has {n} elements; one() needs at most one")),
            }
        }
        "slice" => {
            let [l, s, e] = args else { return Err(arity(3)) };
            let items = seq(l)?;
            let (s, e) = (
                whole(s).ok_or("start must be a whole number")?,
                whole(e).ok_or("end must be a whole number")?,
            );
            if s > e || e > items.len() {
                return Err(format!("slice {s}..{e} is out of range for a list of {}", items.len()));
            }
            V::List(items[s..e].to_vec())
        }
        "reverse" => {
            let [l] = args else { return Err(arity(1)) };
            let mut items = seq(l)?;
            items.reverse();
            V::List(items)
        }
        "sort" => {
            let [l] = args else { return Err(arity(1)) };
            let mut items = seq(l)?.iter().map(text).collect::<Result<Vec<_>, _>>()?;
            items.sort();
            V::List(items.into_iter().map(V::Str).collect())
        }
        "zipmap" => {
            let [k, v] = args else { return Err(arity(2)) };
            let (k, v) = (seq(k)?, seq(v)?);
            if k.len() != v.len() {
                return Err(format!("{} keys but {} values", k.len(), v.len()));
            }
            let mut out = BTreeMap::new();
            for (k, v) in k.iter().zip(v) {
                out.insert(text(k)?, v);
            }
            V::Map(out)
        }
        "range" => {
            let nums =
                args.iter().map(|a| number(a).ok_or("expected numbers")).collect::<Result<Vec<_>, _>>()?;
            let (start, end, step) = match nums[..] {
                [e] => (0.0, e, 1.0),
                [s, e] => (s, e, if e >= s { 1.0 } else { -1.0 }),
                [s, e, st] => (s, e, st),
                _ => return Err("takes one to three numbers".into()),
            };
            if step == 0.0 || (end - start) / step > 1024.0 {
                return Err("the range is empty-stepped or longer than 1024 elements".into());
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(V::Num(x));
                x += step;
            }
            V::List(out)
        }
        "setunion" | "setintersection" | "setsubtract" => {
            let sets = args.iter().map(seq).collect::<Result<Vec<_>, _>>()?;
            let Some((first, rest)) = sets.split_first() else { return Err("needs at least one set".into()) };
            let mut out = first.clone();
            for s in rest {
                match name {
                    "setunion" => out.extend(s.iter().cloned()),
                    "setintersection" => out.retain(|x| contains(s, x)),
                    _ => out.retain(|x| !contains(s, x)),
                }
            }
            V::set(out)
        }
        "setproduct" => {
            let sets = args.iter().map(seq).collect::<Result<Vec<_>, _>>()?;
            let mut out: Vec<Vec<V>> = vec![Vec::new()];
            for s in sets {
                out = out
                    .into_iter()
                    .flat_map(|p| s.iter().map(move |x| [p.clone(), vec![x.clone()]].concat()))
                    .collect();
            }
            V::List(out.into_iter().map(V::List).collect())
        }
        "chunklist" => {
            let [l, n] = args else { return Err(arity(2)) };
            let n = whole(n).filter(|n| *n > 0).ok_or("the chunk size must be a positive whole number")?;
            V::List(seq(l)?.chunks(n).map(|c| V::List(c.to_vec())).collect())
        }
        "alltrue" | "anytrue" => {
            let [l] = args else { return Err(arity(1)) };
            let bools = seq(l)?
                .iter()
                .map(|b| boolean(b).ok_or("expected booleans"))
                .collect::<Result<Vec<_>, _>>()?;
            V::Bool(if name == "alltrue" { bools.iter().all(|b| *b) } else { bools.iter().any(|b| *b) })
        }
        "transpose" => {
            let [m] = args else { return Err(arity(1)) };
            let mut out: BTreeMap<String, Vec<V>> = BTreeMap::new();
            for (k, vs) in map(m)? {
                for v in seq(&vs)? {
                    out.entry(text(&v)?).or_default().push(V::Str(k.clone()));
                }
            }
            V::Map(out.into_iter().map(|(k, v)| (k, V::List(v))).collect())
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

fn numeric(name: &str, args: &[V]) -> Result<V, String> {
    let nums = |args: &[V]| -> Result<Vec<f64>, String> {
        let flat: Vec<V> = match args {
            [l @ (V::List(_) | V::Set(_))] => seq(l)?,
            other => other.to_vec(),
        };
        flat.iter()
            .map(|a| number(a).ok_or_else(|| format!("expected numbers, found {}", a.type_name())))
            .collect()
    };
    let one = |args: &[V]| -> Result<f64, String> {
        match args {
            [a] => number(a).ok_or_else(|| format!("expected a number, found {}", a.type_name())),
            _ => Err(arity(1)),
        }
    };
    Ok(V::Num(match name {
        "abs" => one(args)?.abs(),
        "ceil" => one(args)?.ceil(),
        "floor" => one(args)?.floor(),
        "signum" => one(args)?.signum(),
        "min" | "max" | "sum" => {
            let n = nums(args)?;
            if n.is_empty() {
                return Err("needs at least one number".into());
            }
            match name {
                "min" => n.iter().copied().fold(f64::INFINITY, f64::min),
                "max" => n.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                _ => n.iter().sum(),
            }
        }
        "pow" => {
            let [a, b] = args else { return Err(arity(2)) };
            number(a).ok_or("expected numbers")?.powf(number(b).ok_or("expected numbers")?)
        }
        "log" => {
            let [a, b] = args else { return Err(arity(2)) };
            number(a).ok_or("expected numbers")?.log(number(b).ok_or("expected numbers")?)
        }
        "parseint" => {
            let [s, b] = args else { return Err(arity(2)) };
            let base = int(b)?;
            if !(2..=36).contains(&base) {
                return Err("adbflow reads bases between 2 and 36".into());
            }
            i64::from_str_radix(&text(s)?, base as u32).map_err(|e| e.to_string())? as f64
        }
        "tonumber" => match args {
            [V::Null] => return Ok(V::Null),
            [a] => number(a).ok_or_else(|| {
                format!(
                    "cannot convert {} to a number",
                    a.as_string().unwrap_or_else(|| a.type_name().into())
                )
            })?,
            _ => return Err(arity(1)),
        },
        "tobool" => match args {
            [V::Null] => return Ok(V::Null),
            [a] => return boolean(a).map(V::Bool).ok_or_else(|| "cannot convert to a bool".into()),
            _ => return Err(arity(1)),
        },
        "tostring" => match args {
            [V::Null] => return Ok(V::Null),
            [a] => {
                return a
                    .as_string()
                    .map(V::Str)
                    .ok_or_else(|| format!("cannot convert a {} to a string", a.type_name()))
            }
            _ => return Err(arity(1)),
        },
        other => return Err(format!("adbflow does not evaluate the function {other}()")),
    }))
}

fn files(m: &mut Machine, name: &str, args: Vec<V>, sc: &Scope) -> Result<V, String> {
    let path = text(args.first().ok_or("needs a path")?)?;
    if name == "fileexists" {
        return Ok(V::Bool(std::path::Path::new(&path).is_file()));
    }
    let content = crate::read::read_text(std::path::Path::new(&path), &path).map_err(|e| e.to_string())?;
    if name == "file" {
        return Ok(V::Str(content));
    }
    let vars = match args.get(1) {
        Some(v) => map(v)?,
        None => BTreeMap::new(),
    };
    let template =
        ::hcl::edit::parser::parse_template(&content).map_err(|e| format!("{path}: {}", e.message()))?;
    // Only the given variables are visible inside a template file.
    let mut inner = sc.clone();
    inner.locals = vars.into_iter().collect();
    if m.template_depth >= MAX_TEMPLATE_DEPTH {
        return Err(format!(
            "template files nest more than {MAX_TEMPLATE_DEPTH} deep (does {path} include itself?)"
        ));
    }
    m.template_depth += 1;
    let r = m.template(&template, &inner);
    m.template_depth -= 1;
    r.map_err(
        |e| if e.message.contains("nest more than") { e.message } else { format!("{path}: {}", e.message) },
    )
}
