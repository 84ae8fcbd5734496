use super::Outcome;
use crate::cli::{GenArgs, GenFormat};
use crate::error::CliError;
use adbflow_gen::{generate, to_native_json, to_native_toml, write_plan_json, GenOptions};
use adbflow_model::DEFAULT_REGION;
use std::io::Write;

pub fn run(args: &GenArgs) -> Result<Outcome, CliError> {
    let options = GenOptions {
        workspaces: args.workspaces,
        seed: args.seed,
        region: args.region.clone().unwrap_or_else(|| DEFAULT_REGION.to_string()),
    };
    if let Some(path) = &args.output {
        if path.exists() && !args.force {
            return Err(CliError::Usage(format!("{} exists; pass --force to overwrite it", path.display())));
        }
    }
    let g = generate(&options).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut summary = format!(
        "generated {} workspaces (seed {}), {} deliberately misconfigured:",
        args.workspaces,
        args.seed,
        g.planted.len()
    );
    for p in &g.planted {
        summary.push_str(&format!("\n  {} {} ({})", p.workspace, p.fault.code(), p.element));
    }
    if args.format == GenFormat::PlanJson {
        // Streamed: the plan of 5,000 workspaces is never held in memory as one string.
        match &args.output {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .map_err(|e| CliError::Input(format!("{}: cannot write: {e}", path.display())))?;
                write_plan_json(&g.estate, file)
                    .map_err(|e| CliError::Input(format!("{}: cannot write: {e}", path.display())))?;
            }
            None => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                write_plan_json(&g.estate, &mut lock)
                    .and_then(|_| lock.flush())
                    .map_err(|e| CliError::Input(format!("standard output: cannot write: {e}")))?;
            }
        }
        eprintln!("{summary}");
        return Ok(Outcome::ok(String::new()));
    }
    let toml =
        args.output.as_ref().and_then(|p| p.extension()).is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let text = if toml { to_native_toml(&g.estate) } else { to_native_json(&g.estate) };
    eprintln!("{summary}");
    let Some(path) = &args.output else { return Ok(Outcome::ok(text)) };
    std::fs::write(path, &text)
        .map_err(|e| CliError::Input(format!("{}: cannot write: {e}", path.display())))?;
    Ok(Outcome::ok(String::new()))
}
