use super::Outcome;
use crate::cli::InitArgs;
use crate::error::CliError;
use adbflow_databricks::patterns;
use adbflow_model::DEFAULT_REGION;

pub fn run(args: &InitArgs) -> Result<Outcome, CliError> {
    let region = args.region.as_deref().unwrap_or(DEFAULT_REGION);
    let text = patterns::render(&args.pattern, region).map_err(|e| CliError::Usage(e.to_string()))?;
    let Some(path) = &args.output else { return Ok(Outcome::ok(text)) };
    if path.exists() && !args.force {
        return Err(CliError::Usage(format!("{} exists; pass --force to overwrite it", path.display())));
    }
    std::fs::write(path, &text)
        .map_err(|e| CliError::Input(format!("{}: cannot write: {e}", path.display())))?;
    Ok(Outcome::ok(String::new()))
}
