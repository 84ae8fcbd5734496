//! Virtual networks, subnets, peerings and virtual network gateways.

use crate::origin::Origin;
use crate::spec::Prefix;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VNet {
    pub name: String,
    /// Azure region, e.g. `eastus2`; defaults to the estate's region.
    #[serde(default)]
    pub region: Option<String>,
    pub address_space: Vec<Prefix>,
    /// Custom DNS servers; empty means Azure-provided DNS (168.63.129.16).
    #[serde(default)]
    pub dns_servers: Vec<Ipv4Addr>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// `privateEndpointNetworkPolicies` of a subnet: whether NSGs and/or route tables apply to
/// private endpoints placed in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PrivateEndpointNetworkPolicies {
    #[default]
    Disabled,
    NetworkSecurityGroupEnabled,
    RouteTableEnabled,
    Enabled,
}

impl PrivateEndpointNetworkPolicies {
    pub fn route_table_enabled(self) -> bool {
        matches!(self, Self::RouteTableEnabled | Self::Enabled)
    }
    pub fn nsg_enabled(self) -> bool {
        matches!(self, Self::NetworkSecurityGroupEnabled | Self::Enabled)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub name: String,
    pub prefix: Prefix,
    #[serde(default)]
    pub nsg: Option<String>,
    #[serde(default)]
    pub route_table: Option<String>,
    #[serde(default)]
    pub nat_gateway: Option<String>,
    /// Service endpoints, e.g. `Microsoft.Storage`, `Microsoft.Storage.Global`, `Microsoft.Sql`.
    #[serde(default)]
    pub service_endpoints: Vec<String>,
    #[serde(default)]
    pub service_endpoint_policies: Vec<String>,
    /// Delegation service name, e.g. `Microsoft.Databricks/workspaces`.
    #[serde(default)]
    pub delegation: Option<String>,
    /// `false` makes this a private subnet: no implicit outbound IP. Azure's historical default is
    /// `true`; VNets created with API 2025-07-01 or later default to `false`.
    #[serde(default = "default_true")]
    pub default_outbound_access: bool,
    #[serde(default)]
    pub private_endpoint_network_policies: PrivateEndpointNetworkPolicies,
    /// The VMs in this subnet have instance-level public IPs (e.g. a workspace without SCC);
    /// names the public IP resource when one is modelled, `"dynamic"` otherwise.
    #[serde(default)]
    pub instance_public_ip: Option<String>,
    /// A load balancer with outbound rules whose backend pool holds this subnet's NICs.
    #[serde(default)]
    pub load_balancer: Option<String>,
    /// Application security groups the NICs in this subnet belong to.
    #[serde(default)]
    pub application_security_groups: Vec<String>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

pub(crate) fn default_true() -> bool {
    true
}

/// One direction of a VNet peering, as Azure models it: `vnet` → `remote_vnet`. Traffic flows
/// only when both directions exist (state Connected).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peering {
    pub name: String,
    pub vnet: String,
    pub remote_vnet: String,
    #[serde(default = "default_true")]
    pub allow_virtual_network_access: bool,
    #[serde(default)]
    pub allow_forwarded_traffic: bool,
    #[serde(default)]
    pub allow_gateway_transit: bool,
    #[serde(default)]
    pub use_remote_gateways: bool,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GatewayKind {
    Vpn,
    ExpressRoute,
}

/// A virtual network gateway with the on-premises prefixes it learns (BGP) or is configured
/// with (local network gateway). They become `VirtualNetworkGateway` routes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    pub name: String,
    pub vnet: String,
    pub kind: GatewayKind,
    /// The gateway's public IP address, shown as next hop IP of gateway routes.
    #[serde(default)]
    pub public_ip: Option<Ipv4Addr>,
    #[serde(default)]
    pub onprem_prefixes: Vec<Prefix>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}
