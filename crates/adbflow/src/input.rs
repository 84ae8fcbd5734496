//! Turning the command line's input arguments into an estate and a `Network`: a user file or a
//! built-in pattern (both through the same importer), the service tags, the region data, and —
//! when the estate has Databricks workspaces — what Databricks adds to it (managed NSG rules,
//! control-plane endpoints), so every command sees the network as deployed.

use crate::cli::InputArgs;
use crate::error::CliError;
use adbflow_databricks::{patterns, RegionData};
use adbflow_model::{Estate, DEFAULT_REGION};
use adbflow_net::routes::RouteOptions;
use adbflow_net::{Network, ServiceTags};
use std::borrow::Cow;

/// Load the estate named by the arguments, printing import warnings to stderr.
pub fn load_estate(args: &InputArgs) -> Result<Estate, CliError> {
    let loaded = match &args.input {
        Some(path) => {
            if args.region.is_some() {
                return Err(CliError::Usage(
                    "--region chooses the region of a built-in --pattern; an INPUT file names its own region"
                        .into(),
                ));
            }
            let mut vars = adbflow_import::hcl::HclOptions::from_env();
            vars.var_files = args.var_files.clone();
            vars.vars = args.vars.clone();
            adbflow_import::load_path_with(path, &vars).map_err(|e| CliError::Input(e.to_string()))?
        }
        None if !args.var_files.is_empty() || !args.vars.is_empty() => {
            return Err(CliError::Usage("--var and --var-file set variables of a .tf directory INPUT".into()))
        }
        None => {
            let name = args.pattern.as_deref().unwrap_or("non-pl");
            let region = args.region.as_deref().unwrap_or(DEFAULT_REGION);
            let text = patterns::render(name, region).map_err(|e| CliError::Usage(e.to_string()))?;
            let file = format!("pattern:{name}");
            adbflow_import::load_str(&text, &file, adbflow_import::Format::NativeToml)
                .map_err(|e| CliError::Input(e.to_string()))?
        }
    };
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

/// What an analysis reads: the estate, the region data and the service tags.
pub struct Inputs {
    pub estate: Estate,
    pub regions: Cow<'static, RegionData>,
    pub tags: ServiceTags,
}

/// [`load_estate`], [`load_regions`] and [`load_tags`], the estate on one core and the tag file
/// and the region data on the other (at enterprise scale the estate and the tag file are each
/// tens of megabytes of JSON; without a tag file the region data, ~10 M instructions of TOML,
/// is what the second core does). Errors come in that order.
///
/// The built-in limits are parsed there too: every answer that checks flows reads them for its
/// performance estimates, and parsed on first use they held up the first flow on every core
/// (for `trace`, `routes` and `rules`, which do not, that is ~1 M instructions on a core that
/// would otherwise wait for the estate).
pub fn load_inputs(args: &InputArgs) -> Result<Inputs, CliError> {
    let (estate, (tags, regions)) = rayon::join(
        || load_estate(args),
        || {
            adbflow_databricks::limits::builtin();
            (load_tags(args), load_regions(args))
        },
    );
    let estate = estate?;
    let regions = regions?;
    Ok(Inputs { estate, regions, tags: tags? })
}

/// The built-in region data, extended with `--regions FILE` when given.
pub fn load_regions(args: &InputArgs) -> Result<Cow<'static, RegionData>, CliError> {
    let builtin = adbflow_databricks::builtin_regions();
    let Some(path) = &args.regions else { return Ok(Cow::Borrowed(builtin)) };
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::Input(format!("{name}: cannot read: {e}")))?;
    let extra = RegionData::parse(&name, &text).map_err(|e| CliError::Input(e.to_string()))?;
    Ok(Cow::Owned(builtin.extended_with(extra)))
}

/// The network as deployed: the estate plus what Databricks adds for its workspaces.
pub fn network(args: &InputArgs, options: RouteOptions) -> Result<Network, CliError> {
    let Inputs { estate, regions, tags } = load_inputs(args)?;
    let estate =
        adbflow_databricks::with_databricks(&estate, &regions).map_err(|e| CliError::Input(e.to_string()))?;
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
