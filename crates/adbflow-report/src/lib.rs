//! Renderers: every output format adbflow prints. They take computed answers and never compute.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod capacity;
pub mod check;
pub mod compare;
pub mod cost;
pub mod diagnose;
pub mod diagram;
pub mod diff;
pub mod html;
pub mod json;
pub mod money;
pub mod routes;
pub mod rules;
pub mod sarif;
pub mod security;
pub mod simulate;
pub mod table;
pub mod trace;

/// Output formats a command can be asked for. Not every command supports every format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Mermaid,
}

/// Pretty JSON with a trailing newline; the JSON contracts are documented in docs/output.md.
///
/// serde_json fails only on maps with non-string keys or a `Serialize` that errors; the report types
/// have neither, so a failure is a defect, written into the output as a JSON error object rather
/// than a panic.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("adbflow could not serialise its answer: {e}") }).to_string()
    });
    s.push('\n');
    s
}
