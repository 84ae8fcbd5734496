use super::cost::{input_label, load_profile};
use super::Outcome;
use crate::cli::{CapacityArgs, SummaryFormat};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::CheckOptions;

pub fn run(args: &CapacityArgs) -> Result<Outcome, CliError> {
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let profile = load_profile(args.profile.as_deref(), &estate, &input_label(&args.input))?;
    let options = CheckOptions { regions: &regions, workspace: args.workspace.as_deref() };
    let report = adbflow_databricks::capacity::check_capacity(
        &estate,
        &tags,
        &options,
        &profile,
        adbflow_databricks::limits::builtin(),
        args.nodes,
    )
    .map_err(|e| CliError::Input(e.to_string()))?;
    let stdout = match args.format {
        SummaryFormat::Table => adbflow_report::capacity::render_capacity_table(&report),
        SummaryFormat::Json => adbflow_report::capacity::render_capacity_json(&report),
        SummaryFormat::Markdown => adbflow_report::capacity::render_capacity_markdown(&report),
    };
    Ok(Outcome { stdout: stdout.into(), exit: if report.exit_code() == 0 { 0 } else { 1 } })
}
