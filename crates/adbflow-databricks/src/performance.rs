//! Latency and bandwidth estimates per flow, from the kind of destination its path reaches and the
//! devices it crosses (`limits.toml`: the seed document's latency table, corrected and marked
//! inferred; firewall and NAT per-connection limits; the node's NIC bandwidth). Estimates, not
//! measurements: every figure names the row it comes from.

use crate::catalog::FlowId;
use crate::check::{CheckFlow, FlowVerdict};
use crate::cost::fixed::firewall_sku;
use crate::devices::devices;
use crate::limits::LimitTable;
use crate::plan::SourceRole;
use adbflow_model::{Estate, Firewall, Lookup, NatGateway, Sku};
use adbflow_net::walk::meters as path;
use serde::Serialize;
use std::sync::Arc;

/// The node size the estimates assume when the workload does not name one (the seed's default).
pub const DEFAULT_NODE_TYPE: &str = "Standard_DS3_v2";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowPerformance {
    /// Typical round trip, low and high end.
    pub latency_ms: [f64; 2],
    /// The latency rows added up.
    pub latency_from: Vec<String>,
    /// The most one connection can carry, and what limits it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_gbps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited_by: Option<String>,
    /// The limits-table row of that ceiling: its limit and SKU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bandwidth_from: Option<(String, Option<String>)>,
    /// Latency figures are assumptions or the seed's own, so every estimate is marked.
    pub inferred: bool,
}

// The figures come from a table of finite numbers, so equality is total and `CheckFlow` can keep `Eq`.
impl Eq for FlowPerformance {}

fn destination_class(f: &CheckFlow) -> &'static str {
    if f.source_role == SourceRole::User && f.egress == "internet" {
        return "latency-user";
    }
    if matches!(f.egress.as_str(), "vnet" | "peering") || f.id == FlowId::WorkerToWorker {
        return "latency-vnet";
    }
    if matches!(
        f.id,
        FlowId::SccRelay
            | FlowId::Webapp
            | FlowId::ExtendedInfra
            | FlowId::UserApi
            | FlowId::UserUi
            | FlowId::BrowserAuth
    ) {
        return "latency-control-plane";
    }
    if f.meters.contains(&path::INTERNET_EGRESS) {
        return "latency-internet";
    }
    if f.meters.contains(&path::INTER_REGION) {
        return "latency-azure-service-other-region";
    }
    "latency-azure-service-same-region"
}

/// The node type the workload section names, else the seed's default.
pub fn node_type(estate: &Estate) -> &str {
    estate.workload.as_ref().and_then(|w| w.node_type.as_deref()).unwrap_or(DEFAULT_NODE_TYPE)
}

/// What an estimate depends on besides the tables: a workspace's flows share a handful.
#[derive(Clone, Copy)]
struct Inputs<'e> {
    class: &'static str,
    firewall: Option<&'e Firewall>,
    /// A Standard V2 NAT gateway (the only SKU with a per-connection limit).
    nat_v2: Option<&'e NatGateway>,
    from_user: bool,
}

impl Inputs<'_> {
    fn same_as(&self, other: &Self) -> bool {
        /// The same element of the estate, or both absent.
        fn same<T>(a: Option<&T>, b: Option<&T>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => std::ptr::eq(a, b),
                (a, b) => a.is_none() && b.is_none(),
            }
        }
        self.class == other.class
            && self.from_user == other.from_user
            && same(self.firewall, other.firewall)
            && same(self.nat_v2, other.nat_v2)
    }
}

/// Latency and bandwidth estimates for the flows of one estate on nodes of one size, each
/// distinct set of inputs worked out once: a workspace's flows share a handful, and the table
/// lookups and sentences were a twentieth of walking a flow.
pub struct Estimates<'t, 'e> {
    limits: &'t LimitTable,
    node: &'t str,
    known: Vec<(Inputs<'e>, Arc<FlowPerformance>)>,
}

impl<'t, 'e> Estimates<'t, 'e> {
    pub fn new(limits: &'t LimitTable, node: &'t str) -> Self {
        Estimates { limits, node, known: Vec::new() }
    }

    /// The estimate for `f`, a flow walked in `lookup`'s estate; `None` for a blocked one.
    pub fn of(&mut self, lookup: &Lookup<'e>, f: &CheckFlow) -> Option<Arc<FlowPerformance>> {
        if f.verdict != FlowVerdict::Delivered {
            return None;
        }
        let d = devices(lookup, &f.hops);
        let inputs = Inputs {
            class: destination_class(f),
            firewall: d.firewall,
            nat_v2: d.nat.filter(|n| n.sku == Sku::StandardV2),
            from_user: f.source_role == SourceRole::User,
        };
        if let Some((_, known)) = self.known.iter().find(|(i, _)| i.same_as(&inputs)) {
            return Some(Arc::clone(known));
        }
        let worked_out = Arc::new(self.work_out(inputs));
        self.known.push((inputs, Arc::clone(&worked_out)));
        Some(worked_out)
    }

    fn work_out(&self, inputs: Inputs<'_>) -> FlowPerformance {
        let (limits, node) = (self.limits, self.node);
        let mut low = 0.0;
        let mut high = 0.0;
        let mut from = Vec::new();
        let mut inferred = false;
        let mut add = |limit: &str| {
            if let Some(r) = limits.get(limit, None) {
                low += r.value;
                high += r.max.unwrap_or(r.value);
                inferred |= r.inferred || r.unverified;
                from.push(limit.to_string());
            }
        };
        add(inputs.class);
        if inputs.firewall.is_some() {
            add("latency-firewall");
        }
        let mut ceiling: Option<(f64, String, (String, Option<String>))> = None;
        let mut cap = |gbps: f64, what: String, row: (&str, &str)| {
            if ceiling.as_ref().map(|(g, _, _)| gbps < *g).unwrap_or(true) {
                ceiling = Some((gbps, what, (row.0.to_string(), Some(row.1.to_string()))));
            }
        };
        if !inputs.from_user {
            if let Some(r) = limits.get("vm-bandwidth", Some(node)) {
                cap(
                    r.value,
                    adbflow_net::text!(node, " NIC bandwidth (vm-bandwidth)"),
                    ("vm-bandwidth", node),
                );
            }
        }
        if let Some(fw) = inputs.firewall {
            let sku = firewall_sku(fw.sku);
            if let Some(r) = limits.get("firewall-single-connection-throughput", Some(sku)) {
                cap(
                    r.value,
                    adbflow_net::text!("one connection through firewall ", fw.name, " (", sku, ")"),
                    ("firewall-single-connection-throughput", sku),
                );
            }
        }
        if let Some(nat) = inputs.nat_v2 {
            if let Some(r) = limits.get("nat-per-connection-throughput", Some("StandardV2")) {
                cap(
                    r.value,
                    adbflow_net::text!("one connection through NAT gateway ", nat.name, " (StandardV2)"),
                    ("nat-per-connection-throughput", "StandardV2"),
                );
            }
        }
        let (connection_gbps, limited_by, bandwidth_from) = match ceiling {
            Some((g, w, r)) => (Some(g), Some(w), Some(r)),
            None => (None, None, None),
        };
        FlowPerformance {
            latency_ms: [low, high],
            latency_from: from,
            connection_gbps,
            limited_by,
            bandwidth_from,
            inferred,
        }
    }
}
