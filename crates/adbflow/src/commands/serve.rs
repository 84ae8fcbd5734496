use super::Outcome;
use crate::cli::ServeArgs;
use crate::error::CliError;
use crate::input;
use adbflow_databricks::simulate::timing;
use adbflow_databricks::CheckOptions;
use adbflow_server::{engine_for, gate_for, serve_blocking, ServeOptions};
use std::io::Write;
use std::net::SocketAddr;

/// Connections per node the network view assumes (the `seed` workload profile's).
const CONNECTIONS_PER_NODE: u32 = 100;

pub fn run(args: &ServeArgs) -> Result<Outcome, CliError> {
    if args.tokens.is_empty() {
        return Err(CliError::Usage(
            "serve needs at least one --token (clients send it as a bearer token)".into(),
        ));
    }
    if !(args.time_scale.is_finite() && args.time_scale > 0.0) {
        return Err(CliError::Usage(format!("--time-scale must be positive, got {}", args.time_scale)));
    }
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let t = timing::builtin();
    let check_options = CheckOptions { regions: &regions, workspace: args.workspace.as_deref() };
    let engine = engine_for(
        &estate,
        &tags,
        &check_options,
        adbflow_databricks::limits::builtin(),
        t,
        CONNECTIONS_PER_NODE,
        args.seed,
    )
    .map_err(|e| CliError::Input(e.to_string()))?;
    let options = ServeOptions {
        tokens: args.tokens.clone(),
        time_scale: args.time_scale,
        workspace: args.workspace.clone(),
        data_dir: args.data_dir.clone(),
        gate: gate_for(&estate, args.workspace.as_deref()),
        ..ServeOptions::default()
    };
    adbflow_server::init_logging();
    let addr = SocketAddr::new(args.bind, args.port);
    serve_blocking(engine, t, &options, addr, |bound| {
        // Scripts and tests read the address from this first line (port 0 picks one).
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "adbflow serve: listening on http://{bound}");
        let _ = out.flush();
    })
    .map_err(|e| CliError::Input(e.to_string()))?;
    Ok(Outcome::ok(String::new()))
}
