//! Azure Firewall, firewall policies (rule collection groups → collections → rules) and IP groups.

use crate::origin::Origin;
use crate::spec::PortSet;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FirewallSku {
    Basic,
    #[default]
    Standard,
    Premium,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThreatIntelMode {
    Off,
    #[default]
    Alert,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Firewall {
    pub name: String,
    /// The VNet whose `AzureFirewallSubnet` holds the firewall.
    pub vnet: String,
    #[serde(default)]
    pub sku: FirewallSku,
    pub private_ip: Ipv4Addr,
    #[serde(default)]
    pub public_ips: Vec<String>,
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallPolicy {
    pub name: String,
    /// A parent policy whose collections are evaluated before this policy's of the same kind.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub dns_proxy: bool,
    #[serde(default)]
    pub threat_intel_mode: ThreatIntelMode,
    /// Destinations that network rules do not SNAT. Default `IANAPrivateRanges` (RFC 1918 and
    /// RFC 6598); `0.0.0.0/0` never SNATs; `255.255.255.255/32` always SNATs.
    #[serde(default)]
    pub snat_private_ranges: Vec<String>,
    #[serde(default)]
    pub rule_collection_groups: Vec<RuleCollectionGroup>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleCollectionGroup {
    pub name: String,
    pub priority: u32,
    #[serde(default)]
    pub rule_collections: Vec<RuleCollection>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RuleCollectionKind {
    Dnat,
    Network,
    Application,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FirewallAction {
    Allow,
    Deny,
    Dnat,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleCollection {
    pub name: String,
    pub priority: u32,
    pub kind: RuleCollectionKind,
    pub action: FirewallAction,
    #[serde(default)]
    pub rules: Vec<FirewallRule>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// One firewall rule. Which fields apply depends on the collection kind: network rules use
/// `protocols` (TCP/UDP/ICMP/Any), `destination_addresses` (CIDRs, service tags, `*`),
/// `destination_ip_groups`, `destination_fqdns` and `destination_ports`; application rules use
/// `protocols` as `Https:443`, `target_fqdns` (wildcards allowed) and `fqdn_tags`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallRule {
    pub name: String,
    #[serde(default)]
    pub source_addresses: Vec<String>,
    #[serde(default)]
    pub source_ip_groups: Vec<String>,
    #[serde(default)]
    pub protocols: Vec<String>,
    #[serde(default)]
    pub destination_addresses: Vec<String>,
    #[serde(default)]
    pub destination_ip_groups: Vec<String>,
    #[serde(default)]
    pub destination_fqdns: Vec<String>,
    #[serde(default)]
    pub destination_ports: Option<PortSet>,
    #[serde(default)]
    pub target_fqdns: Vec<String>,
    #[serde(default)]
    pub fqdn_tags: Vec<String>,
    /// DNAT only: the address and port traffic is translated to.
    #[serde(default)]
    pub translated_address: Option<Ipv4Addr>,
    #[serde(default)]
    pub translated_port: Option<u16>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpGroup {
    pub name: String,
    pub prefixes: Vec<crate::spec::Prefix>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}
