//! Reading one module directory: its `.tf` files in name order (Terraform's order), each parsed
//! with hcl-rs's lossless parser (`hcl::edit`), which keeps byte spans so every finding can name
//! `file.tf:line:column`.

use crate::error::Location;
use crate::position::LineIndex;
use crate::ImportError;
use ::hcl::edit::structure::Body;
use std::path::{Component, Path, PathBuf};

pub(crate) struct SourceFile {
    /// The path as shown to the user: the input directory as given, joined and normalised.
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub(crate) fn position(&self, offset: usize) -> (u32, u32) {
        LineIndex::new(&self.text).position(offset)
    }
}

/// `a/b/../c` → `a/c`, without touching the file system, so module paths print the way a user
/// would type them.
pub(crate) fn normalise(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// The `.tf` files of `dir` (not its subdirectories), parsed. `shown` is how `dir` is printed.
pub(crate) fn read_module(dir: &Path, shown: &Path) -> Result<Vec<(SourceFile, Body)>, ImportError> {
    let shown_dir = shown.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ImportError::Io { file: shown_dir.clone(), reason: e.to_string() })?;
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ImportError::Io { file: shown_dir.clone(), reason: e.to_string() })?;
        let name = entry.file_name().to_string_lossy().to_string();
        let is_file = entry.file_type().map(|t| t.is_file() || t.is_symlink()).unwrap_or(false);
        if is_file && name.ends_with(".tf") && !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let shown_file = normalise(&shown.join(&name)).display().to_string();
        let text = crate::read::read_text(&dir.join(&name), &shown_file)?;
        let text = crate::strip_bom(&text).to_string();
        let body = parse(&text, &shown_file)?;
        out.push((SourceFile { name: shown_file, text }, body));
    }
    Ok(out)
}

/// Parse HCL text; a syntax error names the file, line and column.
pub(crate) fn parse(text: &str, file: &str) -> Result<Body, ImportError> {
    ::hcl::edit::parser::parse_body(text).map_err(|e| {
        let loc = e.location();
        ImportError::Parse {
            file: file.to_string(),
            location: Some(Location { line: loc.line() as u32, column: loc.column() as u32 }),
            message: format!("HCL syntax error: {}", e.message()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalise(Path::new("./envs/dev/../../modules/net")), PathBuf::from("modules/net"));
        assert_eq!(normalise(Path::new("../x/./y")), PathBuf::from("../x/y"));
        assert_eq!(normalise(Path::new("./")), PathBuf::from("."));
    }

    #[test]
    fn syntax_errors_name_the_line_and_column() {
        let e = parse("a = 1\nb = {\n", "main.tf").unwrap_err();
        match e {
            ImportError::Parse { file, location: Some(l), .. } => {
                assert_eq!(file, "main.tf");
                assert!(l.line >= 2, "{l:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}
