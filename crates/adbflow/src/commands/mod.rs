//! One module per command: load, ask, render, choose the exit code.

pub mod capacity;
pub mod check;
pub mod compare;
pub mod cost;
pub mod diagnose;
pub mod diagram;
pub mod diff;
pub mod flows;
pub mod gen;
pub mod init;
pub mod report;
pub mod routes;
pub mod rules;
pub mod security;
pub mod serve;
pub mod simulate;
pub mod trace;

/// What a command prints and how the process should end.
pub struct Outcome {
    pub stdout: Stdout,
    /// 0 ok, 1 findings (a blocked flow); a [`Stdout::Stream`] returns its own.
    pub exit: u8,
}

/// A command's standard output.
pub enum Stdout {
    Text(String),
    /// Computed while it is written, for answers too large to hold beside the data they come from
    /// (a 1,000-workspace `check` is 170 MB of JSON, and its flows 165 MB of memory). Returns the
    /// exit code, which such an answer knows only once it is written; [`Outcome::exit`] is not
    /// read. The closure owns its data; `main` exits without dropping it.
    Stream(Box<WriteOutput>),
}

pub type WriteOutput = dyn FnOnce(&mut dyn std::io::Write) -> std::io::Result<u8>;

impl From<String> for Stdout {
    fn from(text: String) -> Self {
        Stdout::Text(text)
    }
}

impl Outcome {
    pub fn ok(stdout: String) -> Self {
        Outcome { stdout: stdout.into(), exit: 0 }
    }
}
