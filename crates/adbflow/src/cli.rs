//! Command-line definitions (clap). Wiring lives in `commands/`.
//!
//! The doc comments here are clap's help text, printed as written: `HOST[:PORT]` and `[workload]`
//! are literal brackets, not links for rustdoc.
#![allow(rustdoc::broken_intra_doc_links)]

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "adbflow", version, about = "Offline digital twin of Azure Databricks deployment networks")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Every flow a Databricks cluster needs, from both cluster subnets: path, deciding rule, verdict,
    /// symptom and fix. With no input, the built-in non-pl pattern.
    Check(CheckArgs),
    /// The cluster startup sequence phase by phase, with each flow's computed path.
    Flows(FlowsArgs),
    /// Write a built-in reference pattern as a starting point for your own file.
    Init(InitArgs),
    /// Write a synthetic enterprise estate (hub, firewall, N workspace spokes, planted mistakes).
    Gen(GenArgs),
    /// Effective routes of a subnet, like Azure's effective-routes view.
    Routes(RoutesArgs),
    /// Effective security rules of a subnet in evaluation order, with never-matching rules flagged.
    Rules(RulesArgs),
    /// Walk one flow hop by hop and say which element decided each hop.
    Trace(TraceArgs),
    /// Topology diagram with every flow drawn and coloured by verdict (svg, mermaid, dot).
    Diagram(DiagramArgs),
    /// One self-contained HTML report: topology, startup sequence, path summary, traces, findings, security.
    Report(ReportArgs),
    /// Attack surface, exfiltration paths and how each flow is protected.
    Security(SecurityArgs),
    /// Monthly network cost by meter and by flow, computed from the deployment's own paths.
    Cost(CostArgs),
    /// Several deployments side by side: check summary, cost by meter, capacity, differing flows.
    Compare(CompareArgs),
    /// How many nodes can run at once, and which limit (addresses, SNAT, throughput) binds first.
    Capacity(CapacityArgs),
    /// From a termination code or a symptom to the element that causes it in this deployment (ranked,
    /// with fixes), or the documented generic causes when the model explains nothing.
    Diagnose(DiagnoseArgs),
    /// What a change does: flows newly blocked or re-routed, exposure, capacity and cost delta (for PRs).
    Diff(DiffArgs),
    /// Simulate cluster launches: Clusters API events, T+ timeline, failures, startup percentiles.
    Simulate(SimulateArgs),
    /// A Databricks Clusters API emulator: clusters follow the simulation on this network.
    Serve(ServeArgs),
}

/// Where the deployment comes from.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// The deployment: an adbflow native file (.toml or .json), Terraform JSON (`terraform show
    /// -json`, plan or state), detected from its content, or a directory of Terraform .tf files.
    /// Without it, a built-in pattern.
    pub input: Option<PathBuf>,
    /// Variable values for a .tf directory from a .tfvars (or .tfvars.json) file; repeatable.
    #[arg(long = "var-file", value_name = "FILE", requires = "input")]
    pub var_files: Vec<PathBuf>,
    /// A variable value for a .tf directory, NAME=VALUE; repeatable; wins over --var-file.
    #[arg(long = "var", value_name = "NAME=VALUE", requires = "input")]
    pub vars: Vec<String>,
    /// A built-in reference pattern (used when no INPUT is given; default non-pl).
    #[arg(long, value_name = "NAME", conflicts_with = "input")]
    pub pattern: Option<String>,
    /// The Azure region for a built-in pattern (default eastus2).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Microsoft's weekly ServiceTags_Public_*.json, for exact IP-level service-tag matching.
    #[arg(long, value_name = "FILE")]
    pub service_tags: Option<PathBuf>,
    /// Extra or corrected Databricks region endpoint data (the format of the built-in regions.toml).
    #[arg(long, value_name = "FILE")]
    pub regions: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Markdown,
    Sarif,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlowsFormat {
    Table,
    Mermaid,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only this workspace (by name).
    #[arg(long)]
    pub workspace: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: CheckFormat,
}

#[derive(Args, Debug)]
pub struct FlowsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only this workspace (by name).
    #[arg(long)]
    pub workspace: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: FlowsFormat,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The pattern to write: non-pl, full-private or hub-spoke.
    #[arg(long, default_value = "non-pl")]
    pub pattern: String,
    /// The Azure region (default eastus2).
    #[arg(long)]
    pub region: Option<String>,
    /// Write to this file instead of standard output (refuses to overwrite without --force).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct RoutesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The subnet, as VNET/SUBNET.
    #[arg(long)]
    pub subnet: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
    /// Keep the 10/8, 172.16/12, 192.168/16 and 100.64/10 None routes Active when a 0.0.0.0/0 UDR
    /// exists (Microsoft's worked example shows them removed; real behaviour is unconfirmed).
    #[arg(long)]
    pub keep_reserved_none_routes: bool,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The subnet, as VNET/SUBNET.
    #[arg(long)]
    pub subnet: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    Tcp,
    Udp,
    Icmp,
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The source subnet, as VNET/SUBNET.
    #[arg(long)]
    pub from: String,
    /// Destination HOST[:PORT] (FQDN or IPv4); the port defaults to 443.
    #[arg(long)]
    pub to: String,
    #[arg(long, value_enum, default_value = "tcp")]
    pub protocol: ProtocolArg,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
    /// Keep the reserved-range None routes Active under a 0.0.0.0/0 UDR (see `routes --help`).
    #[arg(long)]
    pub keep_reserved_none_routes: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormat {
    Svg,
    Mermaid,
    Dot,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiagramView {
    /// VNets, subnets, egress devices and destinations with the flows drawn on them.
    Topology,
    /// The cluster startup sequence (mermaid only).
    Sequence,
}

#[derive(Args, Debug)]
pub struct DiagramArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only this workspace (by name).
    #[arg(long)]
    pub workspace: Option<String>,
    #[arg(long, value_enum, default_value = "svg")]
    pub format: DiagramFormat,
    #[arg(long, value_enum, default_value = "topology")]
    pub view: DiagramView,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Workload profile for the cost section: seed (default), notebook, etl, ml-training, or a file.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Price rows that replace or add to the built-in price table.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Only this workspace (by name).
    #[arg(long)]
    pub workspace: Option<String>,
    /// Write the HTML to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SecurityFormat {
    Table,
    Json,
    Markdown,
    Sarif,
}

#[derive(Args, Debug)]
pub struct SecurityArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only this workspace (by name).
    #[arg(long)]
    pub workspace: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: SecurityFormat,
    /// Exit 1 on warnings (open endpoints, exfiltration paths) as well as errors.
    #[arg(long)]
    pub strict: bool,
}

/// Formats of the summary commands (cost, capacity, compare).
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub struct CostArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Workload profile: seed (default), notebook, etl, ml-training, or a TOML file of [workload] keys.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Price rows that replace or add to the built-in price table.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Only this workspace (by name).
    #[arg(long)]
    pub workspace: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: SummaryFormat,
}

#[derive(Args, Debug)]
pub struct CapacityArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Workload profile: seed (default), notebook, etl, ml-training, or a TOML file of [workload] keys.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Nodes running at once (default: the profile's nodes per cluster × concurrent clusters).
    #[arg(long, value_name = "N")]
    pub nodes: Option<u64>,
    /// Only this workspace (by name).
    #[arg(long)]
    pub workspace: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: SummaryFormat,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Deployments to compare: adbflow native files (columns in this order, then the patterns).
    pub inputs: Vec<PathBuf>,
    /// A built-in pattern to compare; repeat it (`--pattern non-pl --pattern hub-spoke`).
    #[arg(long = "pattern", value_name = "NAME")]
    pub patterns: Vec<String>,
    /// The Azure region for the built-in patterns (default eastus2).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Microsoft's weekly ServiceTags_Public_*.json, for exact IP-level service-tag matching.
    #[arg(long, value_name = "FILE")]
    pub service_tags: Option<PathBuf>,
    /// Extra or corrected Databricks region endpoint data.
    #[arg(long, value_name = "FILE")]
    pub regions: Option<PathBuf>,
    /// Workload profile applied to every input: seed (default), notebook, etl, ml-training, or a file.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Price rows that replace or add to the built-in price table.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Nodes running at once, for the capacity rows.
    #[arg(long, value_name = "N")]
    pub nodes: Option<u64>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: SummaryFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SymptomArg {
    /// The cluster stays PENDING (or RESIZING), then terminates.
    Pending,
    /// pip install fails.
    Pip,
    /// 403 (or a timeout) accessing ADLS / Blob storage.
    #[value(name = "storage-403")]
    Storage403,
    /// A name does not resolve, or resolves to the wrong address.
    Dns,
    /// The cluster starts, but slowly.
    SlowStart,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("query").required(true).args(["code", "symptom"])))]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The cluster's termination_reason.code, e.g. NPIP_TUNNEL_SETUP_FAILURE.
    #[arg(long, value_name = "TERMINATION_CODE")]
    pub code: Option<String>,
    /// What you see instead of a code.
    #[arg(long, value_enum)]
    pub symptom: Option<SymptomArg>,
    /// Workload profile the capacity and timing models use: seed (default), notebook, etl,
    /// ml-training, or a TOML file of [workload] keys.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Only this workspace (by name).
    #[arg(long)]
    pub workspace: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: SummaryFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
    Sarif,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// OLD and NEW: native files or Terraform JSON (plan or state), in that order. A side given as
    /// --old-pattern/--new-pattern takes no file.
    #[arg(value_name = "OLD NEW")]
    pub inputs: Vec<PathBuf>,
    /// A built-in pattern as the old side.
    #[arg(long, value_name = "NAME")]
    pub old_pattern: Option<String>,
    /// A built-in pattern as the new side.
    #[arg(long, value_name = "NAME")]
    pub new_pattern: Option<String>,
    /// The Azure region for the built-in patterns (default eastus2).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Microsoft's weekly ServiceTags_Public_*.json, for exact IP-level service-tag matching.
    #[arg(long, value_name = "FILE")]
    pub service_tags: Option<PathBuf>,
    /// Extra or corrected Databricks region endpoint data.
    #[arg(long, value_name = "FILE")]
    pub regions: Option<PathBuf>,
    /// Workload profile for both sides: seed (default), notebook, etl, ml-training, or a file.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Price rows that replace or add to the built-in price table.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: DiffFormat,
    /// Exit 1 on: `blocked` (a startup or workload flow becomes blocked), `exposure` (exposure
    /// grows), `cost>N` (monthly cost grows by more than N). Repeatable; default blocked and exposure.
    #[arg(long, value_name = "WHEN", value_parser = adbflow_databricks::diff::FailOn::parse)]
    pub fail_on: Vec<adbflow_databricks::diff::FailOn>,
}

/// Formats of `simulate`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimulateFormat {
    Table,
    Json,
    Mermaid,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Workers per cluster (the driver comes on top).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub workers: u32,
    /// Azure VM size of the nodes (default: the workload profile's, else Standard_DS3_v2).
    #[arg(long, value_name = "TYPE")]
    pub node_type: Option<String>,
    /// Seed of the simulation's randomness; the same seed gives the same output.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Clusters to launch, the first at T+0, the rest after random gaps.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub clusters: u32,
    /// Launch a day of the workload profile's clusters (clusters_per_day, random gaps over 24 h).
    #[arg(long, conflicts_with = "clusters")]
    pub day: bool,
    /// Workload profile for image and library sizes: seed (default), notebook, etl, ml-training, or a file.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Only this workspace (by name); clusters launch in the first one otherwise.
    #[arg(long)]
    pub workspace: Option<String>,
    /// Stop this many seconds after T+0 instead of when every cluster has settled.
    #[arg(long, value_name = "SECONDS")]
    pub until: Option<u64>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: SimulateFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum GenFormat {
    /// adbflow's own format (JSON, or TOML when the output file ends in .toml).
    Native,
    /// `terraform show -json plan.out` of the same estate: the hub deployed, the spokes planned.
    PlanJson,
}

#[derive(Args, Debug)]
pub struct GenArgs {
    /// How many workspaces (one spoke each).
    #[arg(long)]
    pub workspaces: usize,
    /// The same seed always gives the same estate.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The file format: the native estate, or the same estate as Terraform plan JSON.
    #[arg(long, value_enum, default_value = "native")]
    pub format: GenFormat,
    /// The Azure region (default eastus2).
    #[arg(long)]
    pub region: Option<String>,
    /// Write to this file (native format: .toml for TOML, otherwise JSON) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Port to listen on (0 picks a free one; the address is printed).
    #[arg(long, value_name = "N", default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// A bearer token clients must send (`Authorization: Bearer T`); repeatable, at least one.
    #[arg(long = "token", value_name = "T")]
    pub tokens: Vec<String>,
    /// Virtual seconds per wall second (60: a five-minute startup takes five seconds).
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub time_scale: f64,
    /// Seed of the simulation's randomness.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Launch clusters in this workspace (by name); the first one otherwise.
    #[arg(long)]
    pub workspace: Option<String>,
    /// Keep state in DIR (SQLite, write-ahead log) and resume from it on restart.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}
