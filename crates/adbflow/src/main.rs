//! adbflow: the command-line entry point. Parses arguments, runs one command, prints its output
//! and exits 0 (ok), 1 (findings: a blocked flow) or 2 (usage or input error).

mod cli;
mod commands;
mod error;
mod input;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

// adbflow's answers are trees of many small allocations (hops, element references, route
// descriptions); glibc's malloc spent about a third of a 1,000-workspace check in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        Ok(out) => match write_stdout(out) {
            Ok(code) => exit_now(code),
            Err(e) => {
                eprintln!("adbflow: writing the output failed: {e}");
                exit_now(2)
            }
        },
        Err(e) => {
            eprintln!("adbflow: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Writes the command's output and returns the exit code.
fn write_stdout(outcome: commands::Outcome) -> std::io::Result<u8> {
    let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut out = ReaderMayLeave { inner: stdout, gone: false };
    let code = match outcome.stdout {
        commands::Stdout::Text(text) => {
            out.write_all(text.as_bytes())?;
            outcome.exit
        }
        commands::Stdout::Stream(write) => write(&mut out)?,
    };
    out.flush()?;
    Ok(code)
}

/// Standard output whose reader may close it early (`| head`): that is the reader's choice, not an
/// error, so the rest is discarded and a streamed answer still runs to its end and its exit code.
struct ReaderMayLeave<W> {
    inner: W,
    gone: bool,
}

impl<W: Write> ReaderMayLeave<W> {
    fn left(&mut self, r: std::io::Result<()>) -> std::io::Result<()> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.gone = true;
                Ok(())
            }
            r => r,
        }
    }
}

impl<W: Write> Write for ReaderMayLeave<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.gone {
            let r = self.inner.write_all(buf);
            self.left(r)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.gone {
            return Ok(());
        }
        let r = self.inner.flush();
        self.left(r)
    }
}

/// Ends the process without running destructors: the answer is written, and freeing a large
/// report's millions of small allocations one by one (0.1 s at 1,000 workspaces) only delays the
/// exit, which returns the memory at once.
fn exit_now(code: u8) -> ! {
    std::process::exit(i32::from(code))
}
