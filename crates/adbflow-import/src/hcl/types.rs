//! Variable type constraints (`type = map(object({ name = string, nsg = optional(bool, true) }))`)
//! and Terraform's conversions to them: strings from numbers and booleans and back, lists to
//! sets, and object attributes filled from `optional(…)` defaults — so a module reads
//! `var.subnets["host"].nsg` the same way Terraform would.

use super::machine::{Machine, Scope};
use super::value::V;
use ::hcl::edit::expr::{Expression, ObjectKey};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub(crate) enum Ty {
    Any,
    Str,
    Num,
    Bool,
    List(Box<Ty>),
    Set(Box<Ty>),
    Map(Box<Ty>),
    Tuple(Vec<Ty>),
    /// Attribute → (type, `Some(default)` when optional; the default may be absent: null).
    Object(BTreeMap<String, (Ty, Option<Option<Expression>>)>),
}

impl Ty {
    /// Whether a value given on the command line is taken as a plain string.
    pub(crate) fn takes_raw_string(&self) -> bool {
        matches!(self, Ty::Any | Ty::Str)
    }
}

pub(crate) fn parse(e: &Expression) -> Result<Ty, String> {
    match e {
        Expression::Variable(v) => match v.as_str() {
            "any" => Ok(Ty::Any),
            "string" => Ok(Ty::Str),
            "number" => Ok(Ty::Num),
            "bool" => Ok(Ty::Bool),
            other => Err(format!("unknown type `{other}`")),
        },
        Expression::FuncCall(f) => {
            let args: Vec<&Expression> = f.args.iter().collect();
            let one = || -> Result<Ty, String> {
                match args.as_slice() {
                    [a] => parse(a),
                    _ => Err(format!("{}(…) takes one type", f.name.name.as_str())),
                }
            };
            match f.name.name.as_str() {
                "list" => Ok(Ty::List(Box::new(one()?))),
                "set" => Ok(Ty::Set(Box::new(one()?))),
                "map" => Ok(Ty::Map(Box::new(one()?))),
                "tuple" => match args.as_slice() {
                    [Expression::Array(a)] => Ok(Ty::Tuple(a.iter().map(parse).collect::<Result<_, _>>()?)),
                    _ => Err("tuple(…) takes a list of types".into()),
                },
                "object" => match args.as_slice() {
                    [Expression::Object(o)] => {
                        let mut attrs = BTreeMap::new();
                        for (k, v) in o.iter() {
                            let name = match k {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => s.as_str().to_string(),
                                _ => return Err("object type attribute names must be identifiers".into()),
                            };
                            attrs.insert(name, attribute(v.expr())?);
                        }
                        Ok(Ty::Object(attrs))
                    }
                    _ => Err("object(…) takes an object of attribute types".into()),
                },
                "optional" => Err("optional(…) is allowed only for object attributes".into()),
                other => Err(format!("unknown type constructor `{other}`")),
            }
        }
        _ => Err("a type constraint must be a type such as string, list(string) or object({…})".into()),
    }
}

fn attribute(e: &Expression) -> Result<(Ty, Option<Option<Expression>>), String> {
    if let Expression::FuncCall(f) = e {
        if f.name.name.as_str() == "optional" {
            let args: Vec<&Expression> = f.args.iter().collect();
            return match args.as_slice() {
                [t] => Ok((parse(t)?, Some(None))),
                [t, d] => Ok((parse(t)?, Some(Some((*d).clone())))),
                _ => Err("optional(…) takes a type and an optional default".into()),
            };
        }
    }
    Ok((parse(e)?, None))
}

/// Convert a value to a type, as Terraform does when a variable receives it.
pub(crate) fn convert(m: &mut Machine, v: V, ty: &Ty, sc: &Scope) -> Result<V, String> {
    if matches!(v, V::Unknown(_) | V::Resource(..)) || matches!(ty, Ty::Any) {
        return Ok(v);
    }
    if v == V::Null {
        return Ok(V::Null);
    }
    match ty {
        Ty::Any => Ok(v),
        Ty::Str => {
            v.as_string().map(V::Str).ok_or_else(|| format!("expected a string, found {}", v.type_name()))
        }
        Ty::Num => match &v {
            V::Num(_) => Ok(v),
            V::Str(s) => {
                s.trim().parse::<f64>().map(V::Num).map_err(|_| format!("expected a number, found \"{s}\""))
            }
            _ => Err(format!("expected a number, found {}", v.type_name())),
        },
        Ty::Bool => match &v {
            V::Bool(_) => Ok(v),
            V::Str(s) if s == "true" || s == "false" => Ok(V::Bool(s == "true")),
            _ => Err(format!("expected true or false, found {}", v.type_name())),
        },
        Ty::List(t) | Ty::Set(t) => {
            let items = match v {
                V::List(i) | V::Set(i) => i,
                other => return Err(format!("expected a list, found {}", other.type_name())),
            };
            let mut out = Vec::new();
            for (i, it) in items.into_iter().enumerate() {
                out.push(convert(m, it, t, sc).map_err(|e| format!("element {i}: {e}"))?);
            }
            Ok(if matches!(ty, Ty::Set(_)) { V::set(out) } else { V::List(out) })
        }
        Ty::Tuple(ts) => {
            let items = match v {
                V::List(i) | V::Set(i) => i,
                other => return Err(format!("expected a tuple, found {}", other.type_name())),
            };
            if items.len() != ts.len() {
                return Err(format!("expected {} elements, found {}", ts.len(), items.len()));
            }
            let mut out = Vec::new();
            for (it, t) in items.into_iter().zip(ts) {
                out.push(convert(m, it, t, sc)?);
            }
            Ok(V::List(out))
        }
        Ty::Map(t) => {
            let V::Map(entries) = v else { return Err(format!("expected a map, found {}", v.type_name())) };
            let mut out = BTreeMap::new();
            for (k, x) in entries {
                let c = convert(m, x, t, sc).map_err(|e| format!("[\"{k}\"]: {e}"))?;
                out.insert(k, c);
            }
            Ok(V::Map(out))
        }
        Ty::Object(attrs) => {
            let V::Map(mut entries) = v else {
                return Err(format!("expected an object, found {}", v.type_name()));
            };
            let mut out = BTreeMap::new();
            for (name, (t, optional)) in attrs {
                let value = match (entries.remove(name), optional) {
                    (Some(V::Null) | None, Some(Some(default))) => {
                        let r = m.eval(default, sc);
                        r.map_err(|e| format!("the default of attribute \"{name}\": {}", e.message))?
                    }
                    (Some(x), _) => x,
                    (None, Some(None)) => V::Null,
                    (None, None) => return Err(format!("attribute \"{name}\" is required")),
                };
                out.insert(name.clone(), convert(m, value, t, sc).map_err(|e| format!(".{name}: {e}"))?);
            }
            Ok(V::Map(out))
        }
    }
}
