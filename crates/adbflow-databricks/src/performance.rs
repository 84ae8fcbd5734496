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
use adbflow_model::{Estate, Lookup, Sku};
use adbflow_net::walk::meters as path;
use serde::Serialize;

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
    if f.meters.iter().any(|m| m == path::INTERNET_EGRESS) {
        return "latency-internet";
    }
    if f.meters.iter().any(|m| m == path::INTER_REGION) {
        return "latency-azure-service-other-region";
    }
    "latency-azure-service-same-region"
}

/// The node type the workload section names, else the seed's default.
pub fn node_type(estate: &Estate) -> &str {
    estate.workload.as_ref().and_then(|w| w.node_type.as_deref()).unwrap_or(DEFAULT_NODE_TYPE)
}

/// The estimate for a delivered flow on nodes of `node`; `None` for blocked ones.
pub fn estimate(
    lookup: &Lookup<'_>,
    f: &CheckFlow,
    limits: &LimitTable,
    node: &str,
) -> Option<FlowPerformance> {
    if f.verdict != FlowVerdict::Delivered {
        return None;
    }
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
    add(destination_class(f));
    let d = devices(lookup, &f.hops);
    if d.firewall.is_some() {
        add("latency-firewall");
    }
    let mut ceiling: Option<(f64, String, (String, Option<String>))> = None;
    let mut cap = |gbps: f64, what: String, row: (&str, &str)| {
        if ceiling.as_ref().map(|(g, _, _)| gbps < *g).unwrap_or(true) {
            ceiling = Some((gbps, what, (row.0.to_string(), Some(row.1.to_string()))));
        }
    };
    if f.source_role != SourceRole::User {
        if let Some(r) = limits.get("vm-bandwidth", Some(node)) {
            cap(r.value, format!("{node} NIC bandwidth (vm-bandwidth)"), ("vm-bandwidth", node));
        }
    }
    if let Some(fw) = d.firewall {
        let sku = firewall_sku(fw.sku);
        if let Some(r) = limits.get("firewall-single-connection-throughput", Some(sku)) {
            cap(
                r.value,
                format!("one connection through firewall {} ({sku})", fw.name),
                ("firewall-single-connection-throughput", sku),
            );
        }
    }
    if let Some(nat) = d.nat.filter(|n| n.sku == Sku::StandardV2) {
        if let Some(r) = limits.get("nat-per-connection-throughput", Some("StandardV2")) {
            cap(
                r.value,
                format!("one connection through NAT gateway {} (StandardV2)", nat.name),
                ("nat-per-connection-throughput", "StandardV2"),
            );
        }
    }
    let (connection_gbps, limited_by, bandwidth_from) = match ceiling {
        Some((g, w, r)) => (Some(g), Some(w), Some(r)),
        None => (None, None, None),
    };
    Some(FlowPerformance {
        latency_ms: [low, high],
        latency_from: from,
        connection_gbps,
        limited_by,
        bandwidth_from,
        inferred,
    })
}
