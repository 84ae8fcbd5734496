use super::{Outcome, Stdout};
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::{CheckError, CheckOptions, CheckReport, CheckRun};
use adbflow_model::Estate;
use adbflow_net::ServiceTags;

type WriteRun = fn(CheckRun, &mut dyn std::io::Write) -> std::io::Result<CheckReport>;

pub fn run(args: &CheckArgs) -> Result<Outcome, CliError> {
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let options = CheckOptions { regions: &regions, workspace: args.workspace.as_deref() };
    match args.format {
        CheckFormat::Json => streamed(estate, &tags, &options, adbflow_report::check::write_check_run_json),
        CheckFormat::Table => streamed(estate, &tags, &options, adbflow_report::check::write_check_run_table),
        CheckFormat::Markdown => {
            streamed(estate, &tags, &options, adbflow_report::check::write_check_run_markdown)
        }
        CheckFormat::Sarif => streamed(estate, &tags, &options, adbflow_report::sarif::write_check_run),
    }
}

/// Prepared now, so that an invalid estate is an error before any output; walked while the
/// answer is written, workspace by workspace in order, so the flows are never all in memory.
/// The estate as read is not needed once prepared: it is freed while the network is built.
fn streamed(
    estate: Estate,
    tags: &ServiceTags,
    options: &CheckOptions<'_>,
    write_run: WriteRun,
) -> Result<Outcome, CliError> {
    let run = CheckRun::start_owned(estate, tags, options).map_err(invalid)?;
    let write = move |out: &mut dyn std::io::Write| {
        let report = write_run(run, out)?;
        Ok(exit_code(&report))
    };
    Ok(Outcome { stdout: Stdout::Stream(Box::new(write)), exit: 0 })
}

fn invalid(e: CheckError) -> CliError {
    CliError::Input(e.to_string())
}

fn exit_code(report: &CheckReport) -> u8 {
    if report.exit_code() == 0 {
        0
    } else {
        1
    }
}
