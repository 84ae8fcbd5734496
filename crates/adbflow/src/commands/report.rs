use super::Outcome;
use crate::cli::{InputArgs, ReportArgs};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::{Assessment, CheckOptions};
use std::path::Path;

/// Prepare, check and assess the input once, for the HTML report.
fn assess(args: &InputArgs, workspace: Option<&str>) -> Result<Assessment, CliError> {
    let input::Inputs { estate, regions, tags } = input::load_inputs(args)?;
    let options = CheckOptions { regions: &regions, workspace };
    adbflow_databricks::assess(&estate, &tags, &options).map_err(|e| CliError::Input(e.to_string()))
}

/// Write `text` to `output` when given (what stdout then says is nothing), else return it for stdout.
pub(crate) fn emit(output: Option<&Path>, text: String) -> Result<String, CliError> {
    match output {
        None => Ok(text),
        Some(p) => {
            std::fs::write(p, text)
                .map_err(|e| CliError::Input(format!("{}: cannot write: {e}", p.display())))?;
            eprintln!("adbflow: wrote {}", p.display());
            Ok(String::new())
        }
    }
}

pub fn run(args: &ReportArgs) -> Result<Outcome, CliError> {
    let a = assess(&args.input, args.workspace.as_deref())?;
    // The cost and capacity sections rest on the same evaluation the rest of the report shows.
    let label = super::cost::input_label(&args.input);
    let profile = super::cost::load_profile(args.profile.as_deref(), &a.prepared.estate, &label)?;
    let prices = super::cost::load_prices(args.prices.as_deref())?;
    let cost = adbflow_databricks::cost::price(&a.check, &a.prepared.estate, &profile, &prices);
    let capacity = adbflow_databricks::capacity::capacity(
        &a.check,
        &a.prepared.estate,
        &profile,
        adbflow_databricks::limits::builtin(),
        None,
    );
    let mut report = adbflow_report::html::ReportInput::new(&a);
    report.cost = Some(adbflow_report::html::cost::section(&cost));
    report.capacity = Some(adbflow_report::html::capacity::section(&capacity));
    let html = adbflow_report::html::render(&report);
    let stdout = emit(args.output.as_deref(), html)?;
    Ok(Outcome { stdout: stdout.into(), exit: if a.check.exit_code() == 0 { 0 } else { 1 } })
}
