//! Readers that turn user input into the estate model: adbflow's native format, the serde form of
//! [`adbflow_model::Estate`] written as TOML or JSON (see `docs/format.md`), and Terraform's JSON
//! output (`terraform show -json`, plan or state; see `docs/terraform.md`).
//!
//! Loading is parse → fill origins → validate. Every failure names the file and, where there is
//! one, the line and column; every element of a loaded estate carries the position it was
//! defined at, so later verdicts can point back into the file.

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod detect;
mod doc_tree;
mod error;
pub mod hcl;
mod json_reader;
mod json_scan;
mod json_skim;
mod origins;
mod position;
mod read;
pub mod terraform;
mod toml_reader;

pub use detect::detect;
pub use error::{ImportError, Location};

use adbflow_model::validate::validate;
use adbflow_model::{Diagnostic, Estate, Severity};
use position::LineIndex;
use std::path::Path;

/// Inputs larger than this are refused before parsing, unless [`INPUT_LIMIT_ENV`] says
/// otherwise: most estates are kilobytes, and the parsed form needs several times the text's
/// size in memory (a 419 MiB Terraform plan of 5,000 workspaces peaks at 1.7 GiB).
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// The environment variable that sets the input size limit, in mebibytes.
pub const INPUT_LIMIT_ENV: &str = "ADBFLOW_MAX_INPUT_MIB";

/// The input size limit in force: `ADBFLOW_MAX_INPUT_MIB` mebibytes when set, else
/// [`MAX_INPUT_BYTES`]. A value that is not a whole number above zero is an error, not ignored.
pub fn input_limit() -> Result<u64, ImportError> {
    let Some(value) = std::env::var_os(INPUT_LIMIT_ENV) else { return Ok(MAX_INPUT_BYTES) };
    let text = value.to_string_lossy().into_owned();
    match text.trim().parse::<u64>() {
        Ok(mib) if mib > 0 => Ok(mib.saturating_mul(1024 * 1024)),
        _ => Err(ImportError::Setting {
            name: INPUT_LIMIT_ENV.to_string(),
            value: text,
            message: "expected a whole number of mebibytes above zero".into(),
        }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    NativeToml,
    NativeJson,
    /// `terraform show -json plan.out`
    TerraformPlan,
    /// `terraform show -json` of a state
    TerraformState,
    /// A directory of Terraform configuration (`.tf` files), evaluated without Terraform.
    TerraformHcl,
}

/// A successfully loaded estate. `warnings` are findings Azure would accept (sorted); loading
/// fails instead when there is any error.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub estate: Estate,
    pub warnings: Vec<Diagnostic>,
    pub format: Format,
    pub file: String,
}

/// Load an input: a directory of `.tf` files (variables from `TF_VAR_*` and the directory's
/// variable files), or a file whose format comes from the extension (`.toml`, `.json`),
/// otherwise from the content.
pub fn load_path(path: &Path) -> Result<Loaded, ImportError> {
    load_path_with(path, &hcl::HclOptions::from_env())
}

/// `load_path` with explicit variable values for a `.tf` directory; for a file they must be empty.
pub fn load_path_with(path: &Path, vars: &hcl::HclOptions) -> Result<Loaded, ImportError> {
    let file = path.display().to_string();
    if path.is_dir() {
        return load_terraform_dir(path, vars);
    }
    if !vars.var_files.is_empty() || !vars.vars.is_empty() {
        return Err(ImportError::Parse {
            file,
            location: None,
            message: "--var and --var-file apply to a directory of .tf files; this input is a file".into(),
        });
    }
    let text = read::read_text(path, &file)?;
    let by_extension = path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
    let (format, guessed) = match by_extension.as_deref() {
        Some("toml") => (Format::NativeToml, false),
        // Terraform's output is JSON too; its top-level keys tell it apart.
        Some("json") => (detect(&text, &file)?, false),
        _ => (detect(&text, &file)?, true),
    };
    load_str(&text, &file, format).map_err(|e| match e {
        // A syntax error in a file whose format was guessed may mean the guess was wrong.
        ImportError::Parse { file, location, message } if guessed => {
            let name = match format {
                Format::NativeToml => "TOML",
                _ => "JSON",
            };
            let message =
                format!("{message} (read as {name}: the file name ends in neither .toml nor .json)");
            ImportError::Parse { file, location, message }
        }
        other => other,
    })
}

/// Load a native estate from text; `file` is the name used in origins and error messages.
pub fn load_str(text: &str, file: &str, format: Format) -> Result<Loaded, ImportError> {
    let limit = input_limit()?;
    if text.len() as u64 > limit {
        return Err(ImportError::TooLarge { file: file.to_string(), size: text.len() as u64, limit });
    }
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(ImportError::Empty { file: file.to_string() });
    }
    if matches!(format, Format::TerraformPlan | Format::TerraformState) {
        return load_terraform(text, file);
    }
    let (parsed, index) = match format {
        Format::NativeToml => (toml_reader::parse(text), LineIndex::new(text)),
        _ => json_reader::parse(text),
    };
    let (mut estate, positions) = parsed.map_err(|f| f.into_error(file, &index))?;
    origins::fill(&mut estate, file, &index, &positions)
        .map_err(|e| Failure { offset: Some(e.offset), message: e.message }.into_error(file, &index))?;
    let diagnostics = validate(&estate);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(ImportError::Invalid { file: file.to_string(), diagnostics });
    }
    Ok(Loaded { estate, warnings: diagnostics, format, file: file.to_string() })
}

/// Terraform JSON: map the resources, then validate like any other estate. The mapper's warnings
/// (ignored types, unknown values, approximations) come first, then validation's.
fn load_terraform(text: &str, file: &str) -> Result<Loaded, ImportError> {
    let imported = terraform::from_json(text, file).map_err(|e| terraform::locate(text, e))?;
    let diagnostics = validate(&imported.estate);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(ImportError::Invalid { file: file.to_string(), diagnostics });
    }
    let format = match imported.kind {
        terraform::TerraformKind::Plan => Format::TerraformPlan,
        terraform::TerraformKind::State => Format::TerraformState,
    };
    let mut warnings = imported.warnings;
    warnings.extend(diagnostics);
    Ok(Loaded { estate: imported.estate, warnings, format, file: file.to_string() })
}

/// A directory of `.tf` files: evaluated into a plan document, mapped and validated like a plan.
fn load_terraform_dir(dir: &Path, vars: &hcl::HclOptions) -> Result<Loaded, ImportError> {
    let file = dir.display().to_string();
    let imported = hcl::from_dir(dir, vars)?;
    let diagnostics = validate(&imported.estate);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(ImportError::Invalid { file, diagnostics });
    }
    let mut warnings = imported.warnings;
    warnings.extend(diagnostics);
    Ok(Loaded { estate: imported.estate, warnings, format: Format::TerraformHcl, file })
}

/// Editors on Windows may prefix UTF-8 files with a byte-order mark; it is not content.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A reader's failure before it becomes an [`ImportError`]: a byte offset and a message.
pub(crate) struct Failure {
    pub offset: Option<usize>,
    pub message: String,
}

impl Failure {
    fn into_error(self, file: &str, index: &LineIndex) -> ImportError {
        let location = self.offset.map(|o| {
            let (line, column) = index.position(o);
            Location { line, column }
        });
        ImportError::Parse { file: file.to_string(), location, message: friendly(&self.message) }
    }
}

/// serde_json's words for its nesting limit, said for the user.
fn friendly(message: &str) -> String {
    message.replace(
        "recursion limit exceeded",
        "arrays or objects are nested too deeply (the limit is 128 levels)",
    )
}
