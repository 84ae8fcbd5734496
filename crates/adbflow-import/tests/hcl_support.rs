//! Helpers shared by the `.tf` tests (included with `#[path]`): fixture paths, small configurations
//! written to a fresh directory, and loading with chosen variable values.
#![allow(dead_code)]

use adbflow_import::hcl::HclOptions;
use adbflow_import::{load_path_with, ImportError, Loaded};
use adbflow_model::{Diagnostic, Origin};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hcl").join(rel)
}

/// No variable values beyond the directory's own files; the environment is not read.
pub fn quiet() -> HclOptions {
    HclOptions::default()
}

/// Write `files` (relative path → text) into a new directory and return the root module's path
/// (`root` inside it), so modules can live beside it.
pub fn write(files: &[(&str, &str)]) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hcl-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    for (rel, text) in files {
        let p = base.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    base.join("root")
}

pub fn load(dir: &Path, opts: &HclOptions) -> Loaded {
    load_path_with(dir, opts).unwrap_or_else(|e| panic!("{e}"))
}

pub fn load_err(dir: &Path, opts: &HclOptions) -> ImportError {
    match load_path_with(dir, opts) {
        Ok(_) => panic!("expected {} to fail", dir.display()),
        Err(e) => e,
    }
}

/// The single-file root module `main.tf` with `text`, loaded without extra variables.
pub fn main_tf(text: &str) -> Loaded {
    load(&write(&[("root/main.tf", text)]), &quiet())
}

pub fn warnings_with<'a>(l: &'a Loaded, code: &str) -> Vec<&'a Diagnostic> {
    l.warnings.iter().filter(|w| w.code == code).collect()
}

/// `(file name, line)` of an origin that points into a file.
pub fn line_of(o: &Option<Origin>) -> (String, u32) {
    match o {
        Some(Origin::File { file, line, .. }) => {
            (Path::new(file.as_str()).file_name().unwrap().to_string_lossy().to_string(), *line)
        }
        other => panic!("expected a file position, found {other:?}"),
    }
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_containing(text: &str, needle: &str) -> u32 {
    text.lines().position(|l| l.contains(needle)).map(|i| i as u32 + 1).unwrap_or_else(|| panic!("{needle}"))
}

pub const RG: &str = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "eastus2"
}
"#;
