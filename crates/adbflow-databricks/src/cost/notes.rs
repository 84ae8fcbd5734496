//! Where the computed bill differs from the seed document's cost analysis (DESIGN.md "Where the
//! seed document is wrong" 1 and 2), said with this deployment's own numbers.

use super::meters::Bytes;
use super::{fmt_gb, FlowCost, FlowStatus};
use crate::by_workspace::{by_workspace, rows_of};
use crate::catalog::FlowId;
use crate::check::WorkspaceSummary;
use crate::findings::{Finding, FindingSeverity};
use adbflow_net::walk::meters as path;
use std::collections::BTreeSet;

const DOWNLOADS: &[FlowId] = &[
    FlowId::ArtifactPrimary,
    FlowId::ArtifactSecondary,
    FlowId::Pypi,
    FlowId::PypiFiles,
    FlowId::Maven,
    FlowId::Cran,
];

const CONTROL_PLANE: &[FlowId] = &[FlowId::SccRelay, FlowId::Webapp];

/// The part of a flow's cost its downloaded bytes cause.
fn download_cost(f: &FlowCost) -> f64 {
    f.charges
        .iter()
        .map(|c| match c.bytes {
            Bytes::Down => c.cost,
            Bytes::Up => 0.0,
            Bytes::Both if f.up_gb + f.down_gb > 0.0 => c.cost * f.down_gb / (f.up_gb + f.down_gb),
            Bytes::Both => 0.0,
        })
        .sum()
}

fn names<'a>(flows: impl Iterator<Item = &'a FlowCost>) -> String {
    let set: BTreeSet<FlowId> = flows.map(|f| f.id).collect();
    set.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
}

fn devices_named(flows: &[&FlowCost], meter: &str) -> String {
    let set: BTreeSet<&str> = flows
        .iter()
        .flat_map(|f| f.charges.iter())
        .filter(|c| c.meter == meter)
        .filter_map(|c| c.element.as_ref().map(|e| e.name.as_str()))
        .collect();
    set.into_iter().collect::<Vec<_>>().join(", ")
}

pub(super) fn explanations(workspaces: &[WorkspaceSummary], flows: &[FlowCost]) -> Vec<Finding> {
    let mut out = Vec::new();
    let flows_of = by_workspace(flows, |f| &f.workspace);
    for ws in workspaces {
        let mine = || rows_of(&flows_of, &ws.name).iter().copied().filter(|f| f.status == FlowStatus::Priced);
        let downloads: Vec<&FlowCost> = mine()
            .filter(|f| DOWNLOADS.contains(&f.id) && f.down_gb > 0.0)
            .filter(|f| {
                f.path_meters
                    .iter()
                    .any(|m| m == path::INTERNET_EGRESS || m == path::NAT_GATEWAY || m == path::FIREWALL)
            })
            .collect();
        if !downloads.is_empty() {
            let gb: f64 = downloads.iter().map(|f| f.down_gb).sum();
            let cost: f64 = downloads.iter().map(|f| download_cost(f)).sum();
            let mut via = Vec::new();
            for (meter, what) in
                [(super::meters::NAT_DATA, "NAT gateway"), (super::meters::FIREWALL_DATA, "firewall")]
            {
                let d = devices_named(&downloads, meter);
                if !d.is_empty() {
                    via.push(format!("data processing on {what} {d} (both directions)"));
                }
            }
            if downloads.iter().flat_map(|f| &f.charges).any(|c| c.meter.starts_with("vnet-peering")) {
                via.push("VNet peering on both sides".into());
            }
            out.push(
                Finding::new(
                    FindingSeverity::Info,
                    "seed-downloads-are-ingress",
                    format!(
                        "{} GB a month of downloads ({}) come into Azure: ingress is free, so no internet egress is charged on \
                         them (the seed document prices library downloads as internet egress); what they do pay is {}, \
                         ${:.2} a month",
                        fmt_gb(gb),
                        names(downloads.iter().copied()),
                        if via.is_empty() { "nothing on this path".to_string() } else { via.join(" and ") },
                        cost
                    ),
                )
                .workspace(&ws.name),
            );
        }
        let cp: Vec<&FlowCost> =
            mine().filter(|f| CONTROL_PLANE.contains(&f.id) && f.up_gb + f.down_gb > 0.0).collect();
        for (meter, what) in
            [(super::meters::NAT_DATA, "NAT gateway"), (super::meters::FIREWALL_DATA, "firewall")]
        {
            let through: Vec<&FlowCost> =
                cp.iter().copied().filter(|f| f.charges.iter().any(|c| c.meter == meter)).collect();
            if through.is_empty() {
                continue;
            }
            let gb: f64 = through.iter().map(|f| f.up_gb + f.down_gb).sum();
            let cost: f64 = through
                .iter()
                .flat_map(|f| f.charges.iter())
                .filter(|c| c.meter == meter)
                .map(|c| c.cost)
                .sum();
            out.push(
                Finding::new(
                    FindingSeverity::Info,
                    "seed-control-plane-not-free",
                    format!(
                        "control-plane traffic ({}: {} GB a month) leaves through {what} {} and pays its data processing, \
                         ${:.2} a month: NSG service tags only filter, routes decide the path (the seed document says \
                         control-plane traffic bypasses the NAT gateway at no cost)",
                        names(through.iter().copied()),
                        fmt_gb(gb),
                        devices_named(&through, meter),
                        cost
                    ),
                )
                .workspace(&ws.name),
            );
        }
    }
    out
}
