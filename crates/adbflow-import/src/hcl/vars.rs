//! Values for the root module's variables, from the places Terraform reads them, later ones
//! winning: `TF_VAR_name` environment variables, `terraform.tfvars`, `terraform.tfvars.json`,
//! `*.auto.tfvars(.json)` in name order, then `--var-file` files and `--var name=value` in the
//! order given. Also where `terraform init` put downloaded remote modules.

use super::config::{At, ModuleConfig};
use super::machine::{Machine, Scope};
use super::source::{normalise, SourceFile};
use super::types::Ty;
use super::value::V;
use super::HclOptions;
use crate::error::Location;
use crate::ImportError;
use ::hcl::edit::Span;
use adbflow_model::{Diagnostic, Origin};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

#[derive(Debug, Clone)]
pub(crate) enum Given {
    /// From a variables file: already a value.
    Value(V),
    /// From the command line or the environment: text whose meaning depends on the variable's
    /// type (a plain string for `string`, an HCL expression otherwise), as in Terraform.
    Raw { text: String, from: String },
}

pub(crate) fn gather(
    root: &ModuleConfig,
    opts: &HclOptions,
) -> Result<(BTreeMap<String, Given>, Vec<Diagnostic>), ImportError> {
    let mut given: BTreeMap<String, Given> = BTreeMap::new();
    let mut warnings = Vec::new();
    for (k, v) in &opts.env {
        if let Some(name) = k.strip_prefix("TF_VAR_") {
            // Terraform ignores environment values for variables the configuration does not declare.
            if root.variables.contains_key(name) {
                given.insert(
                    name.to_string(),
                    Given::Raw { text: v.clone(), from: format!("the environment variable {k}") },
                );
            }
        }
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for name in ["terraform.tfvars", "terraform.tfvars.json"] {
        let p = root.dir.join(name);
        if p.is_file() {
            files.push(PathBuf::from(name));
        }
    }
    let mut auto: Vec<String> = std::fs::read_dir(&root.dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    files.extend(auto.into_iter().map(PathBuf::from));
    for f in files {
        let dir_path = root.dir.join(&f);
        let shown = normalise(&root.shown.join(&f));
        read_file(root, &dir_path, &shown.display().to_string(), &mut given, &mut warnings)?;
    }
    for f in &opts.var_files {
        let shown = f.display().to_string();
        read_file(root, f, &shown, &mut given, &mut warnings)?;
    }
    for assignment in &opts.vars {
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(usage(root, format!("--var '{assignment}': write it as NAME=VALUE")));
        };
        let name = name.trim();
        if !root.variables.contains_key(name) {
            return Err(usage(
                root,
                format!(
                    "--var {name}=…: the root module declares no variable \"{name}\" (declared: {})",
                    declared(root)
                ),
            ));
        }
        given.insert(name.to_string(), Given::Raw { text: value.to_string(), from: format!("--var {name}") });
    }
    Ok((given, warnings))
}

fn declared(root: &ModuleConfig) -> String {
    if root.variables.is_empty() {
        return "none".into();
    }
    root.variables.keys().cloned().collect::<Vec<_>>().join(", ")
}

fn usage(root: &ModuleConfig, message: String) -> ImportError {
    ImportError::Parse { file: root.shown.display().to_string(), location: None, message }
}

fn read_file(
    root: &ModuleConfig,
    path: &Path,
    shown: &str,
    given: &mut BTreeMap<String, Given>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(), ImportError> {
    let text = crate::read::read_text(path, shown)?;
    let text = crate::strip_bom(&text).to_string();
    let mut values: Vec<(String, V, Origin)> = Vec::new();
    if shown.ends_with(".json") {
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| ImportError::Parse {
            file: shown.to_string(),
            location: Some(Location { line: e.line().max(1) as u32, column: e.column().max(1) as u32 }),
            message: format!("invalid JSON: {e}"),
        })?;
        let Some(obj) = json.as_object() else {
            return Err(ImportError::Parse {
                file: shown.to_string(),
                location: None,
                message: "a .tfvars.json file must hold one JSON object of variable values".into(),
            });
        };
        for (k, v) in obj {
            values.push((
                k.clone(),
                V::from_json(v),
                Origin::File { file: shown.into(), line: 1, column: 1 },
            ));
        }
    } else {
        let body = super::source::parse(&text, shown)?;
        let file = SourceFile { name: shown.into(), text: text.clone() };
        let config = Rc::new(ModuleConfig::build(
            root.dir.clone(),
            root.shown.clone(),
            vec![(file, ::hcl::edit::structure::Body::new())],
        )?);
        let mut m = Machine::new(config.clone(), BTreeMap::new());
        for s in body.iter() {
            let offset = s.span().map_or(0, |r| r.start);
            let origin = config.origin(At { file: 0, offset });
            let ::hcl::edit::structure::Structure::Attribute(a) = s else {
                let (line, column) = (origin_line(&origin), origin_column(&origin));
                return Err(ImportError::Parse {
                    file: shown.to_string(),
                    location: Some(Location { line, column }),
                    message: "a variables file holds only NAME = VALUE assignments".into(),
                });
            };
            let sc = Scope {
                module: Vec::new(),
                config: config.clone(),
                file: 0,
                count: None,
                each: None,
                locals: Vec::new(),
            };
            let v = m.eval(&a.value, &sc).map_err(|e| {
                let (line, column) = config.files[0].position(e.offset.unwrap_or(offset));
                ImportError::Parse {
                    file: shown.to_string(),
                    location: Some(Location { line, column }),
                    message: format!("{}: {}", a.key.as_str(), e.message),
                }
            })?;
            values.push((a.key.as_str().to_string(), v, origin));
        }
    }
    for (name, v, origin) in values {
        if !root.variables.contains_key(&name) {
            warnings.push(Diagnostic::warning(
                "terraform-hcl-variable-undeclared",
                name.clone(),
                format!("a value is given for \"{name}\", but the root module declares no such variable; it is ignored"),
                Some(&origin),
            ));
            continue;
        }
        given.insert(name, Given::Value(v));
    }
    Ok(())
}

fn origin_line(o: &Origin) -> u32 {
    match o {
        Origin::File { line, .. } => *line,
        _ => 1,
    }
}

fn origin_column(o: &Origin) -> u32 {
    match o {
        Origin::File { column, .. } => *column,
        _ => 1,
    }
}

/// A command-line or environment value for a variable of type `ty`.
pub(crate) fn raw_value(m: &mut Machine, text: &str, ty: &Ty) -> Result<V, String> {
    if ty.takes_raw_string() {
        return Ok(V::Str(text.to_string()));
    }
    let expr = ::hcl::edit::parser::parse_expr(text).map_err(|e| e.message().to_string())?;
    let config = m.config_of(&[]).ok_or("no root module")?;
    let sc = Scope { module: Vec::new(), config, file: 0, count: None, each: None, locals: Vec::new() };
    m.eval(&expr, &sc).map_err(|e| e.message)
}

/// Remote modules `terraform init` downloaded: `.terraform/modules/modules.json` maps each module
/// call path (`net`, `net.subnets`) to its directory, relative to the root module.
pub(crate) fn downloaded_modules(root: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(root.join(".terraform/modules/modules.json")) else { return out };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { return out };
    for m in json.get("Modules").and_then(|v| v.as_array()).into_iter().flatten() {
        let (Some(key), Some(dir)) =
            (m.get("Key").and_then(|v| v.as_str()), m.get("Dir").and_then(|v| v.as_str()))
        else {
            continue;
        };
        if !key.is_empty() {
            out.insert(key.to_string(), PathBuf::from(dir));
        }
    }
    out
}
