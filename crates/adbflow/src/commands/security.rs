use super::report::assess;
use super::Outcome;
use crate::cli::{SecurityArgs, SecurityFormat};
use crate::error::CliError;
use adbflow_report::{sarif, security};

pub fn run(args: &SecurityArgs) -> Result<Outcome, CliError> {
    let a = assess(&args.input, args.workspace.as_deref())?;
    let r = &a.security;
    let stdout = match args.format {
        SecurityFormat::Table => security::render_table(r),
        SecurityFormat::Json => adbflow_report::to_json(r),
        SecurityFormat::Markdown => security::render_markdown(r),
        SecurityFormat::Sarif => sarif::security(r, &a.check),
    };
    Ok(Outcome { stdout: stdout.into(), exit: if r.exit_code(args.strict) == 0 { 0 } else { 1 } })
}
