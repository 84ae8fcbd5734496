use super::cost::{input_label, load_prices, load_profile};
use super::Outcome;
use crate::cli::{CompareArgs, InputArgs, SummaryFormat};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::compare::{analyse, compare, Analysis, CompareInput};
use adbflow_databricks::cost::CostOptions;
use adbflow_databricks::CheckOptions;

pub fn run(args: &CompareArgs) -> Result<Outcome, CliError> {
    let mut inputs: Vec<InputArgs> = args
        .inputs
        .iter()
        .map(|p| InputArgs {
            input: Some(p.clone()),
            pattern: None,
            region: None,
            service_tags: args.service_tags.clone(),
            regions: args.regions.clone(),
            // A .tf directory still reads its terraform.tfvars and *.auto.tfvars.
            var_files: Vec::new(),
            vars: Vec::new(),
        })
        .collect();
    inputs.extend(args.patterns.iter().map(|p| InputArgs {
        input: None,
        pattern: Some(p.clone()),
        region: args.region.clone(),
        service_tags: args.service_tags.clone(),
        regions: args.regions.clone(),
        var_files: Vec::new(),
        vars: Vec::new(),
    }));
    if inputs.len() < 2 {
        return Err(CliError::Usage(
            "compare needs at least two deployments: files and/or --pattern NAME (repeatable)".into(),
        ));
    }
    if args.region.is_some() && args.patterns.is_empty() {
        return Err(CliError::Usage("--region chooses the region of the built-in --pattern inputs".into()));
    }
    let prices = load_prices(args.prices.as_deref())?;
    let mut done: Vec<(String, Analysis)> = Vec::new();
    for a in &inputs {
        let label = match &a.input {
            Some(p) => p.display().to_string(),
            None => a.pattern.clone().unwrap_or_default(),
        };
        let input::Inputs { estate, regions, tags } = input::load_inputs(a)?;
        let profile = load_profile(args.profile.as_deref(), &estate, &input_label(a))?;
        let options = CostOptions {
            check: CheckOptions { regions: &regions, workspace: None },
            profile: &profile,
            prices: &prices,
        };
        let analysis = analyse(&estate, &tags, &options, adbflow_databricks::limits::builtin(), args.nodes)
            .map_err(|e| CliError::Input(format!("{label}: {e}")))?;
        done.push((label, analysis));
    }
    let cols: Vec<CompareInput<'_>> = done
        .iter()
        .map(|(label, a)| CompareInput {
            label: label.clone(),
            check: &a.check,
            cost: &a.cost,
            capacity: &a.capacity,
        })
        .collect();
    let report = compare(&cols);
    let stdout = match args.format {
        SummaryFormat::Table => adbflow_report::compare::render_compare_table(&report),
        SummaryFormat::Json => adbflow_report::compare::render_compare_json(&report),
        SummaryFormat::Markdown => adbflow_report::compare::render_compare_markdown(&report),
    };
    Ok(Outcome::ok(stdout))
}
