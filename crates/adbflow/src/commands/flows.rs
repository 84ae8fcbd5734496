use super::Outcome;
use crate::cli::{FlowsArgs, FlowsFormat};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::CheckOptions;

pub fn run(args: &FlowsArgs) -> Result<Outcome, CliError> {
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let options = CheckOptions { regions: &regions, workspace: args.workspace.as_deref() };
    let report =
        adbflow_databricks::check(&estate, &tags, &options).map_err(|e| CliError::Input(e.to_string()))?;
    let exit = if report.exit_code() == 0 { 0 } else { 1 };
    let flows = adbflow_databricks::sequence::into_sequence(report);
    let stdout = match args.format {
        FlowsFormat::Table => adbflow_report::check::render_flows_table(&flows),
        FlowsFormat::Mermaid => adbflow_report::check::render_flows_mermaid(&flows),
    };
    Ok(Outcome { stdout: stdout.into(), exit })
}
