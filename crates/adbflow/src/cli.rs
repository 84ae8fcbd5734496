//! Command-line definitions (clap). Wiring lives in `commands/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
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
    /// Write a synthetic enterprise estate (hub, firewall, N workspace spokes, planted mistakes).
    Gen(GenArgs),
    /// Write a built-in reference pattern as a starting point for your own file.
    Init(InitArgs),
    /// Effective routes of a subnet, like Azure's effective-routes view.
    Routes(RoutesArgs),
    /// Effective security rules of a subnet in evaluation order, with never-matching rules flagged.
    Rules(RulesArgs),
    /// Walk one flow hop by hop and say which element decided each hop.
    Trace(TraceArgs),
}

/// Where the deployment comes from.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// The deployment: an adbflow native file (.toml or .json). Without it, a built-in pattern.
    pub input: Option<PathBuf>,
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
pub enum GenFormat {
    Native,
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
    #[arg(long, value_enum, default_value = "native")]
    pub format: GenFormat,
    /// The Azure region (default eastus2).
    #[arg(long)]
    pub region: Option<String>,
    /// Write to this file (.toml for TOML, otherwise JSON) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub force: bool,
}
