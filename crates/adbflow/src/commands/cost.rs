use super::Outcome;
use crate::cli::{CostArgs, InputArgs, SummaryFormat};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::cost::CostOptions;
use adbflow_databricks::prices::{self, PriceTable};
use adbflow_databricks::profile::{self, Profile};
use adbflow_databricks::CheckOptions;
use adbflow_model::Estate;
use std::borrow::Cow;
use std::path::Path;

/// What the input is called in messages: its path, or `pattern:NAME`.
pub(crate) fn input_label(args: &InputArgs) -> String {
    match &args.input {
        Some(p) => p.display().to_string(),
        None => format!("pattern:{}", args.pattern.as_deref().unwrap_or("non-pl")),
    }
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("{}: cannot read: {e}", path.display())))
}

/// The workload profile: `--profile NAME|FILE` when given (it replaces the input's `[workload]`
/// section, which is said on stderr), else the input's section over the seed profile.
pub(crate) fn load_profile(arg: Option<&str>, estate: &Estate, label: &str) -> Result<Profile, CliError> {
    let section = estate.workload.as_ref();
    let err = |e: profile::ProfileError| CliError::Input(e.to_string());
    let Some(arg) = arg else {
        let layers: Vec<(String, &adbflow_model::Workload)> =
            section.map(|w| (format!("[workload] in {label}"), w)).into_iter().collect();
        return Profile::resolve(None, &layers).map_err(err);
    };
    if section.is_some() {
        eprintln!("adbflow: note: --profile {arg} replaces the [workload] section of {label}");
    }
    if profile::names().any(|n| n == arg) {
        return Profile::named(arg).map_err(err);
    }
    let path = Path::new(arg);
    if !path.exists() {
        return Err(CliError::Usage(format!(
            "--profile {arg}: neither a built-in profile ({}) nor a file",
            profile::names().collect::<Vec<_>>().join(", ")
        )));
    }
    let text = read(path)?;
    let w = profile::parse_workload_file(arg, &text).map_err(|e| CliError::Input(e.to_string()))?;
    Profile::resolve(None, &[(arg.to_string(), &w)]).map_err(err)
}

/// The built-in price table, with `--prices FILE` rows over it.
pub(crate) fn load_prices(path: Option<&Path>) -> Result<Cow<'static, PriceTable>, CliError> {
    let builtin = prices::builtin();
    let Some(path) = path else { return Ok(Cow::Borrowed(builtin)) };
    let text = read(path)?;
    let name = path.display().to_string();
    builtin.with_overrides(&name, &text).map(Cow::Owned).map_err(|e| CliError::Input(e.to_string()))
}

pub fn run(args: &CostArgs) -> Result<Outcome, CliError> {
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let profile = load_profile(args.profile.as_deref(), &estate, &input_label(&args.input))?;
    let prices = load_prices(args.prices.as_deref())?;
    let options = CostOptions {
        check: CheckOptions { regions: &regions, workspace: args.workspace.as_deref() },
        profile: &profile,
        prices: &prices,
    };
    let report = adbflow_databricks::cost::cost(&estate, &tags, &options)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let stdout = match args.format {
        SummaryFormat::Table => adbflow_report::cost::render_cost_table(&report),
        SummaryFormat::Json => adbflow_report::cost::render_cost_json(&report),
        SummaryFormat::Markdown => adbflow_report::cost::render_cost_markdown(&report),
    };
    Ok(Outcome::ok(stdout))
}
