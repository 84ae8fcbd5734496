//! Errors that stop `check` before any flow is evaluated: the CLI exits 2 on them.

use adbflow_model::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("the input has no workspace: add a [[workspaces]] entry (or check a built-in --pattern)")]
    NoWorkspace,
    #[error("workspace '{name}' is not in the input (workspaces: {known})")]
    UnknownWorkspace { name: String, known: String },
    #[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    #[error("workspace '{workspace}': region '{region}' is not in the region table")]
    UnknownRegion { workspace: String, region: String },
}
