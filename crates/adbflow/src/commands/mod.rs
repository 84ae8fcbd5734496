//! One module per command: load, ask, render, choose the exit code.

pub mod check;
pub mod flows;
pub mod gen;
pub mod init;
pub mod routes;
pub mod rules;
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
