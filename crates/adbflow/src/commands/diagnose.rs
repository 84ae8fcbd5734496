use super::Outcome;
use crate::cli::{DiagnoseArgs, SummaryFormat, SymptomArg};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::diagnose::sources::{CapacityCauses, TimingCauses};
use adbflow_databricks::diagnose::{builtin_knowledge, diagnose, CauseSource, DiagnoseOptions, Query};
use adbflow_databricks::simulate::timing;
use adbflow_databricks::CheckOptions;

fn symptom_name(s: SymptomArg) -> &'static str {
    match s {
        SymptomArg::Pending => "pending",
        SymptomArg::Pip => "pip",
        SymptomArg::Storage403 => "storage-403",
        SymptomArg::Dns => "dns",
        SymptomArg::SlowStart => "slow-start",
    }
}

/// Exit 1 when the deployment's model explains the code or symptom (a cause was found), 0 when only
/// generic causes apply: like `check`, 1 means "there is something in this input to fix".
pub fn run(args: &DiagnoseArgs) -> Result<Outcome, CliError> {
    let knowledge = builtin_knowledge();
    // The query is checked before the input is read, so a mistyped code fails fast.
    let query = match (&args.code, args.symptom) {
        (Some(code), _) => Query::code(knowledge, code),
        (None, Some(s)) => Query::symptom(knowledge, symptom_name(s)),
        (None, None) => return Err(CliError::Usage("give --code TERMINATION_CODE or --symptom".into())),
    }
    .map_err(|e| CliError::Usage(e.to_string()))?;
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let profile =
        super::cost::load_profile(args.profile.as_deref(), &estate, &super::cost::input_label(&args.input))?;
    let limits = adbflow_databricks::limits::builtin();
    // Subnet exhaustion and slow starts are answered by the capacity model and the lifecycle
    // simulation on this deployment; everything else by the check's flow walk.
    let capacity = CapacityCauses { estate: &estate, profile: &profile, limits };
    let timing =
        TimingCauses { estate: &estate, profile: &profile, limits, timing: timing::builtin(), seed: 1 };
    let sources: [&dyn CauseSource; 2] = [&capacity, &timing];
    let options = DiagnoseOptions {
        check: CheckOptions { regions: &regions, workspace: args.workspace.as_deref() },
        sources: &sources,
    };
    let report = diagnose(&estate, &tags, &options, &query).map_err(|e| CliError::Input(e.to_string()))?;
    let stdout = match args.format {
        SummaryFormat::Table => adbflow_report::diagnose::render_diagnose_table(&report),
        SummaryFormat::Json => adbflow_report::diagnose::render_diagnose_json(&report),
        SummaryFormat::Markdown => adbflow_report::diagnose::render_diagnose_markdown(&report),
    };
    Ok(Outcome { stdout: stdout.into(), exit: if report.exit_code() == 0 { 0 } else { 1 } })
}
