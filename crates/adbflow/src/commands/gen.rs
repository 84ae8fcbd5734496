use super::Outcome;
use crate::cli::{GenArgs, GenFormat};
use crate::error::CliError;
use adbflow_gen::{generate, to_native_json, to_native_toml, GenOptions};
use adbflow_model::DEFAULT_REGION;

pub fn run(args: &GenArgs) -> Result<Outcome, CliError> {
    if args.format == GenFormat::PlanJson {
        // The Terraform plan reader is being built on its own branch; a plan file nothing can read
        // back would only measure the writer.
        return Err(CliError::Usage(
            "--format plan-json needs the Terraform importer, which this build does not have yet; \
             use --format native"
                .into(),
        ));
    }
    let options = GenOptions {
        workspaces: args.workspaces,
        seed: args.seed,
        region: args.region.clone().unwrap_or_else(|| DEFAULT_REGION.to_string()),
    };
    let g = generate(&options).map_err(|e| CliError::Usage(e.to_string()))?;
    let toml =
        args.output.as_ref().and_then(|p| p.extension()).is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let text = if toml { to_native_toml(&g.estate) } else { to_native_json(&g.estate) };
    let mut summary = format!(
        "generated {} workspaces (seed {}), {} deliberately misconfigured:",
        args.workspaces,
        args.seed,
        g.planted.len()
    );
    for p in &g.planted {
        summary.push_str(&format!("\n  {} {} ({})", p.workspace, p.fault.code(), p.element));
    }
    eprintln!("{summary}");
    let Some(path) = &args.output else { return Ok(Outcome::ok(text)) };
    if path.exists() && !args.force {
        return Err(CliError::Usage(format!("{} exists; pass --force to overwrite it", path.display())));
    }
    std::fs::write(path, &text)
        .map_err(|e| CliError::Input(format!("{}: cannot write: {e}", path.display())))?;
    Ok(Outcome::ok(String::new()))
}
