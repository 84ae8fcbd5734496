//! `simulate`: a deterministic discrete-event simulation of cluster launches on the modelled
//! network. Each bootstrap step uses its flow's `check` answer (a blocked startup flow ends the
//! launch with the flow's termination code after the bootstrap timeout; a blocked library flow
//! leaves the cluster RUNNING with the library FAILED); downloads share the devices on their paths
//! as fluid flows; node addresses come out of the two injected subnets. Virtual clock, seeded
//! randomness (ChaCha8), no wall clock: the same input and seed give the same events.
//!
//! [`Engine`] is the driving API (submit, resize, restart, terminate, `advance_to`, events by
//! cluster); [`simulate`] runs a batch of launches to completion.

pub mod cluster;
pub mod engine;
pub mod fluid;
pub mod libraries;
pub mod queue;
pub mod summary;
pub mod timing;
pub mod world;

pub use cluster::{Cluster, ClusterEdit, ClusterEvent, ClusterSpec, EventType, State, TerminationReason};
pub use engine::{Engine, SimError, DEFAULT_EPOCH_MS};
pub use summary::{report, SimReport, Summary, SIMULATE_SCHEMA_VERSION};
pub use timing::TimingTable;
pub use world::{world, World};

use crate::check::CheckReport;
use crate::limits::LimitTable;
use adbflow_model::Estate;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// What to launch.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    pub seed: u64,
    /// Clusters to launch; the first at T+0, the others after exponential gaps (`arrival-gap`).
    pub clusters: u32,
    /// The template every cluster follows (its name gets a number when there are several).
    pub spec: ClusterSpec,
    /// Run to this virtual time (ms) instead of until every cluster has settled.
    pub until_ms: Option<u64>,
    pub connections_per_node: u32,
    /// Mean gap between arrivals, seconds (default: the timing table's `arrival-gap`).
    pub arrival_gap_s: Option<f64>,
}

/// Run `options.clusters` launches on the network `check` describes (`estate` is the prepared estate it walked).
pub fn simulate(
    check: &CheckReport,
    estate: &Estate,
    limits: &LimitTable,
    timing: &TimingTable,
    options: &SimOptions,
) -> Result<SimReport, SimError> {
    let w = world(check, estate, limits, options.connections_per_node);
    launch(w, check.name.clone(), timing, options)
}

/// Run `options.clusters` launches in world `w`; `name` is the report's.
fn launch(
    w: World,
    name: Option<String>,
    timing: &TimingTable,
    options: &SimOptions,
) -> Result<SimReport, SimError> {
    let mut engine = Engine::new(w, timing.clone(), options.seed);
    let mut arrivals = ChaCha8Rng::seed_from_u64(options.seed.wrapping_add(0xA441_7A15));
    let gap_ms = options.arrival_gap_s.unwrap_or_else(|| timing.value("arrival-gap")) * 1000.0;
    let mut at = 0u64;
    for i in 0..options.clusters {
        let mut spec = options.spec.clone();
        if options.clusters > 1 {
            spec.cluster_name = format!("{}-{}", spec.cluster_name, i + 1);
        }
        if i > 0 {
            let u = (arrivals.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            at += (-(1.0 - u).ln() * gap_ms).round() as u64;
        }
        engine.submit(spec, at)?;
    }
    match options.until_ms {
        Some(t) => engine.advance_to(t),
        None => engine.run_until_settled(),
    }
    Ok(report(&engine, name))
}

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error(transparent)]
    Check(#[from] crate::error::CheckError),
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// Check `estate` and simulate launches on it. The world is built a workspace at a time while
/// the check walks it, and the flows are not kept: at 5,000 workspaces the whole check took
/// 1.9 GiB, built on one core.
pub fn check_and_simulate(
    estate: &Estate,
    tags: &adbflow_net::ServiceTags,
    check_options: &crate::check::CheckOptions<'_>,
    limits: &LimitTable,
    timing: &TimingTable,
    options: &SimOptions,
) -> Result<SimReport, SimulateError> {
    let run = crate::check::CheckRun::start(estate, tags, check_options)?;
    let (check, workspaces) = run.per_workspace(crate::check::CheckRun::BATCH, |lookup, ws, flows| {
        world::workspace_world(lookup, ws, &flows.iter().collect::<Vec<_>>(), limits)
    });
    let w = world::world_of(workspaces, limits, options.connections_per_node);
    Ok(launch(w, check.name, timing, options)?)
}
