//! CLI errors and their exit codes.

use std::fmt;

#[derive(Debug)]
pub enum CliError {
    /// Wrong arguments.
    Usage(String),
    /// An input file that cannot be read or is invalid; the message names file, line and column.
    Input(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        2
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) => write!(f, "usage error: {m}"),
            CliError::Input(m) => write!(f, "input error: {m}"),
        }
    }
}
