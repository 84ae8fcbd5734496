//! Effective routes per subnet and route selection (domain notes §1).
//!
//! Owner: routes. See the module contract in ARCHITECTURE.md.

use crate::address::DestAddr;
use crate::tags::ServiceTags;
use adbflow_model::{ElementRef, Estate, NextHopType, SubnetRef};
use ipnet::Ipv4Net;
use serde::Serialize;
use std::net::Ipv4Addr;

/// Who added a route, as Azure's effective-route view names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum RouteSource {
    Default,
    User,
    VirtualNetworkGateway,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum RouteState {
    Active,
    Invalid,
}

/// What a route matches: a CIDR, or a service tag (service-endpoint routes without a data file,
/// and UDRs written with a tag).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum RoutePrefix {
    Cidr(Ipv4Net),
    Tag(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectiveRoute {
    pub source: RouteSource,
    pub state: RouteState,
    pub prefix: RoutePrefix,
    pub next_hop_type: NextHopType,
    pub next_hop_ip: Option<Ipv4Addr>,
    /// The UDR's name for user routes; empty for system routes.
    pub name: String,
    /// The element that put the route there (the UDR, the VNet address space, the peering, the
    /// gateway, the subnet's service endpoint, the private endpoint).
    pub element: ElementRef,
    /// Why an Invalid route lost, e.g. "overridden by user route Default-NVA".
    pub invalid_reason: Option<String>,
}

/// Switches for behaviour Azure documents inconsistently (domain notes §1.8 quirks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteOptions {
    /// Microsoft's worked example shows the 10/8, 172.16/12, 192.168/16 and 100.64/10 `None`
    /// routes as absent (here: Invalid) once a 0.0.0.0/0 UDR exists. Default true, as documented.
    pub drop_reserved_none_routes_under_default_udr: bool,
}

impl Default for RouteOptions {
    fn default() -> Self {
        RouteOptions { drop_reserved_none_routes_under_default_udr: true }
    }
}

/// Every route of the subnet, Active and Invalid, in Azure's display order.
pub fn effective_routes(
    estate: &Estate,
    tags: &ServiceTags,
    subnet: SubnetRef<'_>,
    options: RouteOptions,
) -> Vec<EffectiveRoute> {
    let _ = (estate, tags, subnet, options);
    Vec::new()
}

/// The Active route that carries a packet to `dest` (longest prefix; for symbolic destinations
/// a matching service-tag route beats 0.0.0.0/0), or `None` when nothing matches.
pub fn select<'r>(
    routes: &'r [EffectiveRoute],
    dest: &DestAddr,
    tags: &ServiceTags,
) -> Option<&'r EffectiveRoute> {
    let _ = (routes, dest, tags);
    None
}
