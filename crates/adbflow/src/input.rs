//! Turning the command line's input arguments into a `Network`.

use crate::cli::InputArgs;
use crate::error::CliError;
use adbflow_model::Estate;
use adbflow_net::routes::RouteOptions;
use adbflow_net::{Network, ServiceTags};

/// Load the estate named by the arguments, printing import warnings to stderr.
pub fn load_estate(args: &InputArgs) -> Result<Estate, CliError> {
    let Some(path) = &args.input else {
        return Err(CliError::Usage("this command needs an INPUT file (an adbflow .toml or .json)".into()));
    };
    let loaded = adbflow_import::load_path(path).map_err(|e| CliError::Input(e.to_string()))?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok(loaded.estate)
}

pub fn load_tags(args: &InputArgs) -> Result<ServiceTags, CliError> {
    let Some(path) = &args.service_tags else { return Ok(ServiceTags::symbolic()) };
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::Input(format!("{name}: cannot read: {e}")))?;
    ServiceTags::from_json(&name, &text).map_err(|e| CliError::Input(e.to_string()))
}

pub fn network(args: &InputArgs, options: RouteOptions) -> Result<Network, CliError> {
    let estate = load_estate(args)?;
    let tags = load_tags(args)?;
    Ok(Network::with_options(estate, tags, options))
}

/// Check that `VNET/SUBNET` names a subnet of the estate, listing the known ones when it does not.
pub fn require_subnet(net: &Network, path: &str) -> Result<(), CliError> {
    if net.estate().subnet(path).is_some() {
        return Ok(());
    }
    let known: Vec<String> = net.estate().subnets().map(|s| s.path()).collect();
    Err(CliError::Usage(format!(
        "no subnet '{path}' in the input (write VNET/SUBNET); known subnets: {}",
        if known.is_empty() { "none".to_string() } else { known.join(", ") }
    )))
}
