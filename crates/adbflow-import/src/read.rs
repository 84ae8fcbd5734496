//! Reading an input file: bounded in size, and UTF-8 or a clear error.

use crate::error::Location;
use crate::position::LineIndex;
use crate::{input_limit, ImportError};
use std::io::Read;
use std::path::Path;

pub(crate) fn read_text(path: &Path, file: &str) -> Result<String, ImportError> {
    let io = |e: std::io::Error| ImportError::Io { file: file.to_string(), reason: describe(&e) };
    let handle = std::fs::File::open(path).map_err(io)?;
    let meta = handle.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(ImportError::Io {
            file: file.to_string(),
            reason: "it is a directory, not a file".into(),
        });
    }
    let limit = input_limit()?;
    let too_large = |size: u64| ImportError::TooLarge { file: file.to_string(), size, limit };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    // The metadata can lie (pipes, growing files): never read past the limit.
    // Sized from the metadata (capped by the limit): growing by doubling copied a large estate
    // several times over.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    handle.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    utf8(bytes, file)
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

pub(crate) fn utf8(bytes: Vec<u8>, file: &str) -> Result<String, ImportError> {
    String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let hint = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            "; it looks like UTF-16, save it as UTF-8"
        } else {
            "; save it as UTF-8"
        };
        // Everything before the bad byte is valid, so its line and column are exact.
        let valid = std::str::from_utf8(&bytes[..bad]).unwrap_or_default();
        let (line, column) = LineIndex::new(valid).position(bad);
        ImportError::NotUtf8 {
            file: file.to_string(),
            location: Location { line, column },
            byte: bytes.get(bad).copied().unwrap_or_default(),
            hint,
        }
    })
}
