//! Following a plan's configuration `references` from an attribute to the resource instances it
//! points at, when the attribute's value (usually an ID) is known only after apply.
//!
//! `subnet_id = azurerm_subnet.host.id` is recorded as references `["azurerm_subnet.host.id",
//! "azurerm_subnet.host"]`. References are relative to the module they are written in; a
//! `module.x.out` reference continues into the child module's output expression and a `var.v`
//! reference into the parent's module call argument. With `count`/`for_each`, an unkeyed reference
//! next to `count.index`/`each.*` means "the instance with my own key". `each.value` stands for
//! the element of the resource's own `for_each` collection, so it is followed through the
//! `for_each` expression (`for_each = azurerm_subnet.this` … `subnet_id = each.value.id`).

use super::address::{self, ModStep, Tok};
use super::attrs::{Node, Seg};
use super::document::{Document, Instance};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

/// Resource instances an expression refers to, in order, each with the attributes the references
/// name (`azurerm_databricks_workspace.this.managed_resource_group_id` → `managed_resource_group_id`).
type Found = Vec<(usize, Vec<String>)>;

/// Enough for any sane module nesting; stops reference cycles through outputs and variables.
const MAX_DEPTH: usize = 24;

/// A resource's identity within its module instance: data or managed, type, name, and the
/// module instance's address (`""` for the root).
type ResourceKey = (bool, String, String, String);

pub(crate) struct Refs<'d> {
    doc: &'d Document,
    /// (Parent module address, call name) → the instances of that call that exist, in address
    /// order (`module.a[0]`, `module.a[1]`; `module.a[0].module.b` under `module.a[0]`).
    children: HashMap<(String, String), Keyed<Vec<ModStep>>>,
    /// Every resource's instances, in document order: a plan of 5,000 spokes has 100,000
    /// instances and as many references, and scanning all instances per reference was most of
    /// the import.
    resources: HashMap<ResourceKey, Keyed<usize>>,
}

/// Candidates for a reference in order, with their positions by instance key: a reference with
/// a key (`module.spoke["adb-ws-00042"]`, or "my own key" inside `for_each`) picks from thousands
/// of instances by lookup instead of comparing every instance's key.
#[derive(Clone)]
struct Keyed<T> {
    items: Vec<T>,
    /// A key's JSON text → positions in `items`. Instance keys are strings or integers, whose
    /// JSON text is equal exactly when the values are.
    by_key: HashMap<String, Vec<usize>>,
}

impl<T> Keyed<T> {
    /// `key_text` gives an item's key as JSON text, when it has a key.
    fn new(items: Vec<T>, key_text: impl Fn(&T) -> Option<String>) -> Self {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(k) = key_text(item) {
                by_key.entry(k).or_default().push(i);
            }
        }
        Keyed { items, by_key }
    }

    fn with_key(&self, key: &Value) -> &[usize] {
        self.by_key.get(&key.to_string()).map_or(&[], Vec::as_slice)
    }
}

#[derive(Clone)]
struct Scope {
    module: Vec<ModStep>,
    /// The `count.index` / `each.key` in force where the expression is written.
    key: Option<Value>,
    /// The `for_each` expression `each.value` comes from, where the expression is written.
    for_each: Option<Value>,
    /// Set while following a `for_each` collection: unkeyed references mean "my own key".
    iterating: bool,
}

impl Scope {
    fn plain(module: Vec<ModStep>, key: Option<Value>) -> Self {
        Scope { module, key, for_each: None, iterating: false }
    }
}

#[derive(Debug, PartialEq)]
enum Base {
    Resource {
        data: bool,
        rtype: String,
        name: String,
    },
    Output {
        call: String,
        output: String,
    },
    /// `module.x` or `module.x[each.key]` without an output name: Terraform stops a reference at
    /// a dynamic index, so every output of the instance is a candidate.
    Module {
        call: String,
    },
    Var(String),
}

impl<'d> Refs<'d> {
    pub(crate) fn new(doc: &'d Document) -> Self {
        // Every module instance that exists, root excluded, each with its parsed path.
        let mut modules: BTreeSet<String> = BTreeSet::new();
        let mut resources: HashMap<ResourceKey, Vec<usize>> = HashMap::new();
        for (i, inst) in doc.instances.iter().enumerate() {
            for n in 1..=inst.module.len() {
                modules.insert(address::module_address(&inst.module[..n]));
            }
            let key =
                (inst.data, inst.rtype.clone(), inst.name.clone(), address::module_address(&inst.module));
            resources.entry(key).or_default().push(i);
        }
        let mut children: HashMap<(String, String), Vec<Vec<ModStep>>> = HashMap::new();
        for m in &modules {
            let path = address::module_path(m);
            let Some(((call, _), parent)) = path.split_last() else { continue };
            children.entry((address::module_address(parent), call.clone())).or_default().push(path.clone());
        }
        let resources = resources
            .into_iter()
            .map(|(k, list)| {
                (k, Keyed::new(list, |i: &usize| doc.instances[*i].index.as_ref().map(Value::to_string)))
            })
            .collect();
        let children = children
            .into_iter()
            .map(|(k, list)| (k, Keyed::new(list, |c| last_key(c).map(Value::to_string))))
            .collect();
        Refs { doc, children, resources }
    }

    /// The configuration expression written for `node`'s attribute of `inst`, if the plan has one.
    pub(crate) fn expression(&self, inst: &Instance, node: &Node) -> Option<&'d Value> {
        let module = self.doc.config.get(&address::config_path(&inst.module))?;
        let mut expr = module.resources.get(&inst.config_key())?.get("expressions")?;
        let mut values = Some(&inst.values);
        for seg in &node.path {
            match seg {
                Seg::Key(k) => {
                    expr = expr.get(*k)?;
                    values = values.and_then(|v| v.get(*k));
                }
                Seg::Index(i) => {
                    values = values.and_then(|v| v.get(*i));
                    if let Value::Array(blocks) = expr {
                        expr = pick_block(blocks, *i, values)?;
                    }
                    // Otherwise the expression covers the whole list (`ids = [a.id, b.id]`).
                }
            }
        }
        Some(expr)
    }

    /// Indices (into `doc.instances`) of the resources `node`'s expression refers to, in order.
    pub(crate) fn targets(&self, idx: usize, node: &Node) -> Vec<usize> {
        self.targets_with_attributes(idx, node).into_iter().map(|(i, _)| i).collect()
    }

    /// `targets`, each with the attributes of it the references name (through module outputs and
    /// variables too), for links that depend on which attribute is used.
    pub(crate) fn targets_with_attributes(&self, idx: usize, node: &Node) -> Found {
        let inst = &self.doc.instances[idx];
        let Some(expr) = self.expression(inst, node) else { return Vec::new() };
        let for_each = self
            .doc
            .config
            .get(&address::config_path(&inst.module))
            .and_then(|m| m.resources.get(&inst.config_key()))
            .and_then(|r| r.get("for_each_expression"))
            .cloned();
        let scope =
            Scope { module: inst.module.clone(), key: inst.index.clone(), for_each, iterating: false };
        let mut out = Vec::new();
        self.resolve(expr, &scope, 0, &mut out);
        out
    }

    /// Every instance referenced in `expr`, an expression written in module `module_address`
    /// (`""` for the root), e.g. a provider block's.
    pub(crate) fn targets_in(&self, module_address: &str, expr: &Value) -> Vec<usize> {
        let scope = Scope::plain(address::module_path(module_address), None);
        let mut out = Vec::new();
        self.resolve(expr, &scope, 0, &mut out);
        out.into_iter().map(|(i, _)| i).collect()
    }

    fn resolve(&self, expr: &Value, scope: &Scope, depth: usize, out: &mut Found) {
        if depth > MAX_DEPTH {
            return;
        }
        let refs: Vec<&str> = match expr.get("references") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => return,
        };
        let iterates = scope.iterating || refs.iter().any(|r| *r == "count.index" || r.starts_with("each."));
        if refs
            .iter()
            .any(|r| *r == "each.value" || r.starts_with("each.value.") || r.starts_with("each.value["))
        {
            if let Some(fe) = &scope.for_each {
                let inner = Scope { for_each: None, iterating: true, ..scope.clone() };
                self.resolve(fe, &inner, depth + 1, out);
            }
        }
        // Terraform lists `a.b[0].id`, `a.b[0]` and `a.b` for one use; merge them per base,
        // keeping the explicit keys and the attributes named.
        let mut bases: Vec<(Base, Vec<Value>, Vec<String>)> = Vec::new();
        for r in refs {
            let Some((base, key, attr)) = parse_ref(r) else { continue };
            match bases.iter_mut().find(|(b, _, _)| *b == base) {
                Some((_, keys, attrs)) => {
                    keys.extend(key);
                    attrs.extend(attr.filter(|a| !attrs.contains(a)));
                }
                None => bases.push((base, key.into_iter().collect(), attr.into_iter().collect())),
            }
        }
        let named_outputs: Vec<String> = bases
            .iter()
            .filter_map(|(b, _, _)| match b {
                Base::Output { call, .. } => Some(call.clone()),
                _ => None,
            })
            .collect();
        for (base, keys, attrs) in bases {
            match base {
                Base::Module { call } => {
                    if named_outputs.contains(&call) {
                        continue;
                    }
                    let children = self.child_instances(&scope.module, &call);
                    for child in choose(&children, &keys, iterates, scope) {
                        let Some(cfg) = self.doc.config.get(&address::config_path(&child)) else { continue };
                        for o in cfg.outputs.values() {
                            if let Some(e) = o.get("expression") {
                                self.resolve(e, &child_scope(scope, child.clone()), depth + 1, out);
                            }
                        }
                    }
                }
                Base::Resource { data, rtype, name } => {
                    let key = (data, rtype, name, address::module_address(&scope.module));
                    let pick = match self.resources.get(&key) {
                        Some(cands) => choose(cands, &keys, iterates, scope),
                        None => Vec::new(),
                    };
                    for i in pick {
                        match out.iter_mut().find(|(o, _)| *o == i) {
                            Some((_, known)) => {
                                for a in &attrs {
                                    if !known.contains(a) {
                                        known.push(a.clone());
                                    }
                                }
                            }
                            None => out.push((i, attrs.clone())),
                        }
                    }
                }
                Base::Output { call, output } => {
                    let children = self.child_instances(&scope.module, &call);
                    let pick = choose(&children, &keys, iterates, scope);
                    for child in pick {
                        let cfg = self.doc.config.get(&address::config_path(&child));
                        let Some(e) =
                            cfg.and_then(|m| m.outputs.get(&output)).and_then(|o| o.get("expression"))
                        else {
                            continue;
                        };
                        self.resolve(e, &child_scope(scope, child), depth + 1, out);
                    }
                }
                Base::Var(var) => {
                    let Some(((call, key), parent)) = scope.module.split_last() else { continue };
                    let cfg = self.doc.config.get(&address::config_path(parent));
                    let Some(e) = cfg
                        .and_then(|m| m.calls.get(call))
                        .and_then(|c| c.get("expressions"))
                        .and_then(|x| x.get(&var))
                    else {
                        continue;
                    };
                    self.resolve(e, &Scope::plain(parent.to_vec(), key.clone()), depth + 1, out);
                }
            }
        }
    }

    /// The instances of module call `call` inside module `parent`. Borrowed: a reference to one
    /// of 5,000 spoke modules copied all 5,000 paths, which made reading a plan quadratic.
    fn child_instances(&self, parent: &[ModStep], call: &str) -> Cow<'_, Keyed<Vec<ModStep>>> {
        let key = (address::module_address(parent), call.to_string());
        match self.children.get(&key) {
            Some(list) if !list.items.is_empty() => Cow::Borrowed(list),
            _ => {
                // A module without resources of its own still passes outputs through; without
                // count/for_each it has exactly one instance.
                let mut p = parent.to_vec();
                p.push((call.to_string(), None));
                Cow::Owned(Keyed::new(vec![p], |c| last_key(c).map(Value::to_string)))
            }
        }
    }
}

/// The scope of a child module's output expression: while following a `for_each` collection
/// the element with the caller's key is meant (`for_each = module.net.subnets` → `each.value`).
fn child_scope(scope: &Scope, child: Vec<ModStep>) -> Scope {
    if scope.iterating {
        Scope { module: child, key: scope.key.clone(), for_each: None, iterating: true }
    } else {
        Scope::plain(child, None)
    }
}

/// A module instance's own key (the last step's).
fn last_key(path: &[ModStep]) -> Option<&Value> {
    path.last().and_then(|(_, k)| k.as_ref())
}

/// From candidates, those an expression means: explicit keys first, then "my own key" when the
/// expression iterates, else all of them. Always in the candidates' order.
fn choose<T: Clone>(cands: &Keyed<T>, keys: &[Value], iterates: bool, scope: &Scope) -> Vec<T> {
    let pick = |at: &[usize]| at.iter().filter_map(|&i| cands.items.get(i).cloned()).collect();
    if !keys.is_empty() {
        let mut at: Vec<usize> = keys.iter().flat_map(|k| cands.with_key(k)).copied().collect();
        at.sort_unstable();
        at.dedup();
        return pick(&at);
    }
    if iterates {
        if let Some(own) = &scope.key {
            let same = cands.with_key(own);
            if !same.is_empty() {
                return pick(same);
            }
        }
    }
    cands.items.clone()
}

/// A reference's base, its explicit instance key, and for a resource the attribute it names.
fn parse_ref(r: &str) -> Option<(Base, Option<Value>, Option<String>)> {
    let toks = address::tokens(r)?;
    let ident = |i: usize| match toks.get(i) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let key = |i: usize| match toks.get(i) {
        Some(Tok::Key(k)) => Some(k.clone()),
        _ => None,
    };
    match ident(0)? {
        "module" => {
            let call = ident(1)?.to_string();
            let (k, next) = match toks.get(2) {
                Some(Tok::Key(_)) | Some(Tok::AnyKey) => (key(2), 3),
                _ => (None, 2),
            };
            match ident(next) {
                Some(output) => Some((Base::Output { call, output: output.to_string() }, k, None)),
                None => Some((Base::Module { call }, k, None)),
            }
        }
        "var" => Some((Base::Var(ident(1)?.to_string()), None, None)),
        "local" | "each" | "count" | "path" | "terraform" | "self" => None,
        first => {
            let data = first == "data";
            let at = usize::from(data);
            let base = Base::Resource { data, rtype: ident(at)?.into(), name: ident(at + 1)?.into() };
            // `a.b.attr` or `a.b[key].attr`; `[*]` also stands between the name and the attribute.
            let (k, next) = match toks.get(at + 2) {
                Some(Tok::Key(_)) | Some(Tok::AnyKey) => (key(at + 2), at + 3),
                _ => (None, at + 2),
            };
            Some((base, k, ident(next).map(str::to_string)))
        }
    }
}

/// The configuration block matching the `i`th value block. Sets (inline `security_rule`,
/// `subnet`) are stored in hash order, so blocks are matched by `name` when they have one.
fn pick_block<'v>(blocks: &'v [Value], i: usize, values: Option<&Value>) -> Option<&'v Value> {
    if blocks.len() == 1 {
        return blocks.first();
    }
    if let Some(name) = values.and_then(|v| v.get("name")).and_then(Value::as_str) {
        let by_name = blocks.iter().find(|b| {
            b.get("name").and_then(|n| n.get("constant_value")).and_then(Value::as_str) == Some(name)
        });
        if by_name.is_some() {
            return by_name;
        }
    }
    blocks.get(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_name_resources_outputs_and_variables() {
        assert_eq!(
            parse_ref("azurerm_subnet.host[0].id"),
            Some((
                Base::Resource { data: false, rtype: "azurerm_subnet".into(), name: "host".into() },
                Some(json!(0)),
                Some("id".into())
            ))
        );
        assert_eq!(
            parse_ref("azurerm_databricks_workspace.this.managed_resource_group_id"),
            Some((
                Base::Resource {
                    data: false,
                    rtype: "azurerm_databricks_workspace".into(),
                    name: "this".into()
                },
                None,
                Some("managed_resource_group_id".into())
            ))
        );
        assert_eq!(
            parse_ref("data.azurerm_subnet.s"),
            Some((
                Base::Resource { data: true, rtype: "azurerm_subnet".into(), name: "s".into() },
                None,
                None
            ))
        );
        assert_eq!(
            parse_ref(r#"module.spoke["a"].subnet_id"#),
            Some((Base::Output { call: "spoke".into(), output: "subnet_id".into() }, Some(json!("a")), None))
        );
        assert_eq!(parse_ref("var.subnet_id"), Some((Base::Var("subnet_id".into()), None, None)));
        assert_eq!(parse_ref("each.value"), None);
        assert_eq!(parse_ref("module.spoke"), Some((Base::Module { call: "spoke".into() }, None, None)));
    }
}
