//! The models besides the flow walk that `diagnose` consults ([`CauseSource`]s):
//!
//! - [`CapacityCauses`]: subnet exhaustion (`SUBNET_EXHAUSTED_FAILURE`, `IP_EXHAUSTION_FAILURE`) from
//!   the capacity model — the injected subnets' usable addresses against the workload's nodes;
//! - [`TimingCauses`]: slow starts (`slow-start`, the `…_SLOW`/`…_THROTTLED` codes) from the lifecycle
//!   simulation — one launch of the workload profile's cluster on this network, against the same
//!   launch on a network whose shared devices impose no limit. The difference is what this
//!   deployment's path adds, phase by phase; the device that limits the slowest phase is the cause.

use super::knowledge::{Needs, Strength};
use super::{Cause, CauseSource, Impact, Query, RankKey};
use crate::capacity::capacity;
use crate::catalog::{FlowId, Phase};
use crate::check::CheckReport;
use crate::fix::Fix;
use crate::limits::LimitTable;
use crate::profile::Profile;
use crate::simulate::{world, ClusterSpec, Engine, State, TimingTable, World};
use adbflow_model::{ids, ElementRef, Estate};

/// Subnet exhaustion from the capacity model.
pub struct CapacityCauses<'a> {
    /// The deployment as given (the injected subnets are the user's).
    pub estate: &'a Estate,
    pub profile: &'a Profile,
    pub limits: &'a LimitTable,
}

impl CauseSource for CapacityCauses<'_> {
    fn name(&self) -> &str {
        "capacity"
    }

    fn provides(&self) -> &[Needs] {
        &[Needs::Capacity]
    }

    fn causes(&self, query: &Query<'_>, check: &CheckReport) -> Vec<Cause> {
        if query.entry.needs != Needs::Capacity {
            return Vec::new();
        }
        let report = capacity(check, self.estate, self.profile, self.limits, None);
        let mut out = Vec::new();
        for w in &report.workspaces {
            for l in w.limits.iter().filter(|l| l.id == "subnet-addresses") {
                // Only a limit the workload exceeds explains the failure; a subnet with room to spare
                // is not a cause (the generic causes then apply: other clusters, other workspaces).
                if !l.exceeded {
                    continue;
                }
                let max = l.max_nodes.unwrap_or(0);
                let strength = Strength::Exact;
                let why = format!(
                    "the workload profile {} runs {} nodes at once and {} holds {max}: launches past that find \
                     no free address",
                    self.profile.name, w.requested_nodes, l.element.name
                );
                out.push(Cause {
                    rank: 0,
                    found_by: self.name().into(),
                    strength,
                    why,
                    ranked_by: Vec::new(),
                    impact: Impact::Startup,
                    workspace: Some(w.workspace.clone()),
                    flow: None,
                    reason_code: "SUBNET_CAPACITY".into(),
                    element: l.element.clone(),
                    message: l.explanation.clone(),
                    inferred: false,
                    symptom: None,
                    fixes: vec![Fix {
                        action: format!(
                            "give {} a larger prefix (each bit doubles it), or cap clusters below {max} nodes in \
                             total with a cluster policy",
                            l.element.name
                        ),
                        element: Some(l.element.clone()),
                    }],
                    key: RankKey {
                        strength: Some(strength),
                        impact: Some(Impact::Startup),
                        by_design: false,
                        phase: Some(Phase::VmProvisioning),
                        blocked_from: 0,
                    },
                });
            }
        }
        out
    }
}

/// A start this much slower than on an unconstrained network is a slow start this network causes.
pub const SLOW_START_EXCESS_S: f64 = 60.0;
/// Below this the network's share of the start is noise, not a cause.
pub const NOTICEABLE_EXCESS_S: f64 = 10.0;

/// Slow starts from the lifecycle simulation.
pub struct TimingCauses<'a> {
    pub estate: &'a Estate,
    pub profile: &'a Profile,
    pub limits: &'a LimitTable,
    pub timing: &'a TimingTable,
    /// The simulation's seed.
    pub seed: u64,
}

/// One launch's phases `(name, flow, duration ms)` once the cluster runs; `None` when it never does
/// (then a blocked flow, which the check reports, is the answer, not timing).
fn launch(
    world: World,
    timing: &TimingTable,
    seed: u64,
    spec: ClusterSpec,
) -> Option<Vec<(String, Option<FlowId>, u64)>> {
    let mut engine = Engine::new(world, timing.clone(), seed);
    engine.submit(spec, 0).ok()?;
    engine.run_until_settled();
    let c = engine.clusters().first()?;
    if c.running_ms.is_none() || c.state != State::Running {
        return None;
    }
    Some(
        c.phases.iter().map(|p| (p.phase.to_string(), p.flow, p.end_ms.saturating_sub(p.start_ms))).collect(),
    )
}

/// The estate's element for a device key (`firewall:NAME`, `nat-gateway:NAME`, `storage:FQDN`).
fn device_element(estate: &Estate, key: &str) -> ElementRef {
    let (kind, name) = key.split_once(':').unwrap_or(("", key));
    match kind {
        "firewall" => {
            let origin = estate.firewalls.iter().find(|f| f.name == name).and_then(|f| f.origin.clone());
            ElementRef::new(ids::firewall(name), name, origin)
        }
        "nat-gateway" => {
            let origin = estate.nat_gateways.iter().find(|n| n.name == name).and_then(|n| n.origin.clone());
            ElementRef::new(ids::nat_gateway(name), name, origin)
        }
        "storage" => {
            let account = name.split('.').next().unwrap_or(name);
            let origin =
                estate.storage_accounts.iter().find(|s| s.name == account).and_then(|s| s.origin.clone());
            ElementRef::new(ids::storage_account(account), account, origin)
        }
        _ => ElementRef::new(key, name, None),
    }
}

impl CauseSource for TimingCauses<'_> {
    fn name(&self) -> &str {
        "simulation"
    }

    fn provides(&self) -> &[Needs] {
        &[Needs::Timing]
    }

    fn causes(&self, query: &Query<'_>, check: &CheckReport) -> Vec<Cause> {
        if query.entry.needs != Needs::Timing {
            return Vec::new();
        }
        let s = &self.profile.settings;
        let or_default = |v: f64, name: &str| if v > 0.0 { v } else { self.timing.value(name) };
        let real = world(check, self.estate, self.limits, s.connections_per_node);
        let mut out = Vec::new();
        for ws in &real.workspaces {
            let spec = ClusterSpec {
                cluster_name: "diagnose".into(),
                workspace: Some(ws.name.clone()),
                num_workers: s.nodes_per_cluster.saturating_sub(1),
                node_type_id: if s.node_type.is_empty() {
                    "Standard_DS3_v2".into()
                } else {
                    s.node_type.clone()
                },
                image_gb: or_default(s.dbr_image_gb, "default-image"),
                libraries_gb: or_default(s.libraries_gb, "default-libraries"),
                autotermination_minutes: 0,
            };
            // The same network with no shared device limiting anything: what the start would take
            // if the path added nothing.
            let mut unconstrained = real.clone();
            for w in &mut unconstrained.workspaces {
                for f in w.flows.values_mut() {
                    f.devices.clear();
                    f.connection_gbps = None;
                }
            }
            let (Some(actual), Some(ideal)) = (
                launch(real.clone(), self.timing, self.seed, spec.clone()),
                launch(unconstrained, self.timing, self.seed, spec),
            ) else {
                continue;
            };
            // The phase the path slows most, with the flow it waits on.
            let slowest = actual
                .iter()
                .filter_map(|(name, flow, ms)| {
                    let base = ideal.iter().find(|(n, f, _)| n == name && f == flow).map_or(0, |p| p.2);
                    Some((name, (*flow)?, ms.saturating_sub(base)))
                })
                .max_by_key(|&(_, _, excess)| excess);
            let Some((phase, flow, excess_ms)) = slowest else { continue };
            let excess = excess_ms as f64 / 1000.0;
            if excess < NOTICEABLE_EXCESS_S {
                continue;
            }
            let Some(fact) = ws.flows.get(&flow) else { continue };
            // The slowest device on the flow's path limits it (a firewall below its scaled-out figure first).
            let Some(device) = fact.devices.iter().min_by(|a, b| a.gbps.total_cmp(&b.gbps)) else { continue };
            let element = device_element(self.estate, &device.key);
            let strength = if excess >= SLOW_START_EXCESS_S { Strength::Exact } else { Strength::Related };
            let scale_out = device
                .scaled_gbps
                .map(|g| {
                    format!(" until it scales out to {g} Gbps (about {} minutes)", device.scale_out_minutes)
                })
                .unwrap_or_default();
            out.push(Cause {
                rank: 0,
                found_by: self.name().into(),
                strength,
                why: format!(
                    "a simulated launch of {} nodes ({}) spends {excess:.0} s more in {phase} than on a path with \
                     no shared limit: {} carries the {flow} downloads of every node at {} Gbps{scale_out}",
                    s.nodes_per_cluster, self.profile.name, element.name, device.gbps
                ),
                ranked_by: Vec::new(),
                impact: Impact::Startup,
                workspace: Some(ws.name.clone()),
                flow: None,
                reason_code: "SHARED_THROUGHPUT".into(),
                element: element.clone(),
                message: format!(
                    "{phase} takes {excess:.0} s longer through {} ({} Gbps shared by {} nodes)",
                    device.key, device.gbps, s.nodes_per_cluster
                ),
                // The durations rest on the timing table's calibrated defaults.
                inferred: true,
                symptom: None,
                fixes: vec![Fix {
                    action: format!(
                        "take the {flow} downloads off {} (a service endpoint or private endpoint for storage, a \
                         package mirror inside the network), or size it for {} nodes starting at once",
                        element.name, s.nodes_per_cluster
                    ),
                    element: Some(element),
                }],
                key: RankKey {
                    strength: Some(strength),
                    impact: Some(Impact::Startup),
                    by_design: false,
                    phase: Some(Phase::Downloads),
                    blocked_from: 0,
                },
            });
        }
        out
    }
}
