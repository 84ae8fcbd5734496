//! `adbflow routes`: effective routes as a table, or as JSON in the shape of Azure CLI's
//! `az network nic show-effective-route-table` so the twin can be diffed against the cloud.

use crate::table::{new_table, render};
use adbflow_net::routes::{EffectiveRoute, RoutePrefix, RouteSource, RouteState};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AzRouteTable<'a> {
    value: Vec<AzRoute<'a>>,
}

/// Field names and value spellings as Azure returns them; `x-adbflow` carries the twin's
/// explanation and can be dropped before diffing (`jq 'del(.value[]."x-adbflow")'`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AzRoute<'a> {
    address_prefix: Vec<String>,
    disable_bgp_route_propagation: bool,
    has_bgp_override: bool,
    name: Option<&'a str>,
    next_hop_ip_address: Vec<String>,
    next_hop_type: &'static str,
    source: &'static str,
    state: &'static str,
    #[serde(rename = "x-adbflow")]
    explanation: Explanation<'a>,
}

#[derive(Serialize)]
struct Explanation<'a> {
    element: &'a adbflow_model::ElementRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    invalid_reason: Option<&'a str>,
}

pub fn source_str(s: RouteSource) -> &'static str {
    match s {
        RouteSource::Default => "Default",
        RouteSource::User => "User",
        RouteSource::VirtualNetworkGateway => "VirtualNetworkGateway",
    }
}

pub fn state_str(s: RouteState) -> &'static str {
    match s {
        RouteState::Active => "Active",
        RouteState::Invalid => "Invalid",
    }
}

pub fn prefix_str(p: &RoutePrefix) -> String {
    match p {
        RoutePrefix::Cidr(n) => n.to_string(),
        RoutePrefix::Tag(t) => t.clone(),
    }
}

pub fn json(routes: &[EffectiveRoute], disable_bgp_route_propagation: bool) -> String {
    let value = routes
        .iter()
        .map(|r| AzRoute {
            address_prefix: vec![prefix_str(&r.prefix)],
            disable_bgp_route_propagation,
            has_bgp_override: false,
            name: (!r.name.is_empty()).then_some(r.name.as_str()),
            next_hop_ip_address: r.next_hop_ip.iter().map(|i| i.to_string()).collect(),
            next_hop_type: r.next_hop_type.as_str(),
            source: source_str(r.source),
            state: state_str(r.state),
            explanation: Explanation { element: &r.element, invalid_reason: r.invalid_reason.as_deref() },
        })
        .collect();
    crate::to_json(&AzRouteTable { value })
}

pub fn table(subnet: &str, routes: &[EffectiveRoute]) -> String {
    let mut t = new_table(&["Source", "State", "Address prefix", "Next hop type", "Next hop IP", "Name", "Defined by"]);
    for r in routes {
        let mut by = r.element.to_string();
        if let Some(why) = &r.invalid_reason {
            by.push_str(&format!("\n{why}"));
        }
        t.add_row(vec![
            source_str(r.source).to_string(),
            state_str(r.state).to_string(),
            prefix_str(&r.prefix),
            r.next_hop_type.to_string(),
            r.next_hop_ip.map(|i| i.to_string()).unwrap_or_default(),
            r.name.clone(),
            by,
        ]);
    }
    format!("Effective routes of {subnet}\n{}", render(&t))
}
