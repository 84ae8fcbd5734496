//! adbflow: the command-line entry point. Parses arguments, runs one command, prints its output
//! and exits 0 (ok), 1 (findings: a blocked flow) or 2 (usage or input error).

mod cli;
mod commands;
mod error;
mod input;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match &cli.command {
        cli::Command::Check(a) => commands::check::run(a),
        cli::Command::Flows(a) => commands::flows::run(a),
        cli::Command::Gen(a) => commands::gen::run(a),
        cli::Command::Init(a) => commands::init::run(a),
        cli::Command::Routes(a) => commands::routes::run(a),
        cli::Command::Rules(a) => commands::rules::run(a),
        cli::Command::Trace(a) => commands::trace::run(a),
        cli::Command::Diagram(a) => commands::diagram::run(a),
        cli::Command::Report(a) => commands::report::run(a),
        cli::Command::Security(a) => commands::security::run(a),
        cli::Command::Cost(a) => commands::cost::run(a),
        cli::Command::Compare(a) => commands::compare::run(a),
        cli::Command::Capacity(a) => commands::capacity::run(a),
        cli::Command::Diagnose(a) => commands::diagnose::run(a),
        cli::Command::Diff(a) => commands::diff::run(a),
        cli::Command::Simulate(a) => commands::simulate::run(a),
        cli::Command::Serve(a) => commands::serve::run(a),
    };
    match result {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth a panic.
            let _ = stdout.write_all(out.stdout.as_bytes());
            let _ = stdout.flush();
            ExitCode::from(out.exit)
        }
        Err(e) => {
            eprintln!("adbflow: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
