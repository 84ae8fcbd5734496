use super::cost::{input_label, load_prices, load_profile};
use super::Outcome;
use crate::cli::{DiffArgs, DiffFormat, InputArgs};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::cost::CostOptions;
use adbflow_databricks::diff::{analyse, diff, FailOn, Side};
use adbflow_databricks::CheckOptions;
use std::path::PathBuf;

fn side(
    args: &DiffArgs,
    file: Option<&PathBuf>,
    pattern: Option<&String>,
    which: &str,
) -> Result<Side, CliError> {
    let a = match (file, pattern) {
        (Some(_), Some(_)) => {
            return Err(CliError::Usage(format!(
                "give the {which} side as a file or as --{which}-pattern, not both"
            )))
        }
        (None, None) => {
            return Err(CliError::Usage(format!(
                "diff needs an {which} side: a file (adbflow diff OLD NEW) or --{which}-pattern NAME"
            )))
        }
        _ => InputArgs {
            input: file.cloned(),
            pattern: pattern.cloned(),
            region: if pattern.is_some() { args.region.clone() } else { None },
            service_tags: args.service_tags.clone(),
            regions: args.regions.clone(),
            // A .tf directory side still reads its terraform.tfvars and *.auto.tfvars.
            var_files: Vec::new(),
            vars: Vec::new(),
        },
    };
    let label = input_label(&a);
    let input::Inputs { estate, regions, tags } = input::load_inputs(&a)?;
    let profile = load_profile(args.profile.as_deref(), &estate, &label)?;
    let prices = load_prices(args.prices.as_deref())?;
    let options = CostOptions {
        check: CheckOptions { regions: &regions, workspace: None },
        profile: &profile,
        prices: &prices,
    };
    analyse(label.clone(), &estate, &tags, &options, adbflow_databricks::limits::builtin())
        .map_err(|e| CliError::Input(format!("{label}: {e}")))
}

pub fn run(args: &DiffArgs) -> Result<Outcome, CliError> {
    let mut files = args.inputs.iter();
    // With one pattern given, the single file is the other side.
    let (old_file, new_file) = match (&args.old_pattern, &args.new_pattern) {
        (Some(_), None) => (None, files.next()),
        _ => (files.next(), files.next()),
    };
    if files.next().is_some() || args.inputs.len() > 2 {
        return Err(CliError::Usage("diff takes two deployments: OLD and NEW".into()));
    }
    if args.region.is_some() && args.old_pattern.is_none() && args.new_pattern.is_none() {
        return Err(CliError::Usage("--region chooses the region of --old-pattern/--new-pattern".into()));
    }
    let old = side(args, old_file, args.old_pattern.as_ref(), "old")?;
    let new = side(args, new_file, args.new_pattern.as_ref(), "new")?;
    let report = diff(&old, &new);
    let stdout = match args.format {
        DiffFormat::Table => adbflow_report::diff::render_diff_table(&report),
        DiffFormat::Json => adbflow_report::diff::render_diff_json(&report),
        DiffFormat::Markdown => adbflow_report::diff::render_diff_markdown(&report),
        DiffFormat::Sarif => adbflow_report::diff::render_diff_sarif(&report),
    };
    let fail_on: Vec<FailOn> =
        if args.fail_on.is_empty() { FailOn::DEFAULT.to_vec() } else { args.fail_on.clone() };
    let failures = report.failures(&fail_on);
    for f in &failures {
        eprintln!("adbflow: diff fails: {f}");
    }
    Ok(Outcome { stdout: stdout.into(), exit: u8::from(!failures.is_empty()) })
}
