//! Terraform configuration (`.tf` files) read directly, without Terraform, providers or cloud
//! credentials: the directory is parsed with hcl-rs, evaluated the way `terraform plan` would
//! (variables, locals, `count`/`for_each`, modules, functions), and the result is handed to the
//! plan importer as the plan document Terraform would have printed. Both inputs therefore share
//! one azurerm mapping; origins then point at `file.tf:line:column` of each resource block.
//!
//! What a plan would know only after apply (IDs, assigned addresses, data sources, which adbflow
//! cannot read without cloud access) stays unknown and still links resources. Whatever adbflow
//! cannot evaluate is unknown too, with a warning naming the file and line.

mod cidr;
mod config;
mod eval;
mod funcs;
mod machine;
mod origins;
mod plan;
mod source;
mod strings;
mod types;
mod value;
mod vars;

use crate::error::Location;
use crate::terraform::{TerraformError, TerraformImport};
use crate::ImportError;
use adbflow_model::{Diagnostic, Origin};
use config::ModuleConfig;
use machine::Machine;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where the root module's variable values come from, besides `terraform.tfvars` and
/// `*.auto.tfvars` in the directory, which are always read.
#[derive(Debug, Clone, Default)]
pub struct HclOptions {
    /// `--var-file FILE`, in the order given.
    pub var_files: Vec<PathBuf>,
    /// `--var NAME=VALUE`, in the order given.
    pub vars: Vec<String>,
    /// Environment variables; those named `TF_VAR_<name>` set variables.
    pub env: Vec<(String, String)>,
}

impl HclOptions {
    /// No files or assignments; `TF_VAR_*` from this process's environment.
    pub fn from_env() -> Self {
        HclOptions {
            env: std::env::vars().filter(|(k, _)| k.starts_with("TF_VAR_")).collect(),
            ..HclOptions::default()
        }
    }
}

/// The function names adbflow evaluates, sorted.
pub fn supported_functions() -> &'static [&'static str] {
    funcs::SUPPORTED
}

/// Read the Terraform configuration in directory `dir`.
pub fn from_dir(dir: &Path, opts: &HclOptions) -> Result<TerraformImport, ImportError> {
    let shown = dir.display().to_string();
    let parsed = source::read_module(dir, dir)?;
    if parsed.is_empty() {
        return Err(ImportError::Io {
            file: shown,
            reason: "the directory holds no .tf files; give a Terraform root module directory, a plan or state JSON file, or a native estate file".into(),
        });
    }
    let root = Rc::new(ModuleConfig::build(dir.to_path_buf(), dir.to_path_buf(), parsed)?);
    let (inputs, mut warnings) = vars::gather(&root, opts)?;
    let mut m = Machine::new(root, inputs);
    m.run();
    if let Some(e) = m.fatal.take() {
        return Err(e);
    }
    warnings.append(&mut m.warnings);
    report_unread(&m, &mut warnings);
    let doc = plan::document(&m);
    let places: origins::Places = m
        .insts
        .iter()
        .map(|i| (i.addr.to_string(), i.config.origin(i.config.resources[i.resource].at)))
        .collect();
    let mut imported = crate::terraform::from_document(&doc, &shown).map_err(|e| locate(e, &places))?;
    origins::rewrite(&mut imported.estate, &places);
    origins::rewrite_warnings(&mut imported.warnings, &places);
    warnings.append(&mut imported.warnings);
    imported.warnings = warnings;
    imported.estate.origin = Some(Origin::File { file: shown.into(), line: 1, column: 1 });
    Ok(imported)
}

/// A resource the mapper refuses (a value Azure would reject) is reported at its block.
fn locate(e: TerraformError, places: &origins::Places) -> ImportError {
    match e {
        TerraformError::Resource { address, attribute, message, .. } => match places.get(&address) {
            Some(Origin::File { file, line, column }) => ImportError::Parse {
                file: file.to_string(),
                location: Some(Location { line: *line, column: *column }),
                message: format!("{address}: {attribute}: {message}"),
            },
            _ => ImportError::Terraform(TerraformError::Resource {
                file: String::new(),
                address,
                attribute,
                message,
            }),
        },
        other => ImportError::Terraform(other),
    }
}

/// Data sources and remote modules: what adbflow could not read, said once each.
fn report_unread(m: &Machine, warnings: &mut Vec<Diagnostic>) {
    if let Some((_, origin)) = m.data.first() {
        let mut names: Vec<String> = m.data.iter().map(|(a, _)| a.to_string()).collect();
        names.dedup();
        let n = names.len();
        if names.len() > 6 {
            names.truncate(6);
            names.push("…".into());
        }
        warnings.push(Diagnostic::warning(
            "terraform-hcl-data-source",
            "data",
            format!(
                "{n} data source instance(s) are read by Terraform from Azure; adbflow has no cloud access, so their attributes (other than those written in the configuration) are unknown: {}",
                names.join(", ")
            ),
            Some(origin),
        ));
    }
    for (address, source, origin) in &m.remote {
        warnings.push(Diagnostic::warning(
            "terraform-hcl-remote-module",
            address.clone(),
            format!(
                "the module source \"{source}\" is not local; adbflow reads local modules, and remote ones only after `terraform init` has downloaded them (.terraform/modules/modules.json). The resources this module would create are missing from the model, and its outputs are unknown"
            ),
            Some(origin),
        ));
    }
}
