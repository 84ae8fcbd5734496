//! The parts of `terraform show -json` output the mapping needs, checked and indexed: every
//! resource instance (module path, type, key, values, what is unknown until apply) and the
//! configuration (expressions with their references, module calls, outputs, provider blocks).

use super::address::{self, ModStep};
use super::error::TerraformError;
use super::top_level::{ResourceChanges, TopLevel};
use super::TerraformKind;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

#[derive(Debug, Clone)]
pub(crate) struct Instance {
    /// Full address, `module.net.azurerm_subnet.host[0]`.
    pub address: String,
    pub module: Vec<ModStep>,
    pub data: bool,
    pub rtype: String,
    pub name: String,
    pub index: Option<Value>,
    pub values: Value,
    /// `after_unknown` from the plan's resource change (`null` in state).
    pub unknown: Value,
}

impl Instance {
    /// The resource's address inside its module's configuration: `azurerm_subnet.host`.
    pub fn config_key(&self) -> String {
        if self.data {
            format!("data.{}.{}", self.rtype, self.name)
        } else {
            format!("{}.{}", self.rtype, self.name)
        }
    }
}

/// One module of the configuration tree.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConfigModule {
    /// `azurerm_subnet.host` → the resource's configuration object (`expressions`, …).
    pub resources: BTreeMap<String, Value>,
    /// Module call name → the call object (`expressions`, `module`).
    pub calls: BTreeMap<String, Value>,
    /// Output name → its configuration (`expression`).
    pub outputs: BTreeMap<String, Value>,
}

#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub kind: TerraformKind,
    pub instances: Vec<Instance>,
    /// Data sources read while planning (`prior_state`); only consulted to describe resources the
    /// plan refers to but does not manage.
    pub prior_data: Vec<Instance>,
    /// Configuration path (`""`, `module.net`, `module.net.module.sub`) → module.
    pub config: BTreeMap<String, ConfigModule>,
    pub provider_config: Map<String, Value>,
    /// What the document says about its own completeness (an errored or partial plan).
    pub notes: Vec<String>,
}

/// The Terraform JSON marks that tell a plan or state from other JSON.
pub(crate) fn kind_of(v: &Value) -> Option<TerraformKind> {
    let o = v.as_object()?;
    if !o.get("format_version").is_some_and(Value::is_string) {
        return None;
    }
    if o.contains_key("planned_values") || o.contains_key("resource_changes") {
        Some(TerraformKind::Plan)
    } else if o.contains_key("values") || o.contains_key("terraform_version") {
        // `terraform show -json` of an empty state prints only the two version fields.
        Some(TerraformKind::State)
    } else {
        None
    }
}

/// [`kind_of`] of unparsed text, from its top-level keys alone: format detection runs on every
/// JSON input, and a 166 MB native estate is no place to read every value only to look at the
/// keys. Stops at the first plan section once `format_version` is known (Terraform writes it
/// first). The values' syntax is not checked here: the reader that is chosen checks it. `None`
/// for anything that is not a JSON object.
pub(crate) fn kind_of_text(text: &str) -> Option<TerraformKind> {
    // A key spells `format_version` in the text unless it is written with `\u` escapes, so a
    // document holding neither cannot be Terraform's, and its members need no skim: a native
    // estate is millions of tokens, and even skimming them cost ~7 instructions a byte.
    let bytes = text.as_bytes();
    if memchr::memmem::find(bytes, b"format_version").is_none()
        && memchr::memmem::find(bytes, b"\\u").is_none()
    {
        return None;
    }
    let (mut version_is_string, mut plan, mut state) = (false, false, false);
    crate::json_skim::top_level_members(text, |key, first| {
        match key {
            "format_version" => version_is_string = first == b'"',
            "planned_values" | "resource_changes" => plan = true,
            "values" | "terraform_version" => state = true,
            _ => {}
        }
        if version_is_string && plan {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    match (version_is_string, plan, state) {
        (false, _, _) => None,
        (true, true, _) => Some(TerraformKind::Plan),
        (true, false, true) => Some(TerraformKind::State),
        (true, false, false) => None,
    }
}

pub(crate) fn parse(text: &str, file: &str) -> Result<Document, TerraformError> {
    let (mut root, changes) = read_top_level(text, file)?;
    let kind_found = kind_of(&root);
    let Some(obj) = root.as_object_mut() else {
        return Err(TerraformError::NotTerraform {
            file: file.into(),
            message: "the document is not a JSON object; expected the output of `terraform show -json`"
                .into(),
        });
    };
    let version = match obj.get("format_version") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => {
            return Err(TerraformError::Structure {
                file: file.into(),
                path: "format_version".into(),
                message: format!("expected a version string such as \"1.2\", found {}", kind_name(other)),
            })
        }
        None => {
            return Err(TerraformError::NotTerraform {
                file: file.into(),
                message: format!(
                "no `format_version` key (top-level keys: {}); produce the input with `terraform show -json`",
                keys(obj)
            ),
            })
        }
    };
    let major = version.split('.').next().unwrap_or("");
    if major != "1" {
        return Err(TerraformError::UnsupportedVersion { file: file.into(), version });
    }
    let Some(kind) = kind_found else {
        return Err(TerraformError::NotTerraform {
            file: file.into(),
            message: format!(
                "it has `format_version` but neither `planned_values`/`resource_changes` (a plan) nor `values` (a state); top-level keys: {}",
                keys(obj)
            ),
        });
    };
    // Resources are moved out of the parsed document as they are read, not copied: a large plan
    // is held once, and each resource's leftovers are freed as the walk passes them.
    let mut doc = Document {
        kind,
        instances: Vec::new(),
        prior_data: Vec::new(),
        config: BTreeMap::new(),
        provider_config: Map::new(),
        notes: Vec::new(),
    };
    if obj.get("errored") == Some(&Value::Bool(true)) {
        doc.notes
            .push("the plan errored (`errored: true`); resources Terraform did not reach are missing".into());
    }
    if obj.get("complete") == Some(&Value::Bool(false)) {
        doc.notes.push(
            "the plan is incomplete (`complete: false`); resources Terraform deferred to a later plan are missing".into(),
        );
    }
    match kind {
        TerraformKind::Plan => {
            let unknowns = after_unknowns(changes, file)?;
            if let Some(pv) = obj.get_mut("planned_values") {
                if let Some(mut rm) = take_object(pv, "root_module", "planned_values", file)? {
                    walk_module(
                        &mut rm,
                        "planned_values.root_module",
                        Vec::new(),
                        file,
                        &unknowns,
                        &mut doc.instances,
                    )?;
                }
            }
            if let Some(ps) = obj.get_mut("prior_state") {
                if let Some(mut vals) = take_object(ps, "values", "prior_state", file)? {
                    if let Some(mut rm) = take_object(&mut vals, "root_module", "prior_state.values", file)? {
                        let mut prior = Vec::new();
                        walk_module(
                            &mut rm,
                            "prior_state.values.root_module",
                            Vec::new(),
                            file,
                            &BTreeMap::new(),
                            &mut prior,
                        )?;
                        doc.prior_data = prior.into_iter().filter(|i| i.data).collect();
                    }
                }
            }
            if let Some(cfg) = obj.get("configuration") {
                if let Some(rm) = object_at(cfg, "root_module", "configuration", file)? {
                    walk_config(rm, "configuration.root_module", String::new(), file, &mut doc.config)?;
                }
                if let Some(Value::Object(p)) = cfg.get("provider_config") {
                    doc.provider_config = p.clone();
                }
            }
        }
        TerraformKind::State => {
            if let Some(vals) = obj.get_mut("values") {
                if let Some(mut rm) = take_object(vals, "root_module", "values", file)? {
                    walk_module(
                        &mut rm,
                        "values.root_module",
                        Vec::new(),
                        file,
                        &BTreeMap::new(),
                        &mut doc.instances,
                    )?;
                }
            }
        }
    }
    Ok(doc)
}

fn syntax(file: &str, e: &serde_json::Error) -> TerraformError {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    TerraformError::Syntax { file: file.into(), line: e.line().max(1), column: e.column().max(1), message }
}

fn keys(o: &Map<String, Value>) -> String {
    if o.is_empty() {
        return "none".into();
    }
    o.keys().take(8).cloned().collect::<Vec<_>>().join(", ")
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn structure(file: &str, path: &str, message: impl Into<String>) -> TerraformError {
    TerraformError::Structure { file: file.into(), path: path.into(), message: message.into() }
}

/// `parent[key]` as an object; absent or `null` is `None`, anything else an error.
fn object_at<'v>(
    parent: &'v Value,
    key: &str,
    parent_path: &str,
    file: &str,
) -> Result<Option<&'v Value>, TerraformError> {
    let path = format!("{parent_path}.{key}");
    match parent {
        Value::Object(o) => match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(other) => {
                Err(structure(file, &path, format!("expected an object, found {}", kind_name(other))))
            }
        },
        Value::Null => Ok(None),
        other => Err(structure(file, parent_path, format!("expected an object, found {}", kind_name(other)))),
    }
}

fn array_at<'v>(parent: &'v Value, key: &str, path: &str, file: &str) -> Result<&'v [Value], TerraformError> {
    match parent.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(structure(
            file,
            &format!("{path}.{key}"),
            format!("expected an array, found {}", kind_name(other)),
        )),
    }
}

fn string_at(v: &Value, key: &str, path: &str, file: &str) -> Result<String, TerraformError> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(structure(file, path, format!("a resource needs a string `{key}`"))),
    }
}

/// The document, with `resource_changes` read apart when the document is an object.
fn read_top_level(text: &str, file: &str) -> Result<(Value, Option<ResourceChanges>), TerraformError> {
    if text.trim_start().starts_with('{') {
        let top: TopLevel = serde_json::from_str(text).map_err(|e| syntax(file, &e))?;
        Ok((Value::Object(top.fields), top.changes))
    } else {
        // Not an object: parsed whole only for the syntax error or the "not an object" one.
        let root = serde_json::from_str(text).map_err(|e| syntax(file, &e))?;
        Ok((root, None))
    }
}

fn after_unknowns(
    changes: Option<ResourceChanges>,
    file: &str,
) -> Result<BTreeMap<String, Value>, TerraformError> {
    let mut out = BTreeMap::new();
    let changes = match changes {
        None => return Ok(out),
        Some(ResourceChanges::List(changes)) => changes,
        Some(ResourceChanges::NotArray(found)) => {
            return Err(structure(file, "resource_changes", format!("expected an array, found {found}")));
        }
    };
    for (i, rc) in changes.into_iter().enumerate() {
        let Some(address) = rc.address else {
            return Err(structure(
                file,
                &format!("resource_changes[{i}]"),
                "a resource needs a string `address`",
            ));
        };
        // A deposed object (create_before_destroy) shares the address of the new one.
        if rc.deposed {
            continue;
        }
        if let Some(u) = rc.after_unknown {
            out.insert(address, u);
        }
    }
    Ok(out)
}

/// The object at `parent.key`, moved out of the document (`None` when absent or null).
fn take_object(
    parent: &mut Value,
    key: &str,
    parent_path: &str,
    file: &str,
) -> Result<Option<Value>, TerraformError> {
    if object_at(parent, key, parent_path, file)?.is_none() {
        return Ok(None);
    }
    Ok(parent.get_mut(key).map(Value::take))
}

/// The array at `parent.key`, moved out of the document (empty when absent or null).
fn take_array(parent: &mut Value, key: &str, path: &str, file: &str) -> Result<Vec<Value>, TerraformError> {
    array_at(parent, key, path, file)?;
    Ok(match parent.get_mut(key) {
        Some(Value::Array(a)) => std::mem::take(a),
        _ => Vec::new(),
    })
}

fn walk_module(
    module: &mut Value,
    path: &str,
    mod_path: Vec<ModStep>,
    file: &str,
    unknowns: &BTreeMap<String, Value>,
    out: &mut Vec<Instance>,
) -> Result<(), TerraformError> {
    for (i, mut r) in take_array(module, "resources", path, file)?.into_iter().enumerate() {
        let rpath = format!("{path}.resources[{i}]");
        if !r.is_object() {
            return Err(structure(
                file,
                &rpath,
                format!("expected a resource object, found {}", kind_name(&r)),
            ));
        }
        let address = string_at(&r, "address", &rpath, file)?;
        let rtype = string_at(&r, "type", &rpath, file)?;
        let name = string_at(&r, "name", &rpath, file)?;
        let data = r.get("mode").and_then(Value::as_str) == Some("data");
        let values = match r.get_mut("values") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(v @ Value::Object(_)) => v.take(),
            Some(other) => {
                return Err(structure(
                    file,
                    &format!("{rpath}.values"),
                    format!("{address}: expected an object, found {}", kind_name(other)),
                ))
            }
        };
        out.push(Instance {
            unknown: unknowns.get(&address).cloned().unwrap_or(Value::Null),
            address,
            module: mod_path.clone(),
            data,
            rtype,
            name,
            index: r.get_mut("index").filter(|v| !v.is_null()).map(Value::take),
            values,
        });
    }
    for (i, mut child) in take_array(module, "child_modules", path, file)?.into_iter().enumerate() {
        let cpath = format!("{path}.child_modules[{i}]");
        let address = string_at(&child, "address", &cpath, file)?;
        walk_module(&mut child, &cpath, address::module_path(&address), file, unknowns, out)?;
    }
    Ok(())
}

fn walk_config(
    module: &Value,
    path: &str,
    config_path: String,
    file: &str,
    out: &mut BTreeMap<String, ConfigModule>,
) -> Result<(), TerraformError> {
    let mut cm = ConfigModule::default();
    for (i, r) in array_at(module, "resources", path, file)?.iter().enumerate() {
        let rpath = format!("{path}.resources[{i}]");
        let rtype = string_at(r, "type", &rpath, file)?;
        let name = string_at(r, "name", &rpath, file)?;
        let key = if r.get("mode").and_then(Value::as_str) == Some("data") {
            format!("data.{rtype}.{name}")
        } else {
            format!("{rtype}.{name}")
        };
        cm.resources.insert(key, r.clone());
    }
    if let Some(Value::Object(outputs)) = module.get("outputs") {
        for (k, v) in outputs {
            cm.outputs.insert(k.clone(), v.clone());
        }
    }
    let mut children = Vec::new();
    match module.get("module_calls") {
        None | Some(Value::Null) => {}
        Some(Value::Object(calls)) => {
            for (name, call) in calls {
                cm.calls.insert(name.clone(), call.clone());
                if let Some(child) = call.get("module").filter(|m| m.is_object()) {
                    let cp = if config_path.is_empty() {
                        format!("module.{name}")
                    } else {
                        format!("{config_path}.module.{name}")
                    };
                    children.push((format!("{path}.module_calls.{name}.module"), cp, child));
                }
            }
        }
        Some(other) => {
            return Err(structure(
                file,
                &format!("{path}.module_calls"),
                format!("expected an object, found {}", kind_name(other)),
            ))
        }
    }
    out.insert(config_path, cm);
    for (cpath, cp, child) in children {
        walk_config(child, &cpath, cp, file, out)?;
    }
    Ok(())
}
