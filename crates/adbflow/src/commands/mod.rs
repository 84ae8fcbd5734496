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
    pub stdout: String,
    /// 0 ok, 1 findings (a blocked flow).
    pub exit: u8,
}

impl Outcome {
    pub fn ok(stdout: String) -> Self {
        Outcome { stdout, exit: 0 }
    }
}
