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
    pub name: adbflow_model::SharedStr,
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
        out.push((SourceFile { name: shown_file.into(), text }, body));
    }
    Ok(out)
}

/// Deepest nesting of `[` the parser is given. hcl-edit backtracks exponentially on index
/// traversals nested this deep when the expression then fails to parse (found by the `hcl` fuzz
/// target: 33 levels took minutes, 14 levels 0.6 s, 12 levels 3 ms); real configurations nest a few.
pub const MAX_INDEX_NESTING: usize = 12;

/// The offset of the first `[` nested deeper than [`MAX_INDEX_NESTING`]. Counted over the whole
/// text, strings included (template interpolations hold expressions), so it errs towards refusing.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'[' => {
                depth += 1;
                if depth > MAX_INDEX_NESTING {
                    return Some(i);
                }
            }
            b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parse HCL text; a syntax error names the file, line and column.
pub(crate) fn parse(text: &str, file: &str) -> Result<Body, ImportError> {
    if let Some(offset) = too_deep(text) {
        let (line, column) = crate::position::LineIndex::new(text).position(offset);
        return Err(ImportError::Parse {
            file: file.to_string(),
            location: Some(Location { line, column }),
            message: format!(
                "`[` nested more than {MAX_INDEX_NESTING} levels deep; adbflow refuses it because its HCL \
                 parser's time grows exponentially with this nesting (Terraform configurations nest far less)"
            ),
        });
    }
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

    // The fuzz target's hang (fuzz/artifacts, minimised in shape): refused at once, at the `[`.
    #[test]
    fn index_nesting_past_the_limit_is_refused_where_it_happens() {
        let deep = format!("a = {}&", "x[y%".repeat(MAX_INDEX_NESTING + 1));
        let started = std::time::Instant::now();
        let e = parse(&deep, "main.tf").unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let col = 5 + MAX_INDEX_NESTING * 4 + 1;
        assert!(e.to_string().starts_with(&format!("main.tf:1:{col}: `[` nested more than 12")), "{e}");
        let fine = format!("a = {}1{}\n", "[".repeat(MAX_INDEX_NESTING), "]".repeat(MAX_INDEX_NESTING));
        assert!(parse(&fine, "main.tf").is_ok());
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
