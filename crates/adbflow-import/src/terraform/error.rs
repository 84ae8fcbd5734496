//! Why a Terraform JSON document could not be turned into an estate. Every variant names the file;
//! syntax errors carry the line and column serde_json reports, structural ones the JSON path or the
//! resource address, so the user can find the spot without reading adbflow's code.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerraformError {
    /// The text is not JSON at all; `line`/`column` are 1-based, as serde_json counts them.
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Syntax { file: String, line: usize, column: usize, message: String },
    /// Valid JSON, but not the output of `terraform show -json`.
    #[error("{file}: not Terraform JSON output: {message}")]
    NotTerraform { file: String, message: String },
    /// `format_version` with a major version other than 1: the layout may differ in ways this reader
    /// would misread, so it refuses rather than guesses.
    #[error(
        "{file}: Terraform JSON format_version {version} is not supported; adbflow reads format 1.x (Terraform 0.12 and later)"
    )]
    UnsupportedVersion { file: String, version: String },
    /// A part of the document has the wrong shape; `path` is where, e.g.
    /// `planned_values.root_module.child_modules[0].resources[2]`.
    #[error("{file}: {path}: {message}")]
    Structure { file: String, path: String, message: String },
    /// A resource holds a value Azure would reject, or one adbflow needs and cannot read.
    #[error("{file}: {address}: {attribute}: {message}")]
    Resource { file: String, address: String, attribute: String, message: String },
    /// Another error with the line and column of the spot it names (the JSON path, the resource's
    /// attribute or address), found in the text after the fact.
    #[error("{}", located(error, *line, *column))]
    Located { line: usize, column: usize, error: Box<TerraformError> },
}

/// `FILE:LINE:COL: rest of the message`.
fn located(error: &TerraformError, line: usize, column: usize) -> String {
    let file = error.file();
    let text = error.to_string();
    let rest = text.strip_prefix(&format!("{file}: ")).unwrap_or(&text);
    format!("{file}:{line}:{column}: {rest}")
}

impl TerraformError {
    pub fn file(&self) -> &str {
        match self {
            TerraformError::Syntax { file, .. }
            | TerraformError::NotTerraform { file, .. }
            | TerraformError::UnsupportedVersion { file, .. }
            | TerraformError::Structure { file, .. }
            | TerraformError::Resource { file, .. } => file,
            TerraformError::Located { error, .. } => error.file(),
        }
    }

    /// Line and column in the text, when known.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            TerraformError::Syntax { line, column, .. } | TerraformError::Located { line, column, .. } => {
                Some((*line, *column))
            }
            _ => None,
        }
    }
}
