use super::{Outcome, Stdout};
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::CheckOptions;

pub fn run(args: &CheckArgs) -> Result<Outcome, CliError> {
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let options = CheckOptions { regions: &regions, workspace: args.workspace.as_deref() };
    let report =
        adbflow_databricks::check(&estate, &tags, &options).map_err(|e| CliError::Input(e.to_string()))?;
    let exit = if report.exit_code() == 0 { 0 } else { 1 };
    let stdout = match args.format {
        CheckFormat::Table => adbflow_report::check::render_check_table(&report).into(),
        CheckFormat::Json => {
            Stdout::Stream(Box::new(move |out| adbflow_report::check::write_check_json(&report, out)))
        }
        CheckFormat::Markdown => adbflow_report::check::render_check_markdown(&report).into(),
        CheckFormat::Sarif => adbflow_report::sarif::check(&report).into(),
    };
    Ok(Outcome { stdout, exit })
}
