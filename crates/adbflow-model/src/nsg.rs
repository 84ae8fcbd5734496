//! Network security groups, their rules and application security groups.

use crate::origin::Origin;
use crate::spec::{AddressSpec, PortSet, Protocol};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nsg {
    pub name: String,
    #[serde(default)]
    pub rules: Vec<NsgRule>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Access {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NsgRule {
    pub name: String,
    /// 100–4096 for user rules; the defaults use 65000, 65001, 65500.
    pub priority: u32,
    pub direction: Direction,
    pub access: Access,
    pub protocol: Protocol,
    #[serde(default)]
    pub source: Option<AddressSpec>,
    #[serde(default)]
    pub source_asgs: Vec<String>,
    #[serde(default)]
    pub source_ports: PortSet,
    #[serde(default)]
    pub destination: Option<AddressSpec>,
    #[serde(default)]
    pub destination_asgs: Vec<String>,
    #[serde(default)]
    pub destination_ports: PortSet,
    #[serde(default)]
    pub description: Option<String>,
    /// Set when the platform (e.g. `Microsoft.Databricks`) owns this rule rather than the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl NsgRule {
    /// The rule's source: an explicit spec, or ASGs, or (when neither is written) `*`.
    pub fn source_spec(&self) -> AddressSpec {
        self.source.clone().unwrap_or(AddressSpec::Any)
    }
    pub fn destination_spec(&self) -> AddressSpec {
        self.destination.clone().unwrap_or(AddressSpec::Any)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSecurityGroup {
    pub name: String,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}
