use super::{Outcome, Stdout};
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::{CheckOptions, CheckReport, CheckRun};

pub fn run(args: &CheckArgs) -> Result<Outcome, CliError> {
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let options = CheckOptions { regions: &regions, workspace: args.workspace.as_deref() };
    let invalid = |e: adbflow_databricks::CheckError| CliError::Input(e.to_string());
    type WriteRun = fn(CheckRun, &mut dyn std::io::Write) -> std::io::Result<CheckReport>;
    let render: fn(&CheckReport) -> String = match args.format {
        CheckFormat::Json | CheckFormat::Table => {
            // Prepared now, so that an invalid estate is an error before any output; walked while
            // the answer is written, a batch of workspaces at a time, so the flows are never all
            // in memory.
            let run = CheckRun::start(&estate, &tags, &options).map_err(invalid)?;
            let write_run: WriteRun = match args.format {
                CheckFormat::Json => adbflow_report::check::write_check_run_json,
                _ => adbflow_report::check::write_check_run_table,
            };
            let write = move |out: &mut dyn std::io::Write| {
                let report = write_run(run, out)?;
                Ok(exit_code(&report))
            };
            return Ok(Outcome { stdout: Stdout::Stream(Box::new(write)), exit: 0 });
        }
        CheckFormat::Markdown => adbflow_report::check::render_check_markdown,
        CheckFormat::Sarif => adbflow_report::sarif::check,
    };
    let report = adbflow_databricks::check(&estate, &tags, &options).map_err(invalid)?;
    Ok(Outcome { stdout: render(&report).into(), exit: exit_code(&report) })
}

fn exit_code(report: &CheckReport) -> u8 {
    if report.exit_code() == 0 {
        0
    } else {
        1
    }
}
