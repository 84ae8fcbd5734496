//! Expression evaluation: literals, templates, references, operators, conditionals, `for`
//! expressions and splats, following Terraform's rules. A value known only after apply stays
//! unknown and carries the resource instances it depends on; an expression adbflow cannot
//! evaluate is an error here, which the caller turns into a warning naming file:line and an
//! unknown value.

use super::machine::{Machine, Scope};
use super::value::{Unknown, V};
use ::hcl::edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use ::hcl::edit::template::{Directive, Element, Template};
use ::hcl::edit::Span;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub(crate) struct EvalError {
    pub message: String,
    /// Byte offset in the scope's file, when the failing part is known.
    pub offset: Option<usize>,
}

pub(crate) type R = Result<V, EvalError>;

pub(crate) fn fail(at: &impl Span, message: impl Into<String>) -> EvalError {
    EvalError { message: message.into(), offset: at.span().map(|s| s.start) }
}

fn fail_at(offset: Option<usize>, message: impl Into<String>) -> EvalError {
    EvalError { message: message.into(), offset }
}

/// Nesting deep enough for any real configuration; stops runaway recursion in hostile input.
const MAX_DEPTH: usize = 200;

impl Machine {
    pub(crate) fn eval(&mut self, e: &Expression, sc: &Scope) -> R {
        self.depth += 1;
        let r = if self.depth > MAX_DEPTH {
            Err(fail(e, "the expression is nested too deeply"))
        } else {
            self.eval_inner(e, sc)
        };
        self.depth -= 1;
        r.map_err(|mut err| {
            if err.offset.is_none() {
                err.offset = e.span().map(|s| s.start);
            }
            err
        })
    }

    fn eval_inner(&mut self, e: &Expression, sc: &Scope) -> R {
        match e {
            Expression::Null(_) => Ok(V::Null),
            Expression::Bool(b) => Ok(V::Bool(**b)),
            Expression::Number(n) => Ok(V::Num(n.as_f64().unwrap_or_default())),
            Expression::String(s) => Ok(V::Str(s.as_str().to_string())),
            Expression::Array(a) => {
                let mut out = Vec::new();
                for x in a.iter() {
                    out.push(self.eval(x, sc)?);
                }
                Ok(V::List(out))
            }
            Expression::Object(o) => {
                let mut out = BTreeMap::new();
                let mut unknown_key = None;
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => V::Str(i.as_str().to_string()),
                        ObjectKey::Expression(x) => self.eval(x, sc)?,
                    };
                    let val = self.eval(v.expr(), sc)?;
                    match key {
                        V::Unknown(u) => unknown_key = Some(u),
                        other => match other.as_string() {
                            Some(k) => {
                                out.insert(k, val);
                            }
                            None => {
                                return Err(fail(
                                    k,
                                    format!("an object key must be a string, found {}", other.type_name()),
                                ))
                            }
                        },
                    }
                }
                match unknown_key {
                    Some(_) => Ok(V::Map(out).to_unknown()),
                    None => Ok(V::Map(out)),
                }
            }
            Expression::StringTemplate(t) => self.template(t, sc),
            Expression::HeredocTemplate(h) => self.template_indented(&h.template, sc, h.indent()),
            Expression::Parenthesis(p) => self.eval(p.inner(), sc),
            Expression::Variable(v) => self.variable(v.as_str(), e, sc),
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, sc)?;
                match cond {
                    V::Bool(true) => self.eval(&c.true_expr, sc),
                    V::Bool(false) => self.eval(&c.false_expr, sc),
                    V::Unknown(mut u) => {
                        // Either branch may be the value: keep what both depend on.
                        for b in [&c.true_expr, &c.false_expr] {
                            if let Ok(v) = self.eval(b, sc) {
                                v.unknown_refs(&mut u.refs);
                            }
                        }
                        Ok(V::Unknown(u))
                    }
                    V::Str(s) if s == "true" || s == "false" => {
                        self.eval(if s == "true" { &c.true_expr } else { &c.false_expr }, sc)
                    }
                    other => Err(fail(
                        &c.cond_expr,
                        format!("the condition must be true or false, found {}", other.type_name()),
                    )),
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str();
                if f.name.is_namespaced() {
                    return Err(fail(
                        &**f,
                        format!(
                            "provider-defined function {}::{} is not supported",
                            f.name.namespace.iter().map(|n| n.as_str()).collect::<Vec<_>>().join("::"),
                            name
                        ),
                    ));
                }
                match name {
                    "try" => return self.try_(f.args.iter().collect(), sc),
                    "can" => {
                        let [arg] = f.args.iter().collect::<Vec<_>>()[..] else {
                            return Err(fail(&**f, "can() takes one argument"));
                        };
                        return Ok(match self.eval_quiet(arg, sc) {
                            Ok(v) if v.has_unknown() => v.to_unknown(),
                            Ok(_) => V::Bool(true),
                            Err(_) => V::Bool(false),
                        });
                    }
                    _ => {}
                }
                let mut args = Vec::new();
                for a in f.args.iter() {
                    args.push(self.eval(a, sc)?);
                }
                if f.args.expand_final() {
                    match args.pop() {
                        Some(V::List(v)) | Some(V::Set(v)) => args.extend(v),
                        Some(u @ V::Unknown(_)) => return Ok(u),
                        _ => return Err(fail(&**f, "the final argument expanded with ... must be a list")),
                    }
                }
                super::funcs::call(self, name, args, sc).map_err(|m| {
                    let prefix = format!("{name}(): ");
                    fail(&**f, if m.starts_with(&prefix) { m } else { format!("{prefix}{m}") })
                })
            }
            Expression::Traversal(t) => {
                let (base, rest) = match &t.expr {
                    Expression::Variable(v) => self.root(v.as_str(), &t.operators, e, sc)?,
                    other => (self.eval(other, sc)?, 0),
                };
                let ops: Vec<&TraversalOperator> = t.operators[rest..].iter().map(|o| &**o).collect();
                self.traverse(base, &ops, sc)
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr, sc)?;
                match (&*u.operator, v) {
                    (_, v @ V::Unknown(_)) => Ok(v),
                    (UnaryOperator::Neg, V::Num(n)) => Ok(V::Num(-n)),
                    (UnaryOperator::Not, V::Bool(b)) => Ok(V::Bool(!b)),
                    (op, v) => {
                        Err(fail(&**u, format!("operator {} cannot apply to {}", op.as_str(), v.type_name())))
                    }
                }
            }
            Expression::BinaryOp(b) => {
                let l = self.eval(&b.lhs_expr, sc)?;
                let r = self.eval(&b.rhs_expr, sc)?;
                binary(*b.operator, l, r).map_err(|m| fail(&**b, m))
            }
            Expression::ForExpr(f) => self.for_expr(f, sc),
        }
    }

    /// Evaluate without the evaluation's own errors counting as warnings (for `try`/`can`).
    fn eval_quiet(&mut self, e: &Expression, sc: &Scope) -> R {
        let before = self.warnings.len();
        let r = self.eval(e, sc);
        if r.is_err() {
            self.warnings.truncate(before);
        }
        r
    }

    fn try_(&mut self, args: Vec<&Expression>, sc: &Scope) -> R {
        let mut last = None;
        for a in &args {
            match self.eval_quiet(a, sc) {
                // An unknown might still fail once known: Terraform waits, and so does adbflow.
                Ok(v) if v.has_unknown() => return Ok(v.to_unknown()),
                Ok(v) => return Ok(v),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| fail_at(None, "try() needs at least one argument")))
    }

    fn variable(&mut self, name: &str, e: &Expression, sc: &Scope) -> R {
        if let Some((_, v)) = sc.locals.iter().rev().find(|(n, _)| n == name) {
            return Ok(v.clone());
        }
        Err(fail(
            e,
            format!(
                "`{name}` alone is not a value; did you mean an attribute of it (e.g. {name}.something)?"
            ),
        ))
    }

    /// The value a traversal's first names stand for, and how many operators they used.
    fn root(
        &mut self,
        name: &str,
        ops: &[::hcl::edit::Decorated<TraversalOperator>],
        e: &Expression,
        sc: &Scope,
    ) -> Result<(V, usize), EvalError> {
        if sc.locals.iter().any(|(n, _)| n == name) {
            return Ok((self.variable(name, e, sc)?, 0));
        }
        let attr = |i: usize| -> Option<String> {
            match ops.get(i).map(|o| &**o) {
                Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
                _ => None,
            }
        };
        let need = |i: usize, what: &str| -> Result<String, EvalError> {
            attr(i).ok_or_else(|| fail(e, format!("`{name}` must be followed by {what}")))
        };
        match name {
            "var" => {
                let v = need(0, "a variable name")?;
                Ok((self.var(sc, &v).map_err(|m| fail(e, m))?, 1))
            }
            "local" => {
                let l = need(0, "a local value name")?;
                Ok((self.local(sc, &l).map_err(|m| fail(e, m))?, 1))
            }
            "count" => match (need(0, "`.index`")?.as_str(), sc.count) {
                ("index", Some(i)) => Ok((V::Num(i as f64), 1)),
                ("index", None) => Err(fail(e, "count.index is used where the block has no `count`")),
                (other, _) => Err(fail(e, format!("count has no attribute `{other}`; use count.index"))),
            },
            "each" => {
                let Some((k, v)) = sc.each.clone() else {
                    return Err(fail(e, "each.key/each.value are used where the block has no `for_each`"));
                };
                match need(0, "`.key` or `.value`")?.as_str() {
                    "key" => Ok((k, 1)),
                    "value" => Ok((v, 1)),
                    other => {
                        Err(fail(e, format!("each has no attribute `{other}`; use each.key or each.value")))
                    }
                }
            }
            "path" => match need(0, "module, root or cwd")?.as_str() {
                "module" => Ok((V::Str(sc.config.shown.display().to_string()), 1)),
                "root" => Ok((V::Str(self.root_shown.clone()), 1)),
                "cwd" => Ok((V::Str(".".into()), 1)),
                other => Err(fail(e, format!("path has no attribute `{other}`"))),
            },
            "terraform" => match need(0, "`.workspace`")?.as_str() {
                // Without a backend there is only the default workspace.
                "workspace" => Ok((V::Str("default".into()), 1)),
                other => Err(fail(e, format!("terraform.{other} is not supported"))),
            },
            "self" => Err(fail(
                e,
                "`self` is only valid in provisioners and conditions, which adbflow does not evaluate",
            )),
            "module" => {
                let call = need(0, "a module name")?;
                Ok((self.call_value(sc, &call).map_err(|m| fail(e, m))?, 1))
            }
            "data" => {
                let t = need(0, "a data source type")?;
                let n = need(1, "a data source name")?;
                Ok((self.resource_value(sc, true, &t, &n).map_err(|m| fail(e, m))?, 2))
            }
            rtype => {
                let n = need(0, "a resource name")?;
                Ok((self.resource_value(sc, false, rtype, &n).map_err(|m| fail(e, m))?, 1))
            }
        }
    }

    fn traverse(&mut self, mut v: V, ops: &[&TraversalOperator], sc: &Scope) -> R {
        let mut i = 0;
        while i < ops.len() {
            match ops[i] {
                TraversalOperator::GetAttr(a) => v = get_attr(v, a.as_str()).map_err(|m| fail(a, m))?,
                TraversalOperator::LegacyIndex(n) => {
                    v = index(v, V::Num(**n as f64)).map_err(|m| fail(n, m))?
                }
                TraversalOperator::Index(x) => {
                    let k = self.eval(x, sc)?;
                    v = index(v, k).map_err(|m| fail(x, m))?;
                }
                TraversalOperator::FullSplat(s) | TraversalOperator::AttrSplat(s) => {
                    let full = matches!(ops[i], TraversalOperator::FullSplat(_));
                    // An attribute splat applies only the attribute accesses that follow it.
                    let end = if full {
                        ops.len()
                    } else {
                        ops[i + 1..]
                            .iter()
                            .position(|o| !matches!(o, TraversalOperator::GetAttr(_)))
                            .map_or(ops.len(), |p| i + 1 + p)
                    };
                    let items = match v {
                        V::List(items) | V::Set(items) => items,
                        V::Null => Vec::new(),
                        u @ V::Unknown(_) => return Ok(u),
                        other => vec![other],
                    };
                    let _ = s;
                    let mut out = Vec::new();
                    for it in items {
                        out.push(self.traverse(it, &ops[i + 1..end], sc)?);
                    }
                    v = V::List(out);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(v)
    }

    fn for_expr(&mut self, f: &::hcl::edit::expr::ForExpr, sc: &Scope) -> R {
        let coll = self.eval(&f.intro.collection_expr, sc)?;
        let pairs: Vec<(V, V)> = match coll {
            V::List(items) => items.into_iter().enumerate().map(|(i, v)| (V::Num(i as f64), v)).collect(),
            V::Set(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
            V::Map(m) => m.into_iter().map(|(k, v)| (V::Str(k), v)).collect(),
            V::Null => return Err(fail(&f.intro.collection_expr, "cannot iterate over null")),
            other if other.has_unknown() => return Ok(other.to_unknown()),
            other => {
                return Err(fail(
                    &f.intro.collection_expr,
                    format!("cannot iterate over a {}", other.type_name()),
                ))
            }
        };
        let mut list = Vec::new();
        let mut map: BTreeMap<String, V> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<V>> = BTreeMap::new();
        let mut unknown: Option<Unknown> = None;
        for (k, v) in pairs {
            let mut inner = sc.clone();
            if let Some(kv) = &f.intro.key_var {
                inner.locals.push((kv.as_str().to_string(), k));
            }
            inner.locals.push((f.intro.value_var.as_str().to_string(), v));
            if let Some(c) = &f.cond {
                match self.eval(&c.expr, &inner)? {
                    V::Bool(true) => {}
                    V::Bool(false) => continue,
                    u @ V::Unknown(_) => {
                        let mut refs = BTreeSet::new();
                        u.unknown_refs(&mut refs);
                        unknown.get_or_insert_with(Unknown::default).refs.extend(refs);
                        continue;
                    }
                    other => {
                        return Err(fail(
                            &c.expr,
                            format!("the `if` clause must be true or false, found {}", other.type_name()),
                        ))
                    }
                }
            }
            let value = self.eval(&f.value_expr, &inner)?;
            match &f.key_expr {
                None => list.push(value),
                Some(ke) => match self.eval(ke, &inner)? {
                    V::Unknown(u) => {
                        unknown.get_or_insert_with(Unknown::default).refs.extend(u.refs);
                    }
                    key => {
                        let Some(key) = key.as_string() else {
                            return Err(fail(
                                ke,
                                format!("a key must be a string, found {}", key.type_name()),
                            ));
                        };
                        if f.grouping {
                            groups.entry(key).or_default().push(value);
                        } else {
                            match map.entry(key) {
                                std::collections::btree_map::Entry::Occupied(o) => {
                                    return Err(fail(ke, format!("two elements have the key \"{}\"; use `...` after the value to group them", o.key())));
                                }
                                std::collections::btree_map::Entry::Vacant(slot) => {
                                    slot.insert(value);
                                }
                            }
                        }
                    }
                },
            }
        }
        if let Some(mut u) = unknown {
            // Which elements are in is unknown: the result depends on all of them.
            V::List(list).unknown_refs(&mut u.refs);
            V::Map(map).unknown_refs(&mut u.refs);
            return Ok(V::Unknown(u));
        }
        Ok(match &f.key_expr {
            None => V::List(list),
            Some(_) if f.grouping => V::Map(groups.into_iter().map(|(k, v)| (k, V::List(v))).collect()),
            Some(_) => V::Map(map),
        })
    }

    /// A string template; a template that is a single interpolation yields the value itself.
    pub(crate) fn template(&mut self, t: &Template, sc: &Scope) -> R {
        self.template_indented(t, sc, None)
    }

    /// `indent`: what a `<<-` heredoc strips from each line. The parser strips it from the
    /// template's own lines but not from lines inside `%{if}`/`%{for}` directives.
    fn template_indented(&mut self, t: &Template, sc: &Scope, indent: Option<usize>) -> R {
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            return self.eval(&i.expr, sc);
        }
        let parts = self.template_parts(t, sc, false, Nest { here: None, nested: indent })?;
        let mut s = String::new();
        let mut unknown: Option<Unknown> = None;
        for p in parts {
            match p {
                Part::Text(t) => s.push_str(&t),
                Part::Unknown(u) => unknown.get_or_insert_with(Unknown::default).refs.extend(u.refs),
            }
        }
        Ok(match unknown {
            Some(u) => V::Unknown(u),
            None => V::Str(s),
        })
    }

    /// `lead` strips the whitespace the template starts with (a `~}` just before it).
    fn template_parts(
        &mut self,
        t: &Template,
        sc: &Scope,
        lead: bool,
        nest: Nest,
    ) -> Result<Vec<Part>, EvalError> {
        let inner_nest = Nest { here: nest.nested, nested: nest.nested };
        let mut parts: Vec<Part> = Vec::new();
        let mut strip_next = lead;
        for el in t.iter() {
            match el {
                Element::Literal(l) => {
                    let text = match nest.here {
                        Some(n) => dedent_lines(l, n),
                        None => l.to_string(),
                    };
                    let text = if strip_next { text.trim_start().to_string() } else { text };
                    strip_next = false;
                    parts.push(Part::Text(text));
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        strip_last(&mut parts);
                    }
                    strip_next = i.strip.strip_end();
                    let v = self.eval(&i.expr, sc)?;
                    parts.push(stringify(v).map_err(|m| fail(&i.expr, m))?);
                }
                Element::Directive(d) => match &**d {
                    Directive::If(d) => {
                        if d.if_expr.strip.strip_start() {
                            strip_last(&mut parts);
                        }
                        strip_next = d.endif_expr.strip.strip_end();
                        let else_strip = d.else_expr.as_ref().map(|e| e.strip);
                        let branch = match self.eval(&d.if_expr.cond_expr, sc)? {
                            V::Bool(true) => {
                                let mut inner = self.template_parts(
                                    &d.if_expr.template,
                                    sc,
                                    d.if_expr.strip.strip_end(),
                                    inner_nest,
                                )?;
                                let trail =
                                    else_strip.map_or(d.endif_expr.strip.strip_start(), |s| s.strip_start());
                                if trail {
                                    strip_last(&mut inner);
                                }
                                inner
                            }
                            V::Bool(false) => match &d.else_expr {
                                Some(e) => {
                                    let mut inner = self.template_parts(
                                        &e.template,
                                        sc,
                                        e.strip.strip_end(),
                                        inner_nest,
                                    )?;
                                    if d.endif_expr.strip.strip_start() {
                                        strip_last(&mut inner);
                                    }
                                    inner
                                }
                                None => Vec::new(),
                            },
                            u @ V::Unknown(_) => {
                                vec![stringify(u).map_err(|m| fail(&d.if_expr.cond_expr, m))?]
                            }
                            other => {
                                return Err(fail(
                                    &d.if_expr.cond_expr,
                                    format!(
                                        "the condition must be true or false, found {}",
                                        other.type_name()
                                    ),
                                ))
                            }
                        };
                        parts.extend(branch);
                    }
                    Directive::For(d) => {
                        if d.for_expr.strip.strip_start() {
                            strip_last(&mut parts);
                        }
                        strip_next = d.endfor_expr.strip.strip_end();
                        let coll = self.eval(&d.for_expr.collection_expr, sc)?;
                        let pairs: Vec<(V, V)> = match coll {
                            V::List(items) => {
                                items.into_iter().enumerate().map(|(i, v)| (V::Num(i as f64), v)).collect()
                            }
                            V::Set(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
                            V::Map(m) => m.into_iter().map(|(k, v)| (V::Str(k), v)).collect(),
                            u @ V::Unknown(_) => {
                                parts.push(stringify(u).map_err(|m| fail(&d.for_expr.collection_expr, m))?);
                                continue;
                            }
                            other => {
                                return Err(fail(
                                    &d.for_expr.collection_expr,
                                    format!("cannot iterate over a {}", other.type_name()),
                                ))
                            }
                        };
                        for (k, v) in pairs {
                            let mut inner = sc.clone();
                            if let Some(kv) = &d.for_expr.key_var {
                                inner.locals.push((kv.as_str().to_string(), k));
                            }
                            inner.locals.push((d.for_expr.value_var.as_str().to_string(), v));
                            let mut body = self.template_parts(
                                &d.for_expr.template,
                                &inner,
                                d.for_expr.strip.strip_end(),
                                inner_nest,
                            )?;
                            if d.endfor_expr.strip.strip_start() {
                                strip_last(&mut body);
                            }
                            parts.extend(body);
                        }
                    }
                },
            }
        }
        Ok(parts)
    }
}

#[derive(Clone, Copy)]
struct Nest {
    /// Indentation to strip from this template's literals.
    here: Option<usize>,
    /// Indentation to strip inside its directives.
    nested: Option<usize>,
}

/// Strip up to `n` leading spaces from every line that starts inside `s` (not its first, which
/// continues a line begun before it).
fn dedent_lines(s: &str, n: usize) -> String {
    let mut out = String::new();
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            let ws = line.chars().take(n).take_while(|c| *c == ' ' || *c == '\t').count();
            out.push_str(&line[ws..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

enum Part {
    Text(String),
    Unknown(Unknown),
}

fn strip_last(parts: &mut [Part]) {
    if let Some(Part::Text(t)) = parts.last_mut() {
        *t = t.trim_end().to_string();
    }
}

fn stringify(v: V) -> Result<Part, String> {
    match v {
        V::Unknown(u) => Ok(Part::Unknown(u)),
        V::Null => Err("cannot interpolate null into a string".into()),
        other => match other.as_string() {
            Some(s) => Ok(Part::Text(s)),
            None if other.has_unknown() => match other.to_unknown() {
                V::Unknown(u) => Ok(Part::Unknown(u)),
                _ => Err("cannot interpolate this value".into()),
            },
            None => Err(format!("cannot interpolate a {} into a string", other.type_name())),
        },
    }
}

pub(crate) fn get_attr(v: V, name: &str) -> Result<V, String> {
    match v {
        V::Map(mut m) => m.remove(name).ok_or_else(|| {
            let keys: Vec<&String> = m.keys().take(12).collect();
            format!(
                "the object has no attribute \"{name}\" (it has: {})",
                keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            )
        }),
        V::Resource(mut attrs, addr) => {
            Ok(attrs.remove(name).unwrap_or_else(|| V::Unknown(Unknown::of(addr))))
        }
        u @ V::Unknown(_) => Ok(u),
        V::Null => Err(format!("cannot read attribute \"{name}\" of null")),
        other => Err(format!("cannot read attribute \"{name}\" of a {}", other.type_name())),
    }
}

pub(crate) fn index(v: V, k: V) -> Result<V, String> {
    match (v, k) {
        (u @ V::Unknown(_), _) => Ok(u),
        (coll, V::Unknown(mut u)) => {
            coll.unknown_refs(&mut u.refs);
            Ok(V::Unknown(u))
        }
        (V::List(items), k) => {
            let i = whole(&k)
                .ok_or_else(|| format!("a list index must be a whole number, found {}", show(&k)))?;
            let len = items.len();
            items.into_iter().nth(i).ok_or_else(|| format!("index {i} is out of range for a list of {len}"))
        }
        (V::Map(mut m), k) => {
            let key = k
                .as_string()
                .ok_or_else(|| format!("a map key must be a string, found {}", k.type_name()))?;
            m.remove(&key).ok_or_else(|| format!("the map has no element \"{key}\""))
        }
        (V::Resource(mut attrs, addr), k) => {
            let key = k
                .as_string()
                .ok_or_else(|| format!("an attribute name must be a string, found {}", k.type_name()))?;
            Ok(attrs.remove(&key).unwrap_or_else(|| V::Unknown(Unknown::of(addr))))
        }
        (V::Set(_), _) => {
            Err("a set has no order, so its elements cannot be indexed; convert it with tolist()".into())
        }
        (V::Null, _) => Err("cannot index null".into()),
        (other, _) => Err(format!("cannot index a {}", other.type_name())),
    }
}

pub(crate) fn whole(v: &V) -> Option<usize> {
    match v {
        V::Num(n) if n.fract() == 0.0 && *n >= 0.0 => Some(*n as usize),
        V::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn show(v: &V) -> String {
    v.as_string().unwrap_or_else(|| v.type_name().to_string())
}

pub(crate) fn number(v: &V) -> Option<f64> {
    match v {
        V::Num(n) => Some(*n),
        V::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn boolean(v: &V) -> Option<bool> {
    match v {
        V::Bool(b) => Some(*b),
        V::Str(s) if s == "true" => Some(true),
        V::Str(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// Terraform equality: numbers by value, collections element-wise, strings and numbers never equal.
pub(crate) fn equal(a: &V, b: &V) -> Option<bool> {
    if a.has_unknown() || b.has_unknown() {
        return None;
    }
    Some(match (a, b) {
        (V::Num(x), V::Num(y)) => x == y,
        (V::List(x), V::List(y)) | (V::Set(x), V::Set(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y) {
                if !equal(p, q)? {
                    return Some(false);
                }
            }
            true
        }
        (V::Map(x), V::Map(y)) => {
            if x.len() != y.len() || x.keys().ne(y.keys()) {
                return Some(false);
            }
            for (p, q) in x.values().zip(y.values()) {
                if !equal(p, q)? {
                    return Some(false);
                }
            }
            true
        }
        (x, y) => x == y,
    })
}

fn binary(op: BinaryOperator, l: V, r: V) -> Result<V, String> {
    use BinaryOperator as B;
    if matches!(op, B::Eq | B::NotEq) {
        return Ok(match equal(&l, &r) {
            Some(eq) => V::Bool(eq == (op == B::Eq)),
            None => merge_unknown(&l, &r),
        });
    }
    if l.has_unknown() || r.has_unknown() {
        return Ok(merge_unknown(&l, &r));
    }
    match op {
        B::And | B::Or => {
            let (Some(a), Some(b)) = (boolean(&l), boolean(&r)) else {
                return Err(format!(
                    "{} needs two booleans, found {} and {}",
                    op.as_str(),
                    l.type_name(),
                    r.type_name()
                ));
            };
            Ok(V::Bool(if op == B::And { a && b } else { a || b }))
        }
        _ => {
            let (Some(a), Some(b)) = (number(&l), number(&r)) else {
                return Err(format!(
                    "{} needs two numbers, found {} and {}",
                    op.as_str(),
                    show(&l),
                    show(&r)
                ));
            };
            Ok(match op {
                B::Plus => V::Num(a + b),
                B::Minus => V::Num(a - b),
                B::Mul => V::Num(a * b),
                B::Div if b == 0.0 => return Err("division by zero".into()),
                B::Div => V::Num(a / b),
                B::Mod if b == 0.0 => return Err("modulo by zero".into()),
                B::Mod => V::Num(a % b),
                B::Less => V::Bool(a < b),
                B::LessEq => V::Bool(a <= b),
                B::Greater => V::Bool(a > b),
                B::GreaterEq => V::Bool(a >= b),
                _ => return Err(format!("operator {} is not supported", op.as_str())),
            })
        }
    }
}

pub(crate) fn merge_unknown(a: &V, b: &V) -> V {
    let mut refs = BTreeSet::new();
    a.unknown_refs(&mut refs);
    b.unknown_refs(&mut refs);
    V::Unknown(Unknown { refs })
}
