use super::cost::{input_label, load_profile};
use super::Outcome;
use crate::cli::{SimulateArgs, SimulateFormat};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::performance::DEFAULT_NODE_TYPE;
use adbflow_databricks::simulate::{check_and_simulate, timing, ClusterSpec, SimOptions};
use adbflow_databricks::CheckOptions;

pub fn run(args: &SimulateArgs) -> Result<Outcome, CliError> {
    if args.clusters == 0 {
        return Err(CliError::Usage("--clusters must be at least 1".into()));
    }
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let profile = load_profile(args.profile.as_deref(), &estate, &input_label(&args.input))?;
    let s = &profile.settings;
    let t = timing::builtin();
    // Sizes the profile leaves at zero fall back to the seed's midpoints (timing.toml default-*).
    let or_default = |v: f64, name: &str| if v > 0.0 { v } else { t.value(name) };
    let node_type = args
        .node_type
        .clone()
        .or_else(|| (!s.node_type.is_empty()).then(|| s.node_type.clone()))
        .unwrap_or_else(|| DEFAULT_NODE_TYPE.to_string());
    let (clusters, arrival_gap_s) = if args.day {
        if s.clusters_per_day < 1.0 {
            return Err(CliError::Usage(format!(
                "--day: profile {} starts {} clusters per day; give --profile with clusters_per_day >= 1",
                profile.name, s.clusters_per_day
            )));
        }
        (s.clusters_per_day.round() as u32, Some(86_400.0 / s.clusters_per_day))
    } else {
        (args.clusters, None)
    };
    let options = SimOptions {
        seed: args.seed,
        clusters,
        arrival_gap_s,
        spec: ClusterSpec {
            cluster_name: "adbflow-sim".into(),
            workspace: args.workspace.clone(),
            num_workers: args.workers,
            node_type_id: node_type,
            image_gb: or_default(s.dbr_image_gb, "default-image"),
            libraries_gb: or_default(s.libraries_gb, "default-libraries"),
            autotermination_minutes: t.value("autotermination") as u32,
        },
        until_ms: args.until.map(|s| s * 1000),
        connections_per_node: s.connections_per_node,
    };
    let check_options = CheckOptions { regions: &regions, workspace: args.workspace.as_deref() };
    let report = check_and_simulate(
        &estate,
        &tags,
        &check_options,
        adbflow_databricks::limits::builtin(),
        t,
        &options,
    )
    .map_err(|e| CliError::Input(e.to_string()))?;
    let stdout = match args.format {
        SimulateFormat::Table => adbflow_report::simulate::render_simulate_table(&report),
        SimulateFormat::Json => adbflow_report::simulate::render_simulate_json(&report),
        SimulateFormat::Mermaid => adbflow_report::simulate::render_simulate_mermaid(&report),
    };
    Ok(Outcome { stdout: stdout.into(), exit: if report.exit_code() == 0 { 0 } else { 1 } })
}
