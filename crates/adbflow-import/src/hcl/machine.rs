//! The evaluation of a configuration: module instances, their variables, locals, resources
//! (expanded by `count`/`for_each`), module calls and outputs. Everything is evaluated on demand
//! and remembered, so the order of declarations does not matter, as in Terraform; a reference
//! cycle is reported and its values are unknown.

use super::config::{At, Item, ModuleConfig, Resource, RESOURCE_META, RESOURCE_META_BLOCKS};
use super::eval::{whole, EvalError, R};
use super::types::{self, Ty};
use super::value::{module_address, Addr, Key, Step, Unknown, V};
use super::vars::Given;
use crate::ImportError;
use ::hcl::edit::expr::Expression;
use ::hcl::edit::structure::{Body, Structure};
use ::hcl::edit::Span;
use adbflow_model::{Diagnostic, Origin};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where an expression is evaluated.
#[derive(Clone)]
pub(crate) struct Scope {
    pub module: Vec<Step>,
    pub config: Rc<ModuleConfig>,
    pub file: usize,
    pub count: Option<u64>,
    pub each: Option<(V, V)>,
    /// Names bound by `for` expressions, template `for` directives and `dynamic` iterators.
    pub locals: Vec<(String, V)>,
}

impl Scope {
    fn at(config: &Rc<ModuleConfig>, module: &[Step], file: usize) -> Scope {
        Scope {
            module: module.to_vec(),
            config: config.clone(),
            file,
            count: None,
            each: None,
            locals: Vec::new(),
        }
    }
}

enum Slot {
    Busy,
    Done(V),
}

/// How a module instance was called: enough to evaluate its arguments in the caller's scope.
#[derive(Clone)]
struct CallCtx {
    name: String,
    count: Option<u64>,
    each: Option<(V, V)>,
}

struct ModState {
    config: Rc<ModuleConfig>,
    call: Option<CallCtx>,
    vars: BTreeMap<String, Slot>,
    locals: BTreeMap<String, Slot>,
    resources: BTreeMap<String, Slot>,
    calls: BTreeMap<String, Slot>,
    outputs: BTreeMap<String, Slot>,
    /// Module call name → the child module instance paths (empty for remote sources).
    expanded: BTreeMap<String, Vec<Vec<Step>>>,
}

#[derive(Clone, Copy)]
enum Kind {
    Var,
    Local,
    Resource,
    Call,
    Output,
}

/// One evaluated resource instance.
pub(crate) struct Inst {
    pub addr: Addr,
    pub values: BTreeMap<String, V>,
    pub config: Rc<ModuleConfig>,
    pub resource: usize,
}

pub(crate) struct Machine {
    pub depth: usize,
    pub template_depth: usize,
    pub warnings: Vec<Diagnostic>,
    pub root_shown: String,
    pub insts: Vec<Inst>,
    pub data: Vec<(Addr, Origin)>,
    /// Remote module calls: (module instance address, source, origin).
    pub remote: Vec<(String, String, Origin)>,
    pub fatal: Option<ImportError>,
    /// Provider blocks, evaluated once per module configuration: (module instance, index, values).
    pub providers: Vec<(Vec<Step>, usize, BTreeMap<String, V>)>,
    mods: BTreeMap<Vec<Step>, ModState>,
    configs: BTreeMap<PathBuf, Rc<ModuleConfig>>,
    inputs: BTreeMap<String, Given>,
    /// `.terraform/modules/modules.json`: module key (`net.subnets`) → directory.
    downloaded: BTreeMap<String, PathBuf>,
    root_dir: PathBuf,
}

/// Instance keys with their `each.value`.
type Keys = Vec<(Key, Option<V>)>;

/// Far more instances than any network needs; bounds memory for a mistyped `count`.
const MAX_COUNT: usize = 10_000;

/// Deep enough for real module trees; stops a module that calls itself.
const MAX_MODULE_DEPTH: usize = 16;

impl Machine {
    pub(crate) fn new(root: Rc<ModuleConfig>, inputs: BTreeMap<String, Given>) -> Machine {
        let mut m = Machine {
            depth: 0,
            template_depth: 0,
            warnings: Vec::new(),
            root_shown: root.shown.display().to_string(),
            insts: Vec::new(),
            data: Vec::new(),
            remote: Vec::new(),
            fatal: None,
            providers: Vec::new(),
            mods: BTreeMap::new(),
            configs: BTreeMap::new(),
            inputs,
            downloaded: super::vars::downloaded_modules(&root.dir),
            root_dir: root.dir.clone(),
        };
        m.configs.insert(root.dir.clone(), root.clone());
        m.mods.insert(Vec::new(), ModState::new(root, None));
        m
    }

    pub(crate) fn config_of(&self, module: &[Step]) -> Option<Rc<ModuleConfig>> {
        self.mods.get(module).map(|s| s.config.clone())
    }

    /// Every module instance path, root first.
    pub(crate) fn module_paths(&self) -> Vec<Vec<Step>> {
        self.mods.keys().cloned().collect()
    }

    /// Evaluate every resource of every module instance.
    pub(crate) fn run(&mut self) {
        self.walk(&[]);
        let mut seen = std::collections::BTreeSet::new();
        for path in self.module_paths() {
            let Some(config) = self.config_of(&path) else { continue };
            if !seen.insert(config.dir.clone()) {
                continue;
            }
            for (i, p) in config.providers.iter().enumerate() {
                let sc = Scope::at(&config, &path, p.at.file);
                let values = self.eval_body(&p.body, &sc, &format!("provider.{}", p.name), false);
                self.providers.push((path.clone(), i, values));
            }
        }
        self.insts.sort_by(|a, b| {
            (a.addr.module.clone(), a.resource, a.addr.key.clone()).cmp(&(
                b.addr.module.clone(),
                b.resource,
                b.addr.key.clone(),
            ))
        });
    }

    fn walk(&mut self, module: &[Step]) {
        let Some(config) = self.config_of(module) else { return };
        for r in &config.resources {
            let sc = Scope::at(&config, module, r.at.file);
            if let Err(m) = self.resource_value(&sc, r.data, &r.rtype, &r.name) {
                self.warn(&config, r.at, "terraform-hcl-not-evaluated", &r.local(), m);
            }
        }
        for name in config.calls.keys() {
            for child in self.expand_call(module, name) {
                self.walk(&child);
            }
        }
    }

    // ----- diagnostics -----

    pub(crate) fn warn(
        &mut self,
        config: &ModuleConfig,
        at: At,
        code: &'static str,
        element: &str,
        message: impl Into<String>,
    ) {
        let origin = config.origin(at);
        let d = Diagnostic::warning(code, element, message, Some(&origin));
        if !self.warnings.contains(&d) {
            self.warnings.push(d);
        }
    }

    /// A value, or — when evaluation failed — an unknown and a warning at the failing place.
    pub(crate) fn settle(&mut self, r: R, sc: &Scope, fallback: At, element: &str) -> V {
        match r {
            Ok(v) => v,
            Err(EvalError { message, offset }) => {
                let at = At { file: sc.file, offset: offset.unwrap_or(fallback.offset) };
                let config = sc.config.clone();
                self.warn(
                    &config,
                    at,
                    "terraform-hcl-not-evaluated",
                    element,
                    format!(
                        "{message}; adbflow cannot evaluate this expression and treats its value as unknown"
                    ),
                );
                V::unknown()
            }
        }
    }

    // ----- memoised evaluation -----

    fn memo(
        &mut self,
        module: &[Step],
        kind: Kind,
        name: &str,
        compute: impl FnOnce(&mut Machine) -> V,
    ) -> Result<V, String> {
        let Some(st) = self.mods.get_mut(module) else {
            return Err(format!("module instance {} does not exist", module_address(module)));
        };
        match st.slots(kind).get(name) {
            Some(Slot::Done(v)) => return Ok(v.clone()),
            Some(Slot::Busy) => {
                return Err(format!("{name} refers back to itself through other values (a reference cycle)"))
            }
            None => {}
        }
        st.slots(kind).insert(name.to_string(), Slot::Busy);
        let v = compute(self);
        if let Some(st) = self.mods.get_mut(module) {
            st.slots(kind).insert(name.to_string(), Slot::Done(v.clone()));
        }
        Ok(v)
    }

    pub(crate) fn var(&mut self, sc: &Scope, name: &str) -> Result<V, String> {
        let Some(decl) = sc.config.variables.get(name) else {
            return Err(format!("no variable \"{name}\" is declared in {}", where_(&sc.module)));
        };
        let (decl_at, nullable) = (decl.at, decl.nullable);
        let default = decl.default.clone();
        let type_expr = decl.type_expr.clone();
        let sc = Scope::at(&sc.config, &sc.module, decl_at.file);
        let element = format!("var.{name}");
        self.memo(&sc.module.clone(), Kind::Var, name, move |m| {
            let ty = match &type_expr {
                Some(t) => match types::parse(t) {
                    Ok(ty) => ty,
                    Err(msg) => {
                        let config = sc.config.clone();
                        m.warn(&config, decl_at, "terraform-hcl-not-evaluated", &element, format!("{msg}; the type is not checked"));
                        Ty::Any
                    }
                },
                None => Ty::Any,
            };
            let given = m.given(&sc, name, &ty, &element);
            let value = match given {
                Some(v) if v != V::Null || nullable => v,
                _ => match &default {
                    Some(d) => {
                        let r = m.eval(d, &sc);
                        m.settle(r, &sc, decl_at, &element)
                    }
                    None => {
                        let config = sc.config.clone();
                        m.warn(
                            &config,
                            decl_at,
                            "terraform-hcl-variable-unset",
                            &element,
                            "the variable has no default and no value was given (--var, --var-file, *.auto.tfvars, terraform.tfvars, TF_VAR_ environment); everything that depends on it is unknown",
                        );
                        return V::unknown();
                    }
                },
            };
            match types::convert(m, value, &ty, &sc) {
                Ok(v) => v,
                Err(msg) => {
                    let config = sc.config.clone();
                    m.warn(&config, decl_at, "terraform-hcl-not-evaluated", &element, format!("the value does not match the variable's type: {msg}; it is treated as unknown"));
                    V::unknown()
                }
            }
        })
    }

    /// The value given for a variable: a module argument, or for the root module the user's inputs.
    fn given(&mut self, sc: &Scope, name: &str, ty: &Ty, element: &str) -> Option<V> {
        if sc.module.is_empty() {
            let g = self.inputs.get(name)?.clone();
            return Some(match g {
                Given::Value(v) => v,
                Given::Raw { text, from } => {
                    match super::vars::raw_value(self, &text, ty) {
                        Ok(v) => v,
                        Err(msg) => {
                            let config = sc.config.clone();
                            let at =
                                config.variables.get(name).map(|d| d.at).unwrap_or(At { file: 0, offset: 0 });
                            self.warn(&config, at, "terraform-hcl-not-evaluated", element, format!("the value given by {from} cannot be read: {msg}; it is treated as unknown"));
                            V::unknown()
                        }
                    }
                }
            });
        }
        let parent = &sc.module[..sc.module.len() - 1];
        let st = self.mods.get(&sc.module)?;
        let ctx = st.call.clone()?;
        let pconfig = self.config_of(parent)?;
        let call = pconfig.calls.get(&ctx.name)?;
        let item = call.args.iter().find(|(n, _)| n == name).map(|(_, i)| i)?;
        let mut psc = Scope::at(&pconfig, parent, item.at.file);
        psc.count = ctx.count;
        psc.each = ctx.each.clone();
        let expr = item.expr.clone();
        let at = item.at;
        let r = self.eval(&expr, &psc);
        Some(self.settle(r, &psc, at, &format!("module.{}.{name}", ctx.name)))
    }

    pub(crate) fn local(&mut self, sc: &Scope, name: &str) -> Result<V, String> {
        let Some(item) = sc.config.locals.get(name) else {
            return Err(format!("no local value \"{name}\" is defined in {}", where_(&sc.module)));
        };
        let (expr, at) = (item.expr.clone(), item.at);
        let lsc = Scope::at(&sc.config, &sc.module, at.file);
        self.memo(&sc.module.clone(), Kind::Local, name, move |m| {
            let r = m.eval(&expr, &lsc);
            m.settle(r, &lsc, at, &format!("local.{name}"))
        })
    }

    pub(crate) fn resource_value(
        &mut self,
        sc: &Scope,
        data: bool,
        rtype: &str,
        name: &str,
    ) -> Result<V, String> {
        let local = if data { format!("data.{rtype}.{name}") } else { format!("{rtype}.{name}") };
        let Some(index) = sc.config.resources.iter().position(|r| r.local() == local) else {
            return Err(format!(
                "no {} \"{rtype}\" \"{name}\" is declared in {}",
                if data { "data source" } else { "resource" },
                where_(&sc.module)
            ));
        };
        let config = sc.config.clone();
        let module = sc.module.clone();
        self.memo(&module.clone(), Kind::Resource, &local, move |m| {
            m.expand_resource(&config, &module, index)
        })
    }

    /// The instance keys a `count` or `for_each` gives, with `each.value`; `Err` with a message
    /// when they cannot be known.
    fn instances(
        &mut self,
        count: Option<&Item>,
        for_each: Option<&Item>,
        sc: &Scope,
        element: &str,
    ) -> Result<Option<Keys>, String> {
        if let Some(c) = count {
            let csc = Scope { file: c.at.file, ..sc.clone() };
            let r = self.eval(&c.expr, &csc);
            return match self.settle(r, &csc, c.at, &format!("{element}.count")) {
                V::Unknown(_) => {
                    Err("its `count` is known only after apply (or could not be evaluated)".into())
                }
                v => match whole(&v) {
                    Some(n) if n > MAX_COUNT => {
                        Err(format!("its `count` is {n}; adbflow expands at most {MAX_COUNT} instances"))
                    }
                    Some(n) => Ok(Some((0..n as u64).map(|i| (Key::Int(i), None)).collect())),
                    None => Err(format!("its `count` must be a whole number, found {}", v.type_name())),
                },
            };
        }
        if let Some(f) = for_each {
            let fsc = Scope { file: f.at.file, ..sc.clone() };
            let r = self.eval(&f.expr, &fsc);
            return match self.settle(r, &fsc, f.at, &format!("{element}.for_each")) {
                V::Map(m) => Ok(Some(m.into_iter().map(|(k, v)| (Key::Str(k), Some(v))).collect())),
                V::Set(items) => {
                    let mut out = Vec::new();
                    for it in items {
                        match it {
                            V::Str(s) => out.push((Key::Str(s.clone()), Some(V::Str(s)))),
                            V::Unknown(_) => return Err("its `for_each` set holds values known only after apply".into()),
                            other => return Err(format!("its `for_each` set must hold strings, found a {}", other.type_name())),
                        }
                    }
                    Ok(Some(out))
                }
                V::Unknown(_) => Err("its `for_each` is known only after apply (or could not be evaluated)".into()),
                v if v.has_unknown() => Err("its `for_each` keys are known only after apply".into()),
                V::List(_) => Err("its `for_each` is a list; Terraform accepts only a map or a set of strings (wrap it in toset())".into()),
                other => Err(format!("its `for_each` must be a map or a set of strings, found {}", other.type_name())),
            };
        }
        Ok(None)
    }

    fn expand_resource(&mut self, config: &Rc<ModuleConfig>, module: &[Step], index: usize) -> V {
        let r: &Resource = &config.resources[index];
        let sc = Scope::at(config, module, r.at.file);
        let base = Addr {
            module: module.to_vec(),
            data: r.data,
            rtype: r.rtype.clone(),
            name: r.name.clone(),
            key: None,
        };
        let keys = match self.instances(r.count.as_ref(), r.for_each.as_ref(), &sc, &base.to_string()) {
            Ok(k) => k,
            Err(why) => {
                self.warn(
                    config,
                    r.at,
                    "terraform-hcl-instances-unknown",
                    &base.to_string(),
                    format!("{why}; the resource is left out"),
                );
                return V::Unknown(Unknown::of(base));
            }
        };
        let one = |m: &mut Machine, key: Option<Key>, each: Option<V>| -> V {
            let mut isc = sc.clone();
            match (&key, each) {
                (Some(k), Some(v)) => isc.each = Some((k.value(), v)),
                (Some(Key::Int(i)), None) => isc.count = Some(*i),
                _ => {}
            }
            let addr = Addr { key: key.clone(), ..base.clone() };
            let values = m.eval_body(&r.body, &isc, &addr.to_string(), true);
            if r.data {
                m.data.push((addr.clone(), config.origin(r.at)));
            } else {
                m.insts.push(Inst {
                    addr: addr.clone(),
                    values: values.clone(),
                    config: config.clone(),
                    resource: index,
                });
            }
            V::Resource(values, addr)
        };
        match keys {
            None => one(self, None, None),
            Some(keys) => {
                let counted = r.count.is_some();
                let mut list = Vec::new();
                let mut map = BTreeMap::new();
                for (k, each) in keys {
                    let v = one(self, Some(k.clone()), each);
                    match k {
                        Key::Int(_) => list.push(v),
                        Key::Str(s) => {
                            map.insert(s, v);
                        }
                    }
                }
                if counted {
                    V::List(list)
                } else {
                    V::Map(map)
                }
            }
        }
    }

    /// Attributes and nested blocks of a body; blocks become lists of objects, as in a plan.
    pub(crate) fn eval_body(
        &mut self,
        body: &Body,
        sc: &Scope,
        element: &str,
        top: bool,
    ) -> BTreeMap<String, V> {
        let mut out: BTreeMap<String, V> = BTreeMap::new();
        let mut blocks: BTreeMap<String, Vec<V>> = BTreeMap::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    if top && RESOURCE_META.contains(&name) {
                        continue;
                    }
                    let r = self.eval(&a.value, sc);
                    let at = At { file: sc.file, offset: a.span().map_or(0, |s| s.start) };
                    let v = self.settle(r, sc, at, &format!("{element}.{name}"));
                    out.insert(name.to_string(), v);
                }
                Structure::Block(b) => {
                    let ident = b.ident.as_str();
                    if top && RESOURCE_META_BLOCKS.contains(&ident) {
                        continue;
                    }
                    if ident == "dynamic" {
                        let Some(label) = b.labels.first().map(|l| l.as_str().to_string()) else { continue };
                        let items = self.dynamic(b, sc, &format!("{element}.{label}"));
                        blocks.entry(label).or_default().extend(items);
                        continue;
                    }
                    let v = self.eval_body(&b.body, sc, &format!("{element}.{ident}"), false);
                    blocks.entry(ident.to_string()).or_default().push(V::Map(v));
                }
            }
        }
        for (k, v) in blocks {
            out.insert(k, V::List(v));
        }
        out
    }

    fn dynamic(&mut self, b: &::hcl::edit::structure::Block, sc: &Scope, element: &str) -> Vec<V> {
        let at = At { file: sc.file, offset: b.span().map_or(0, |s| s.start) };
        let label = b.labels.first().map(|l| l.as_str().to_string()).unwrap_or_default();
        let iterator = match super::config::attr(&b.body, "iterator") {
            Some(Expression::Variable(v)) => v.as_str().to_string(),
            _ => label.clone(),
        };
        let Some(content) = b.body.get_blocks("content").next() else {
            let config = sc.config.clone();
            self.warn(
                &config,
                at,
                "terraform-hcl-not-evaluated",
                element,
                "a dynamic block without a `content` block produces nothing",
            );
            return Vec::new();
        };
        let Some(fe) = super::config::attr(&b.body, "for_each") else {
            let config = sc.config.clone();
            self.warn(
                &config,
                at,
                "terraform-hcl-not-evaluated",
                element,
                "a dynamic block needs `for_each`; it produces nothing",
            );
            return Vec::new();
        };
        let r = self.eval(fe, sc);
        let pairs: Vec<(V, V)> = match self.settle(r, sc, at, &format!("{element}.for_each")) {
            V::List(items) => items.into_iter().enumerate().map(|(i, v)| (V::Num(i as f64), v)).collect(),
            V::Set(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
            V::Map(m) => m.into_iter().map(|(k, v)| (V::Str(k), v)).collect(),
            V::Null => Vec::new(),
            other => {
                let why = if other.has_unknown() {
                    "known only after apply".to_string()
                } else {
                    format!("a {}, not a collection", other.type_name())
                };
                let config = sc.config.clone();
                self.warn(
                    &config,
                    at,
                    "terraform-hcl-instances-unknown",
                    element,
                    format!("the dynamic block's for_each is {why}; the blocks it would make are left out"),
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (k, v) in pairs {
            let mut inner = sc.clone();
            inner.locals.push((
                iterator.clone(),
                V::Map(BTreeMap::from([("key".to_string(), k), ("value".to_string(), v)])),
            ));
            out.push(V::Map(self.eval_body(&content.body, &inner, element, false)));
        }
        out
    }

    // ----- module calls -----

    pub(crate) fn call_value(&mut self, sc: &Scope, name: &str) -> Result<V, String> {
        let Some(call) = sc.config.calls.get(name) else {
            return Err(format!("no module \"{name}\" is called in {}", where_(&sc.module)));
        };
        let counted = call.count.is_some();
        let keyed = call.for_each.is_some();
        let module = sc.module.clone();
        let name_owned = name.to_string();
        self.memo(&module.clone(), Kind::Call, name, move |m| {
            let children = m.expand_call(&module, &name_owned);
            let Some(st) = m.mods.get(&module) else { return V::unknown() };
            if st.expanded.get(&name_owned).is_none_or(|c| c.is_empty()) && !counted && !keyed {
                // Remote or unreadable: its outputs cannot be known.
                return V::unknown();
            }
            let mut list = Vec::new();
            let mut map = BTreeMap::new();
            let mut single = V::Null;
            for child in children {
                let outs = m.outputs_of(&child);
                match child.last().and_then(|(_, k)| k.clone()) {
                    Some(Key::Int(_)) => list.push(outs),
                    Some(Key::Str(s)) => {
                        map.insert(s, outs);
                    }
                    None => single = outs,
                }
            }
            if counted {
                V::List(list)
            } else if keyed {
                V::Map(map)
            } else {
                single
            }
        })
    }

    fn outputs_of(&mut self, child: &[Step]) -> V {
        let Some(config) = self.config_of(child) else { return V::unknown() };
        let mut out = BTreeMap::new();
        for (name, item) in &config.outputs {
            let sc = Scope::at(&config, child, item.at.file);
            let (expr, at) = (item.expr.clone(), item.at);
            let element = format!("output.{name}");
            let v = self
                .memo(child, Kind::Output, name, |m| {
                    let r = m.eval(&expr, &sc);
                    m.settle(r, &sc, at, &element)
                })
                .unwrap_or_else(|_| V::unknown());
            out.insert(name.clone(), v);
        }
        V::Map(out)
    }

    /// The instances of module call `name` in `module`, created (and their configuration read)
    /// the first time.
    pub(crate) fn expand_call(&mut self, module: &[Step], name: &str) -> Vec<Vec<Step>> {
        if let Some(c) = self.mods.get(module).and_then(|s| s.expanded.get(name)) {
            return c.clone();
        }
        if let Some(st) = self.mods.get_mut(module) {
            st.expanded.insert(name.to_string(), Vec::new());
        }
        let Some(config) = self.config_of(module) else { return Vec::new() };
        let Some(call) = config.calls.get(name) else { return Vec::new() };
        let call_address = {
            let mut p = module.to_vec();
            p.push((name.to_string(), None));
            module_address(&p)
        };
        if module.len() >= MAX_MODULE_DEPTH {
            self.warn(
                &config,
                call.at,
                "terraform-hcl-not-evaluated",
                &call_address,
                "modules are nested too deeply (a module that calls itself?); this call is not evaluated",
            );
            return Vec::new();
        }
        let Some(child_config) = self.load_module(&config, module, name, &call_address) else {
            return Vec::new();
        };
        let sc = Scope::at(&config, module, call.at.file);
        let keys = match self.instances(call.count.as_ref(), call.for_each.as_ref(), &sc, &call_address) {
            Ok(k) => k,
            Err(why) => {
                self.warn(
                    &config,
                    call.at,
                    "terraform-hcl-instances-unknown",
                    &call_address,
                    format!("{why}; the module's resources are left out"),
                );
                return Vec::new();
            }
        };
        let keys: Vec<(Option<Key>, Option<V>)> = match keys {
            None => vec![(None, None)],
            Some(k) => k.into_iter().map(|(k, v)| (Some(k), v)).collect(),
        };
        let mut children = Vec::new();
        for (key, each) in keys {
            let mut path = module.to_vec();
            path.push((name.to_string(), key.clone()));
            let ctx = CallCtx {
                name: name.to_string(),
                count: match (&key, &each) {
                    (Some(Key::Int(i)), None) => Some(*i),
                    _ => None,
                },
                each: match (&key, each) {
                    (Some(k), Some(v)) => Some((k.value(), v)),
                    _ => None,
                },
            };
            self.mods.insert(path.clone(), ModState::new(child_config.clone(), Some(ctx)));
            children.push(path);
        }
        for (arg, item) in &call.args {
            if !child_config.variables.contains_key(arg) {
                self.warn(&config, item.at, "terraform-hcl-not-evaluated", &format!("{call_address}.{arg}"), format!("the module at {} declares no variable \"{arg}\"; the argument is ignored (Terraform would refuse it)", child_config.shown.display()));
            }
        }
        if let Some(st) = self.mods.get_mut(module) {
            st.expanded.insert(name.to_string(), children.clone());
        }
        children
    }

    fn load_module(
        &mut self,
        parent: &Rc<ModuleConfig>,
        module: &[Step],
        name: &str,
        call_address: &str,
    ) -> Option<Rc<ModuleConfig>> {
        let call = parent.calls.get(name)?;
        let source = call.source.clone();
        let (dir, shown) = if source.starts_with("./") || source.starts_with("../") {
            (
                super::source::normalise(&parent.dir.join(&source)),
                super::source::normalise(&parent.shown.join(&source)),
            )
        } else {
            let key = module.iter().map(|(n, _)| n.as_str()).chain([name]).collect::<Vec<_>>().join(".");
            match self.downloaded.get(&key) {
                Some(d) => {
                    let dir = super::source::normalise(&self.root_dir.join(d));
                    let shown = super::source::normalise(&Path::new(&self.root_shown).join(d));
                    (dir, shown)
                }
                None => {
                    let origin = parent.origin(call.at);
                    if !self.remote.iter().any(|(a, _, _)| a == call_address) {
                        self.remote.push((call_address.to_string(), source, origin));
                    }
                    return None;
                }
            }
        };
        if let Some(c) = self.configs.get(&dir) {
            return Some(c.clone());
        }
        let parsed = match super::source::read_module(&dir, &shown) {
            Ok(p) => p,
            Err(e) => {
                self.fatal.get_or_insert(e);
                return None;
            }
        };
        if parsed.is_empty() {
            self.warn(
                parent,
                call.at,
                "terraform-hcl-not-evaluated",
                call_address,
                format!(
                    "the module directory {} holds no .tf files; the call is not evaluated",
                    shown.display()
                ),
            );
            return None;
        }
        match ModuleConfig::build(dir.clone(), shown, parsed) {
            Ok(c) => {
                let c = Rc::new(c);
                self.configs.insert(dir, c.clone());
                Some(c)
            }
            Err(e) => {
                self.fatal.get_or_insert(e);
                None
            }
        }
    }

    /// The module call expression context of a module instance (for provider inheritance).
    pub(crate) fn call_providers(&self, module: &[Step]) -> Vec<(String, (String, Option<String>))> {
        let Some((last, parent)) = module.split_last() else { return Vec::new() };
        self.config_of(parent)
            .and_then(|c| c.calls.get(&last.0).map(|call| call.providers.clone()))
            .unwrap_or_default()
    }
}

impl ModState {
    fn new(config: Rc<ModuleConfig>, call: Option<CallCtx>) -> Self {
        ModState {
            config,
            call,
            vars: BTreeMap::new(),
            locals: BTreeMap::new(),
            resources: BTreeMap::new(),
            calls: BTreeMap::new(),
            outputs: BTreeMap::new(),
            expanded: BTreeMap::new(),
        }
    }

    fn slots(&mut self, kind: Kind) -> &mut BTreeMap<String, Slot> {
        match kind {
            Kind::Var => &mut self.vars,
            Kind::Local => &mut self.locals,
            Kind::Resource => &mut self.resources,
            Kind::Call => &mut self.calls,
            Kind::Output => &mut self.outputs,
        }
    }
}

fn where_(module: &[Step]) -> String {
    if module.is_empty() {
        "the root module".into()
    } else {
        module_address(module)
    }
}
