//! Explicit outbound connectivity: NAT gateways, public IPs and prefixes, load-balancer outbound rules.

use crate::origin::Origin;
use crate::spec::Prefix;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Sku {
    Basic,
    #[default]
    Standard,
    StandardV2,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub name: String,
    #[serde(default)]
    pub sku: Sku,
    #[serde(default)]
    pub public_ips: Vec<String>,
    #[serde(default)]
    pub public_ip_prefixes: Vec<String>,
    /// TCP idle timeout in minutes (4–120).
    #[serde(default = "default_idle")]
    pub idle_timeout_minutes: u32,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

fn default_idle() -> u32 {
    4
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicIp {
    pub name: String,
    /// Known only after deployment; `None` keeps it symbolic.
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
    #[serde(default)]
    pub sku: Sku,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicIpPrefix {
    pub name: String,
    #[serde(default)]
    pub prefix: Option<Prefix>,
    /// Prefix length, when the prefix itself is not yet known (a /28 gives 16 addresses).
    #[serde(default)]
    pub prefix_length: Option<u8>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    pub name: String,
    #[serde(default)]
    pub sku: Sku,
    /// Frontend public IPs used by the outbound rule; empty means no outbound rule.
    #[serde(default)]
    pub outbound_public_ips: Vec<String>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// Resolve a public IP name to its address, when known.
pub fn public_ip_address(ips: &[PublicIp], name: &str) -> Option<Ipv4Addr> {
    ips.iter().find(|p| p.name == name).and_then(|p| p.ip)
}
