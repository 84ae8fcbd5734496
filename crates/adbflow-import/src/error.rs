//! Import errors. Every variant names the file; positions are `FILE:LINE:COL` like a compiler's.

use adbflow_model::Diagnostic;
use std::fmt;

/// A 1-based line and column in an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened or read (missing, a directory, permissions).
    #[error("{file}: cannot read the file: {reason}")]
    Io { file: String, reason: String },
    /// The input exceeds the size adbflow is willing to hold in memory.
    #[error(
        "{file}: the file is {size} bytes; adbflow reads input files of at most {limit} bytes (set {} to a \
         number of MiB to change the limit; reading needs several times the file's size in memory)",
        crate::INPUT_LIMIT_ENV
    )]
    TooLarge { file: String, size: u64, limit: u64 },
    /// An environment setting adbflow reads has a value it cannot use.
    #[error("{name}={value}: {message}")]
    Setting { name: String, value: String, message: String },
    /// The bytes are not UTF-8; `location` is the first invalid byte.
    #[error("{file}:{}:{}: the file is not valid UTF-8 (byte 0x{byte:02X}){hint}", location.line, location.column)]
    NotUtf8 { file: String, location: Location, byte: u8, hint: &'static str },
    /// Nothing but whitespace.
    #[error("{file}: the file is empty; expected an estate in adbflow's native TOML or JSON format")]
    Empty { file: String },
    /// Syntax errors, wrong types, unknown keys, invalid values (CIDRs, port ranges …).
    #[error("{}", at(file, *location, message))]
    Parse { file: String, location: Option<Location>, message: String },
    /// The file parsed but Azure would reject the configuration. Holds every diagnostic (errors
    /// first, then warnings) so nothing is lost when loading stops.
    #[error("{}", Invalid(file, diagnostics))]
    Invalid { file: String, diagnostics: Vec<Diagnostic> },
    /// Terraform JSON that cannot be read: syntax, not Terraform output, an unsupported
    /// `format_version`, or a resource that cannot be mapped (the message names its address).
    #[error(transparent)]
    Terraform(#[from] crate::terraform::TerraformError),
}

impl ImportError {
    /// The input file the error is about.
    pub fn file(&self) -> &str {
        match self {
            ImportError::Io { file, .. }
            | ImportError::TooLarge { file, .. }
            | ImportError::NotUtf8 { file, .. }
            | ImportError::Empty { file }
            | ImportError::Parse { file, .. }
            | ImportError::Invalid { file, .. } => file,
            // Not about a file: the setting is what to fix.
            ImportError::Setting { name, .. } => name,
            ImportError::Terraform(e) => e.file(),
        }
    }

    /// Where in the file the (first) problem is, when known.
    pub fn location(&self) -> Option<Location> {
        match self {
            ImportError::NotUtf8 { location, .. } => Some(*location),
            ImportError::Terraform(e) => {
                e.position().map(|(line, column)| Location { line: line as u32, column: column as u32 })
            }
            ImportError::Parse { location, .. } => *location,
            ImportError::Invalid { diagnostics, .. } => diagnostics.iter().find_map(|d| match &d.origin {
                Some(adbflow_model::Origin::File { line, column, .. }) => {
                    Some(Location { line: *line, column: *column })
                }
                _ => None,
            }),
            _ => None,
        }
    }
}

fn at(file: &str, location: Option<Location>, message: &str) -> String {
    match location {
        Some(l) => format!("{file}:{}:{}: {message}", l.line, l.column),
        None => format!("{file}: {message}"),
    }
}

/// One line per diagnostic, `FILE:LINE:COL: error[code]: element: message`.
struct Invalid<'a>(&'a str, &'a [Diagnostic]);

impl fmt::Display for Invalid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.1.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match &d.origin {
                Some(_) => write!(f, "{d}")?,
                None => write!(f, "{}: {d}", self.0)?,
            }
        }
        Ok(())
    }
}
