use super::Outcome;
use crate::cli::{SecurityArgs, SecurityFormat};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::CheckOptions;
use adbflow_report::{sarif, security};

pub fn run(args: &SecurityArgs) -> Result<Outcome, CliError> {
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let options = CheckOptions { regions: &regions, workspace: args.workspace.as_deref() };
    // The check's flows are not kept: SARIF needs only its workspace summaries.
    let (r, check) = adbflow_databricks::security::security(&estate, &tags, &options)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let stdout = match args.format {
        SecurityFormat::Table => security::render_table(&r),
        SecurityFormat::Json => adbflow_report::to_json(&r),
        SecurityFormat::Markdown => security::render_markdown(&r),
        SecurityFormat::Sarif => sarif::security(&r, &check),
    };
    Ok(Outcome { stdout: stdout.into(), exit: if r.exit_code(args.strict) == 0 { 0 } else { 1 } })
}
