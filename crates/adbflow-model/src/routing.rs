//! Route tables and user-defined routes.

use crate::origin::Origin;
use crate::spec::parse_prefix;
use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub name: String,
    /// `disableBgpRoutePropagation`: gateway routes are not added to associated subnets.
    #[serde(default)]
    pub disable_bgp_route_propagation: bool,
    #[serde(default)]
    pub routes: Vec<Route>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// Next hop types as Azure's API names them. UDRs may use only `VirtualNetworkGateway`,
/// `VnetLocal`, `Internet`, `VirtualAppliance` and `None`; the rest appear in effective routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NextHopType {
    VirtualNetworkGateway,
    #[serde(alias = "VNetLocal", alias = "VirtualNetwork")]
    VnetLocal,
    Internet,
    VirtualAppliance,
    None,
    #[serde(alias = "VirtualNetworkPeering")]
    VNetPeering,
    VirtualNetworkServiceEndpoint,
    /// The /32 system route a private endpoint injects.
    InterfaceEndpoint,
}

impl NextHopType {
    pub fn allowed_in_udr(self) -> bool {
        matches!(
            self,
            NextHopType::VirtualNetworkGateway
                | NextHopType::VnetLocal
                | NextHopType::Internet
                | NextHopType::VirtualAppliance
                | NextHopType::None
        )
    }
    pub fn as_str(self) -> &'static str {
        match self {
            NextHopType::VirtualNetworkGateway => "VirtualNetworkGateway",
            NextHopType::VnetLocal => "VnetLocal",
            NextHopType::Internet => "Internet",
            NextHopType::VirtualAppliance => "VirtualAppliance",
            NextHopType::None => "None",
            NextHopType::VNetPeering => "VNetPeering",
            NextHopType::VirtualNetworkServiceEndpoint => "VirtualNetworkServiceEndpoint",
            NextHopType::InterfaceEndpoint => "InterfaceEndpoint",
        }
    }
}

impl fmt::Display for NextHopType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A UDR's address prefix: a CIDR, or a service tag (Azure allows tags as route prefixes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RouteDestination {
    Prefix(Ipv4Net),
    Tag(String),
}

impl TryFrom<String> for RouteDestination {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            parse_prefix(&s).map(RouteDestination::Prefix)
        } else if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            Ok(RouteDestination::Tag(s))
        } else {
            Err(format!("'{s}' is neither an IPv4 prefix nor a service tag name"))
        }
    }
}

impl From<RouteDestination> for String {
    fn from(d: RouteDestination) -> Self {
        d.to_string()
    }
}

impl fmt::Display for RouteDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteDestination::Prefix(p) => p.fmt(f),
            RouteDestination::Tag(t) => f.write_str(t),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub name: String,
    pub address_prefix: RouteDestination,
    pub next_hop_type: NextHopType,
    #[serde(default)]
    pub next_hop_ip: Option<Ipv4Addr>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}
