//! The evaluated configuration written as `terraform show -json` would write its plan, so the
//! plan importer's azurerm mapping is the only mapping: `planned_values` with what is known,
//! `resource_changes[].change.after_unknown` with what is known only after apply, and
//! `configuration` with each attribute's `references`.
//!
//! References are derived from what each unknown value depends on, not from the expression's
//! text, so they are exact: an instance whose `subnet_id` came from `module.net.subnet_ids["host"]`
//! refers to that one subnet instance. A reference into another module goes through generated
//! outputs and module arguments (named `adbflow_ref_N`), the way the plan importer follows
//! `module.x.output` and `var.v` references.

use super::machine::{Inst, Machine};
use super::value::{Addr, Key, Step, V};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A reference relative to a module: `prefix` + optional `[key]` + `suffix`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Ref {
    prefix: String,
    key: Option<Key>,
    suffix: String,
}

impl Ref {
    fn text(&self) -> String {
        match &self.key {
            Some(k) => format!("{}{k}{}", self.prefix, self.suffix),
            None => format!("{}{}", self.prefix, self.suffix),
        }
    }
    fn base(&self) -> (String, String) {
        (self.prefix.clone(), self.suffix.clone())
    }
}

fn config_path(module: &[Step]) -> String {
    module.iter().map(|(n, _)| format!("module.{n}")).collect::<Vec<_>>().join(".")
}

/// Generated outputs and module arguments that carry references across module boundaries.
#[derive(Default)]
struct Synthetic {
    /// Configuration path → output name → references (relative to that module).
    outputs: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// (parent configuration path, call name) → argument name → references (relative to the parent).
    args: BTreeMap<(String, String), BTreeMap<String, Vec<String>>>,
    names: BTreeMap<(String, Vec<String>), String>,
    next: usize,
}

impl Synthetic {
    fn name(&mut self, place: String, refs: Vec<String>) -> String {
        let key = (place, refs);
        if let Some(n) = self.names.get(&key) {
            return n.clone();
        }
        self.next += 1;
        let n = format!("adbflow_ref_{}", self.next);
        self.names.insert(key, n.clone());
        n
    }

    /// The reference, relative to module instance `from`, that leads to resource instance `to`.
    fn route(&mut self, from: &[Step], to: &Addr) -> Ref {
        let common = from.iter().zip(&to.module).take_while(|(a, b)| a == b).count();
        // Down: from the target's module up to the common ancestor, through generated outputs.
        let mut r = Ref { prefix: to.local(), key: to.key.clone(), suffix: String::new() };
        for depth in (common..to.module.len()).rev() {
            let child = &to.module[..=depth];
            let place = config_path(child);
            let refs = vec![r.text()];
            let name = self.name(format!("out:{place}"), refs.clone());
            self.outputs.entry(place).or_default().insert(name.clone(), refs);
            let (call, key) = child[depth].clone();
            r = Ref { prefix: format!("module.{call}"), key, suffix: format!(".{name}") };
        }
        // Up: from the referring module to the common ancestor, through generated arguments.
        if from.len() > common {
            let parent = &from[..common];
            let (call, key) = from[common].clone();
            let place = (config_path(parent), call.clone());
            // The argument is shared by every instance of the call: when the target has the
            // instance's own key, say so (`each.key`) instead of naming the key.
            let refs = if r.key.is_some() && r.key == key && r.suffix.is_empty() {
                vec![Ref { key: None, ..r.clone() }.text(), own_key_marker(&key)]
            } else {
                vec![r.text()]
            };
            let name = self.name(format!("arg:{}:{}", place.0, place.1), refs.clone());
            self.args.entry(place).or_default().insert(name.clone(), refs);
            r = Ref { prefix: format!("var.{name}"), key: None, suffix: String::new() };
            for depth in (common + 1)..from.len() {
                let parent = &from[..depth];
                let (call, _) = from[depth].clone();
                let place = (config_path(parent), call);
                let refs = vec![r.text()];
                let name = self.name(format!("arg:{}:{}", place.0, place.1), refs.clone());
                self.args.entry(place).or_default().insert(name.clone(), refs);
                r = Ref { prefix: format!("var.{name}"), key: None, suffix: String::new() };
            }
        }
        r
    }
}

fn own_key_marker(key: &Option<Key>) -> String {
    match key {
        Some(Key::Int(_)) => "count.index".into(),
        _ => "each.key".into(),
    }
}

/// Which instances use a reference base, with the key each names.
type Uses = Vec<(usize, Option<Key>)>;

/// The references one configuration expression records for all instances that share it.
fn aggregate(per_inst: &[(Option<Key>, BTreeSet<Ref>)]) -> Vec<String> {
    let mut bases: BTreeMap<(String, String), Uses> = BTreeMap::new();
    for (i, (_, refs)) in per_inst.iter().enumerate() {
        for r in refs {
            bases.entry(r.base()).or_default().push((i, r.key.clone()));
        }
    }
    let mut out: Vec<String> = Vec::new();
    let mut marker = None;
    for ((prefix, suffix), uses) in bases {
        let text = |key: Option<Key>| Ref { prefix: prefix.clone(), key, suffix: suffix.clone() }.text();
        let mentioned: BTreeSet<usize> = uses.iter().map(|(i, _)| *i).collect();
        let own = mentioned.len() == per_inst.len()
            && uses.iter().all(|(i, k)| k.is_some() && *k == per_inst[*i].0)
            && uses.len() == per_inst.len();
        if uses.iter().all(|(_, k)| k.is_none()) {
            out.push(text(None));
        } else if own && per_inst.len() > 1 {
            out.push(text(None));
            marker = Some(own_key_marker(&per_inst[0].0));
        } else {
            let keys: BTreeSet<Option<Key>> = uses.iter().map(|(_, k)| k.clone()).collect();
            for k in keys {
                out.push(text(k));
            }
        }
    }
    out.extend(marker);
    out.sort();
    out.dedup();
    out
}

struct Builder<'m> {
    machine: &'m Machine,
    synthetic: Synthetic,
}

impl Builder<'_> {
    fn refs_of(&mut self, inst: &Inst, v: &V) -> BTreeSet<Ref> {
        let mut targets = BTreeSet::new();
        v.unknown_refs(&mut targets);
        targets.remove(&inst.addr);
        targets.into_iter().map(|t| self.synthetic.route(&inst.addr.module, &t)).collect()
    }

    /// Expressions for a body shared by instances: blocks (lists of objects) become arrays of
    /// block expressions, everything else one expression with its references.
    fn expressions(&mut self, insts: &[(&Inst, &BTreeMap<String, V>)]) -> Value {
        let mut keys: BTreeSet<&String> = BTreeSet::new();
        for (_, m) in insts {
            keys.extend(m.keys());
        }
        let mut out = Map::new();
        for k in keys {
            let vals: Vec<(&Inst, &V)> =
                insts.iter().filter_map(|(i, m)| m.get(k).map(|v| (*i, v))).collect();
            let is_blocks = vals
                .iter()
                .all(|(_, v)| matches!(v, V::List(items) if !items.is_empty() && items.iter().all(|x| matches!(x, V::Map(_)))));
            if is_blocks {
                let max = vals.iter().filter_map(|(_, v)| v.items().map(<[V]>::len)).max().unwrap_or(0);
                let mut blocks = Vec::new();
                for j in 0..max {
                    let nth: Vec<(&Inst, &BTreeMap<String, V>)> = vals
                        .iter()
                        .filter_map(|(i, v)| match v.items().and_then(|items| items.get(j)) {
                            Some(V::Map(m)) => Some((*i, m)),
                            _ => None,
                        })
                        .collect();
                    blocks.push(self.expressions(&nth));
                }
                out.insert(k.clone(), Value::Array(blocks));
            } else {
                out.insert(k.clone(), self.leaf(&vals));
            }
        }
        Value::Object(out)
    }

    fn leaf(&mut self, vals: &[(&Inst, &V)]) -> Value {
        let per: Vec<(Option<Key>, BTreeSet<Ref>)> =
            vals.iter().map(|(i, v)| (i.addr.key.clone(), self.refs_of(i, v))).collect();
        let refs = aggregate(&per);
        let mut e = Map::new();
        if !refs.is_empty() {
            e.insert("references".into(), json!(refs));
        }
        let first = vals.first().and_then(|(_, v)| v.to_json());
        if let Some(c) = first {
            if vals.iter().all(|(_, v)| v.to_json().as_ref() == Some(&c)) {
                e.insert("constant_value".into(), c);
            }
        }
        Value::Object(e)
    }
}

pub(crate) fn document(m: &Machine) -> Value {
    let mut b = Builder { machine: m, synthetic: Synthetic::default() };
    let mut changes = Vec::new();
    for inst in &m.insts {
        let (values, unknown) = values_of(inst);
        let mut rc = json!({
            "address": inst.addr.to_string(),
            "mode": "managed",
            "type": inst.addr.rtype,
            "name": inst.addr.name,
            "change": {"actions": ["create"], "after": values, "after_unknown": unknown},
        });
        if let Some(k) = &inst.addr.key {
            rc["index"] = k.json();
        }
        changes.push(rc);
    }
    // Configuration: one entry per resource block, sharing expressions across its instances.
    let mut config_resources: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut groups: BTreeMap<(String, usize), Vec<&Inst>> = BTreeMap::new();
    for inst in &m.insts {
        groups.entry((config_path(&inst.addr.module), inst.resource)).or_default().push(inst);
    }
    for ((cpath, _), insts) in &groups {
        let first = insts[0];
        let bodies: Vec<(&Inst, &BTreeMap<String, V>)> = insts.iter().map(|i| (*i, &i.values)).collect();
        let expressions = b.expressions(&bodies);
        let provider = provider_key(m, first);
        config_resources.entry(cpath.clone()).or_default().push(json!({
            "address": first.addr.local(),
            "mode": "managed",
            "type": first.addr.rtype,
            "name": first.addr.name,
            "provider_config_key": provider,
            "expressions": expressions,
        }));
    }
    let provider_config = providers(&mut b);
    let root_config = config_module(m, &mut b, &[], &config_resources);
    json!({
        "format_version": "1.2",
        "terraform_version": "adbflow (evaluated from .tf files)",
        "planned_values": {"root_module": planned(m, &[])},
        "resource_changes": changes,
        "configuration": {"provider_config": provider_config, "root_module": root_config},
    })
}

fn values_of(inst: &Inst) -> (Value, Value) {
    let (values, mut unknown) = V::Map(inst.values.clone()).plan_json();
    // Every resource gets its ID from Azure; a configuration never sets it.
    if let Value::Object(u) = &mut unknown {
        u.insert("id".into(), Value::Bool(true));
    }
    (values.unwrap_or_else(|| json!({})), unknown)
}

fn planned(m: &Machine, module: &[Step]) -> Value {
    let resources: Vec<Value> = m
        .insts
        .iter()
        .filter(|i| i.addr.module == module)
        .map(|inst| {
            let (values, _) = values_of(inst);
            let mut r = json!({
                "address": inst.addr.to_string(),
                "mode": "managed",
                "type": inst.addr.rtype,
                "name": inst.addr.name,
                "values": values,
            });
            if let Some(k) = &inst.addr.key {
                r["index"] = k.json();
            }
            r
        })
        .collect();
    let children: Vec<Value> = m
        .module_paths()
        .into_iter()
        .filter(|p| p.len() == module.len() + 1 && p[..module.len()] == *module)
        .map(|p| {
            let mut c = planned(m, &p);
            c["address"] = Value::String(super::value::module_address(&p));
            c
        })
        .collect();
    json!({"resources": resources, "child_modules": children})
}

/// The configuration module at `module`'s configuration path (keys ignored: one per call).
fn config_module(
    m: &Machine,
    b: &mut Builder,
    module: &[Step],
    resources: &BTreeMap<String, Vec<Value>>,
) -> Value {
    let cpath = config_path(module);
    let mut calls = Map::new();
    if let Some(config) = m.config_of(module) {
        for name in config.calls.keys() {
            // Any instance of the call stands for the call's configuration.
            let child = m.module_paths().into_iter().find(|p| {
                p.len() == module.len() + 1 && p[..module.len()] == *module && p[module.len()].0 == *name
            });
            let mut expressions = Map::new();
            if let Some(extra) = b.synthetic.args.get(&(cpath.clone(), name.clone())) {
                for (arg, refs) in extra {
                    expressions.insert(arg.clone(), json!({"references": refs}));
                }
            }
            let mut call = json!({"source": config.calls[name].source, "expressions": expressions});
            if let Some(child) = child {
                call["module"] = config_module(m, b, &child, resources);
            }
            calls.insert(name.clone(), call);
        }
    }
    let mut outputs = Map::new();
    if let Some(extra) = b.synthetic.outputs.get(&cpath) {
        for (name, refs) in extra {
            outputs.insert(name.clone(), json!({"expression": {"references": refs}}));
        }
    }
    json!({
        "resources": resources.get(&cpath).cloned().unwrap_or_default(),
        "module_calls": calls,
        "outputs": outputs,
    })
}

fn provider_name(p: &(String, Option<String>)) -> String {
    match &p.1 {
        Some(a) => format!("{}.{a}", p.0),
        None => p.0.clone(),
    }
}

/// Which provider block configures an instance: its own module's, one passed in by `providers`,
/// or (for the default configuration) the parent's.
fn provider_key(m: &Machine, inst: &Inst) -> String {
    let r = &inst.config.resources[inst.resource];
    let mut want = r.provider.clone().unwrap_or_else(|| {
        let prefix = r.rtype.split('_').next().unwrap_or_default().to_string();
        (prefix, None)
    });
    let mut module = inst.addr.module.clone();
    loop {
        if let Some(c) = m.config_of(&module) {
            if c.providers.iter().any(|p| p.name == want.0 && p.alias == want.1) {
                let local = provider_name(&want);
                return if module.is_empty() { local } else { format!("{}:{local}", config_path(&module)) };
            }
        }
        if module.is_empty() {
            return provider_name(&want);
        }
        let passed = m.call_providers(&module);
        let local = provider_name(&want);
        match passed.iter().find(|(child, _)| *child == local) {
            Some((_, parent)) => want = parent.clone(),
            None if want.1.is_none() => {}
            None => return local,
        }
        module.pop();
    }
}

fn providers(b: &mut Builder) -> Value {
    let m = b.machine;
    let mut out = Map::new();
    for (path, index, values) in &m.providers {
        let Some(config) = m.config_of(path) else { continue };
        let p = &config.providers[*index];
        let cpath = config_path(path);
        let local = provider_name(&(p.name.clone(), p.alias.clone()));
        let key = if path.is_empty() { local } else { format!("{cpath}:{local}") };
        let mut expressions = Map::new();
        for (k, v) in values {
            let mut targets = BTreeSet::new();
            v.unknown_refs(&mut targets);
            let refs: Vec<String> = targets
                .iter()
                .map(|t| b.synthetic.route(&config_keyless(path), &strip_keys(t, path)).text())
                .collect();
            let mut e = Map::new();
            if !refs.is_empty() {
                e.insert("references".into(), json!(refs));
            } else if let Some(c) = v.to_json() {
                e.insert("constant_value".into(), c);
            }
            expressions.insert(k.clone(), Value::Object(e));
        }
        let mut entry = json!({"name": p.name, "expressions": expressions});
        if let Some(a) = &p.alias {
            entry["alias"] = json!(a);
        }
        if !path.is_empty() {
            entry["module_address"] = json!(cpath);
        }
        out.insert(key, entry);
    }
    Value::Object(out)
}

/// Provider expressions are resolved by the importer in the module without instance keys.
fn config_keyless(path: &[Step]) -> Vec<Step> {
    path.iter().map(|(n, _)| (n.clone(), None)).collect()
}

fn strip_keys(t: &Addr, path: &[Step]) -> Addr {
    let mut t = t.clone();
    for (i, step) in t.module.iter_mut().enumerate() {
        if i < path.len() {
            step.1 = None;
        }
    }
    t
}
