//! What the simulation knows about the network: for each workspace, every flow's `check` answer
//! (delivered or blocked, the termination code and message, the deciding element) and the shared
//! devices a delivered flow crosses with their throughput (`limits.toml`), plus the addresses the
//! two injected subnets can hand out.

use crate::by_workspace::{by_workspace, rows_of};
use crate::capacity::usable_addresses;
use crate::catalog::{FlowId, Requirement};
use crate::check::{CheckFlow, CheckReport, FlowVerdict, WorkspaceSummary};
use crate::cost::fixed::firewall_sku;
use crate::devices::devices;
use crate::limits::LimitTable;
use crate::plan::SourceRole;
use adbflow_model::{Estate, Lookup, Sku};
use std::collections::BTreeMap;

/// A shared device on a flow's path.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// `nat-gateway:NAME`, `firewall:NAME`, `storage:FQDN`.
    pub key: String,
    pub gbps: f64,
    /// Throughput after scale-out, for a firewall that starts below its full figure.
    pub scaled_gbps: Option<f64>,
    /// Minutes a scale-out takes.
    pub scale_out_minutes: f64,
}

/// One flow as seen from the cluster nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowFact {
    pub id: FlowId,
    pub requirement: Requirement,
    pub delivered: bool,
    pub by_design: bool,
    pub termination_code: Option<&'static str>,
    /// Why `check` blocked it (`DNS_RESOLUTION_FAILED`, `SUBNET_NSG_MISSING`, …).
    pub reason_code: Option<&'static str>,
    pub message: String,
    pub inferred: bool,
    /// The element that blocked it.
    pub decided_by: Option<String>,
    pub egress: String,
    pub devices: Vec<Device>,
    /// The most one connection carries through the path (a firewall's per-connection limit), Gbps.
    pub connection_gbps: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceWorld {
    pub name: String,
    pub host_subnet: String,
    pub container_subnet: String,
    /// Usable addresses (2^(32−p) − reserved) of each subnet; a node takes one in each.
    pub host_usable: u64,
    pub container_usable: u64,
    pub flows: BTreeMap<FlowId, FlowFact>,
    /// Internet-bound node traffic is source-NATed by a NAT gateway or firewall (SNAT ports are used).
    pub snat: bool,
}

impl WorkspaceWorld {
    /// Nodes the two subnets hold at once.
    pub fn node_capacity(&self) -> u64 {
        self.host_usable.min(self.container_usable)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct World {
    pub workspaces: Vec<WorkspaceWorld>,
    /// VM NIC bandwidth by node type (`vm-bandwidth` rows), Gbps.
    pub nic_gbps: BTreeMap<String, f64>,
    /// Used for node types the table lacks.
    pub default_nic_gbps: f64,
    pub connections_per_node: u32,
}

impl World {
    pub fn workspace(&self, name: Option<&str>) -> Option<&WorkspaceWorld> {
        match name {
            Some(n) => self.workspaces.iter().find(|w| w.name == n),
            None => self.workspaces.first(),
        }
    }

    pub fn nic(&self, node_type: &str) -> f64 {
        self.nic_gbps
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(node_type))
            .map(|(_, v)| *v)
            .unwrap_or(self.default_nic_gbps)
    }
}

fn sku_name(s: Sku) -> &'static str {
    match s {
        Sku::Basic => "Basic",
        Sku::Standard => "Standard",
        Sku::StandardV2 => "StandardV2",
    }
}

fn is_storage(id: FlowId) -> bool {
    use FlowId::*;
    matches!(
        id,
        ArtifactPrimary | ArtifactSecondary | DbfsBlob | DbfsDfs | LogBlob | UcStorage | ExternalLocation
    )
}

fn fact(lookup: &Lookup<'_>, f: &CheckFlow, limits: &LimitTable) -> FlowFact {
    let d = devices(lookup, &f.hops);
    let mut devs = Vec::new();
    let mut connection_gbps = None;
    if let Some(nat) = d.nat {
        let sku = sku_name(nat.sku);
        if let Some(g) = limits.value("nat-throughput", Some(sku)) {
            devs.push(Device {
                key: format!("nat-gateway:{}", nat.name),
                gbps: g,
                scaled_gbps: None,
                scale_out_minutes: 0.0,
            });
        }
        connection_gbps =
            limits.value("nat-per-connection-throughput", Some(sku)).filter(|_| nat.sku == Sku::StandardV2);
    }
    if let Some(fw) = d.firewall {
        let sku = firewall_sku(fw.sku);
        let full = limits.value("firewall-throughput", Some(sku));
        let initial = limits.value("firewall-initial-throughput", Some(sku)).or(full);
        if let Some(g) = initial {
            devs.push(Device {
                key: format!("firewall:{}", fw.name),
                gbps: g,
                scaled_gbps: full.filter(|full| *full > g),
                scale_out_minutes: limits.value("firewall-scale-out", None).unwrap_or(0.0),
            });
        }
        let c = limits.value("firewall-single-connection-throughput", Some(sku));
        connection_gbps = match (connection_gbps, c) {
            (Some(a), Some(b)) => Some(f64::min(a, b)),
            (a, b) => a.or(b),
        };
    }
    if is_storage(f.id) {
        if let Some(g) = limits.value("storage-account-egress", None) {
            devs.push(Device {
                key: format!("storage:{}", f.destination.fqdn),
                gbps: g,
                scaled_gbps: None,
                scale_out_minutes: 0.0,
            });
        }
    }
    let sym = f.symptom.as_ref();
    FlowFact {
        id: f.id,
        requirement: f.requirement,
        delivered: f.verdict == FlowVerdict::Delivered,
        by_design: f.verdict == FlowVerdict::BlockedByDesign,
        termination_code: sym.and_then(|s| s.termination_code),
        reason_code: f.blocked_by.as_ref().map(|b| b.reason_code.as_str()),
        message: sym.map(|s| s.message.clone()).unwrap_or_default(),
        inferred: sym.is_some_and(|s| s.inferred) || f.blocked_by.as_ref().is_some_and(|b| b.inferred),
        decided_by: f.blocked_by.as_ref().map(|b| b.element.id.to_string()),
        egress: f.egress.clone(),
        devices: devs,
        connection_gbps,
    }
}

/// The simulation's view of `check` on the prepared `estate` it walked.
pub fn world(check: &CheckReport, estate: &Estate, limits: &LimitTable, connections_per_node: u32) -> World {
    let lookup = Lookup::new(estate);
    let flows_of = by_workspace(&check.flows, |f| &f.workspace);
    let workspaces = check
        .workspaces
        .iter()
        .map(|ws| workspace_world(&lookup, ws, rows_of(&flows_of, &ws.name), limits))
        .collect();
    world_of(workspaces, limits, connections_per_node)
}

/// One workspace of the world: its summary `ws` and its flows from the check, in report order.
pub fn workspace_world(
    lookup: &Lookup<'_>,
    ws: &WorkspaceSummary,
    ws_flows: &[&CheckFlow],
    limits: &LimitTable,
) -> WorkspaceWorld {
    let reserved = limits.value("subnet-reserved-addresses", None).unwrap_or(5.0) as u64;
    let usable = |name: &str| {
        lookup
            .subnet(&format!("{}/{}", ws.vnet, name))
            .map(|s| usable_addresses(s.subnet.prefix.0.prefix_len(), reserved))
            .unwrap_or(0)
    };
    // A flow counts as blocked for the nodes when it is blocked from either node subnet; the
    // container subnet's path (where Spark traffic leaves) describes a delivered one.
    let mut flows: BTreeMap<FlowId, FlowFact> = BTreeMap::new();
    let node_flows = ws_flows.iter().filter(|f| f.source_role != SourceRole::User);
    for f in node_flows {
        let new = fact(lookup, f, limits);
        match flows.get(&f.id) {
            None => {
                flows.insert(f.id, new);
            }
            Some(old) if old.delivered && (!new.delivered || f.source_role == SourceRole::Container) => {
                flows.insert(f.id, new);
            }
            Some(_) => {}
        }
    }
    let snat = flows.values().any(|f| matches!(f.egress.as_str(), "nat-gateway" | "firewall"));
    WorkspaceWorld {
        name: ws.name.clone(),
        host_subnet: format!("{}/{}", ws.vnet, ws.host_subnet),
        container_subnet: format!("{}/{}", ws.vnet, ws.container_subnet),
        host_usable: usable(&ws.host_subnet),
        container_usable: usable(&ws.container_subnet),
        flows,
        snat,
    }
}

/// The world of `workspaces` (in report order).
pub fn world_of(workspaces: Vec<WorkspaceWorld>, limits: &LimitTable, connections_per_node: u32) -> World {
    let nic_gbps = limits
        .limits
        .iter()
        .filter(|r| r.limit == "vm-bandwidth")
        .filter_map(|r| r.sku.clone().map(|s| (s, r.value)))
        .collect();
    let default_nic_gbps =
        limits.value("vm-bandwidth", Some(crate::performance::DEFAULT_NODE_TYPE)).unwrap_or(3.0);
    World { workspaces, nic_gbps, default_nic_gbps, connections_per_node }
}
