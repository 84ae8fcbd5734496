//! Synthetic enterprise estates for benchmarks and scale tests: a hub with Azure Firewall (a policy
//! with rule collection groups, thousands of network and application rules, IP groups) and N
//! spokes peered to it, each with a VNet-injected Databricks workspace (host and container subnets,
//! an NSG of about fifty rules once Databricks adds its own, a route table of about twenty UDRs),
//! storage accounts behind firewalls, private endpoints and central private DNS zones in a share of
//! spokes — and one workspace in ten deliberately misconfigured ([`Fault`]), so answers are not
//! trivially "all delivered".
//!
//! The estate is built as model values and written in the native format or, by [`write_plan_json`],
//! as the Terraform plan JSON (`terraform show -json`) that deploys it; either is meant to be read
//! back through the real importer, so what is measured is what a user's file costs. One seed gives
//! one estate: every choice comes from `rng::Dice`, and nothing iterates a hash map.

mod elements;
mod faults;
mod hub;
mod layout;
mod plan;
mod policy;
mod rng;
mod spoke;
mod tags;
mod write;

pub use faults::{faulty_count, Fault, Planted};
pub use layout::MAX_WORKSPACES;
pub use plan::{to_plan_json, write_plan_json};
pub use tags::service_tags_json;
pub use write::{to_native_json, to_native_toml};

use adbflow_databricks::regions::{builtin, Region};
use adbflow_model::Estate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenOptions {
    pub workspaces: usize,
    pub seed: u64,
    /// Azure region of every element (`eastus2` by default).
    pub region: String,
}

impl GenOptions {
    pub fn new(workspaces: usize, seed: u64) -> Self {
        GenOptions { workspaces, seed, region: adbflow_model::DEFAULT_REGION.to_string() }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GenError {
    #[error("--workspaces must be between 1 and {MAX_WORKSPACES} (the spokes' /22 ranges fill 10.0.0.0/8), not {0}")]
    Count(usize),
    #[error("region '{region}' has no Databricks endpoint data to build firewall rules from; regions with data: {known}")]
    Region { region: String, known: String },
}

/// A generated estate and the misconfigurations planted in it (sorted by workspace).
#[derive(Debug, Clone)]
pub struct Generated {
    pub estate: Estate,
    pub planted: Vec<Planted>,
}

/// Share of spokes (in percent) that reach their storage through private endpoints.
pub const PRIVATE_ENDPOINT_PERCENT: u64 = 30;

pub fn generate(options: &GenOptions) -> Result<Generated, GenError> {
    let n = options.workspaces;
    if n == 0 || n > MAX_WORKSPACES {
        return Err(GenError::Count(n));
    }
    let data = builtin();
    let region = usable_region(&options.region)?;
    let cloud = data.cloud(region);
    let mut dice = rng::Dice::new(options.seed);

    let pe_spokes: Vec<bool> = (0..n).map(|_| dice.percent(PRIVATE_ENDPOINT_PERCENT)).collect();
    let faults = faults::assign(&mut dice, &pe_spokes, region.webapp_ip().is_some());

    let mut estate = Estate {
        name: Some(format!("synthetic-enterprise-{n}")),
        description: Some(format!(
            "adbflow gen --workspaces {n} --seed {}: hub-spoke landing zone with Azure Firewall and {n} \
             VNet-injected Databricks workspaces, {} of them deliberately misconfigured",
            options.seed,
            faulty_count(n)
        )),
        region: Some(region.name.clone()),
        ..Estate::default()
    };
    let ctx = hub::Context { region, cloud };
    hub::build(&ctx, &mut estate, &mut dice);
    let mut planted = Vec::new();
    let mut spokes = Vec::with_capacity(n);
    for i in 0..n {
        let s = spoke::build(&ctx, i, pe_spokes[i], faults[i], &mut estate, &mut dice);
        planted.extend(s.planted.clone());
        spokes.push(s);
    }
    hub::connect(&spokes, &mut estate);
    policy::build(&ctx, &spokes, &mut estate, &mut dice);
    planted.sort();
    Ok(Generated { estate, planted })
}

fn usable_region(name: &str) -> Result<&'static Region, GenError> {
    let data = builtin();
    let ok = |r: &&Region| !r.no_data && r.webapp.is_some() && !r.scc_relays.is_empty();
    data.region(name).filter(ok).ok_or_else(|| GenError::Region {
        region: name.to_string(),
        known: data.regions.iter().filter(ok).map(|r| r.name.as_str()).collect::<Vec<_>>().join(", "),
    })
}
