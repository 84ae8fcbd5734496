//! Private endpoints, private DNS zones, public DNS names, service endpoint policies.

use crate::origin::Origin;
use crate::spec::Prefix;
use crate::storage::PublicNetworkAccess;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ConnectionState {
    #[default]
    Approved,
    Pending,
    Rejected,
    Disconnected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateEndpoint {
    pub name: String,
    /// `VNET/SUBNET` the endpoint's NIC sits in.
    pub subnet: String,
    /// The private IP; when absent the first free address of the subnet is assumed (marked inferred).
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
    /// The name of the target resource: a storage account, a Databricks workspace, or an
    /// `[[endpoints]]` entry's `resource`.
    pub target: String,
    /// Sub-resource (group ID): `blob`, `dfs`, `databricks_ui_api`, `browser_authentication`, …
    pub subresource: String,
    #[serde(default)]
    pub connection_state: ConnectionState,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateDnsZone {
    /// Zone name, e.g. `privatelink.blob.core.windows.net`.
    pub name: String,
    #[serde(default)]
    pub records: Vec<DnsRecord>,
    #[serde(default)]
    pub links: Vec<DnsZoneLink>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
    /// Relative name inside the zone (`mystorage`), or `@` for the apex.
    pub name: String,
    pub ips: Vec<Ipv4Addr>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// How a VNet link answers names the zone has no record for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ResolutionPolicy {
    /// The private zone is authoritative: a missing record is NXDOMAIN.
    #[default]
    Default,
    /// Fall back to public resolution on NXDOMAIN.
    NxDomainRedirect,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsZoneLink {
    pub vnet: String,
    #[serde(default)]
    pub registration_enabled: bool,
    #[serde(default)]
    pub resolution_policy: ResolutionPolicy,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// A public DNS name of an Azure or internet endpoint: what it resolves to publicly, the region
/// and service tags its addresses belong to. Storage accounts and workspaces contribute their own
/// names automatically; this lists the rest (PyPI, a custom repository, an Azure SQL server …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub fqdn: String,
    /// Azure region the addresses sit in; `None` for internet endpoints outside Azure.
    #[serde(default)]
    pub region: Option<String>,
    /// Service tags the addresses belong to (e.g. `Storage.EastUS2`, `AzureDatabricks`). Parent
    /// tags (`Storage`, `AzureCloud`) are implied.
    #[serde(default)]
    pub service_tags: Vec<String>,
    /// Known public addresses; empty keeps the endpoint symbolic.
    #[serde(default)]
    pub ips: Vec<Ipv4Addr>,
    /// The resource this name belongs to, for private endpoints that target it.
    #[serde(default)]
    pub resource: Option<String>,
    /// The private-link sub-resource this name serves, e.g. `sqlServer`.
    #[serde(default)]
    pub subresource: Option<String>,
    /// The privatelink zone the public name CNAMEs into once a private endpoint exists.
    #[serde(default)]
    pub private_link_zone: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Whether the endpoint accepts traffic arriving over its public address; traffic through a
    /// private endpoint is unaffected.
    #[serde(default)]
    pub public_network_access: PublicNetworkAccess,
    /// Public source addresses allowed in (an IP access list); empty allows every source.
    #[serde(default)]
    pub allowed_source_ips: Vec<Prefix>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEndpointPolicy {
    pub name: String,
    /// Storage accounts (by name) the policy allows; `/services/Azure/Databricks` is the alias
    /// Databricks documents for its system storage.
    #[serde(default)]
    pub allowed_storage_accounts: Vec<String>,
    #[serde(default)]
    pub allowed_aliases: Vec<String>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}
