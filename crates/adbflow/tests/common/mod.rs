//! Running the real binary from the integration tests.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Run `adbflow` from the crate directory (so fixture paths are relative to it), without colour.
pub fn adbflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adbflow"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run adbflow")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}
