//! Where a configuration element was defined, and how answers refer to elements.

use crate::SharedStr;
use serde::Serialize;
use std::fmt;

/// The place a configuration element came from: a position in a file, or a resource address
/// (Terraform `module.x.azurerm_subnet.y`, an ARM resource ID) when the input has no useful
/// position, or the built-in element that Azure or Databricks adds on the user's behalf.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// A position in an input file; line and column are 1-based.
    File { file: SharedStr, line: u32, column: u32 },
    /// A location inside a file that has no line information (e.g. a JSON pointer).
    Path { file: SharedStr, path: SharedStr },
    /// A resource address such as `module.spoke.azurerm_subnet.host` or an ARM resource ID.
    Address { file: SharedStr, address: SharedStr },
    /// Added by the platform, not by the user (default routes, default NSG rules,
    /// Databricks-managed NSG rules); `by` names who adds it.
    Platform { by: SharedStr },
}

impl Origin {
    pub fn platform(by: impl Into<SharedStr>) -> Self {
        Origin::Platform { by: by.into() }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Origin::Path { file, path } => write!(f, "{file}#{path}"),
            Origin::Address { file, address } => write!(f, "{file}: {address}"),
            Origin::Platform { by } => write!(f, "added by {by}"),
        }
    }
}

/// A reference to the configuration element that decided something. Every verdict carries one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ElementRef {
    /// Stable identity, e.g. `nsg-rule:databricks-nsg/AllowAzureDatabricks`.
    pub id: SharedStr,
    /// The element's own name as the user (or platform) wrote it.
    pub name: SharedStr,
    /// Where it was defined; `None` only for elements the engine synthesises without a source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl ElementRef {
    pub fn new(id: impl Into<SharedStr>, name: impl Into<SharedStr>, origin: Option<Origin>) -> Self {
        ElementRef { id: id.into(), name: name.into(), origin }
    }
}

impl fmt::Display for ElementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.id)?;
        if let Some(o) = &self.origin {
            write!(f, " ({o})")?;
        }
        Ok(())
    }
}

/// Stable element identities. One function per element kind so every crate spells IDs the same.
pub mod ids {
    pub fn vnet(vnet: &str) -> String {
        format!("vnet:{vnet}")
    }
    pub fn subnet(vnet: &str, subnet: &str) -> String {
        format!("subnet:{vnet}/{subnet}")
    }
    pub fn nsg(nsg: &str) -> String {
        format!("nsg:{nsg}")
    }
    pub fn nsg_rule(nsg: &str, rule: &str) -> String {
        format!("nsg-rule:{nsg}/{rule}")
    }
    pub fn route_table(rt: &str) -> String {
        format!("route-table:{rt}")
    }
    pub fn route(rt: &str, route: &str) -> String {
        format!("route:{rt}/{route}")
    }
    pub fn nat_gateway(nat: &str) -> String {
        format!("nat-gateway:{nat}")
    }
    pub fn public_ip(pip: &str) -> String {
        format!("public-ip:{pip}")
    }
    pub fn public_ip_prefix(p: &str) -> String {
        format!("public-ip-prefix:{p}")
    }
    pub fn load_balancer(lb: &str) -> String {
        format!("load-balancer:{lb}")
    }
    pub fn peering(vnet: &str, peering: &str) -> String {
        format!("peering:{vnet}/{peering}")
    }
    pub fn gateway(gw: &str) -> String {
        format!("gateway:{gw}")
    }
    pub fn private_endpoint(pe: &str) -> String {
        format!("private-endpoint:{pe}")
    }
    pub fn dns_zone(zone: &str) -> String {
        format!("private-dns-zone:{zone}")
    }
    pub fn dns_record(zone: &str, record: &str) -> String {
        format!("dns-record:{zone}/{record}")
    }
    pub fn dns_link(zone: &str, vnet: &str) -> String {
        format!("dns-link:{zone}/{vnet}")
    }
    pub fn endpoint(fqdn: &str) -> String {
        format!("endpoint:{fqdn}")
    }
    pub fn firewall(fw: &str) -> String {
        format!("firewall:{fw}")
    }
    pub fn firewall_policy(p: &str) -> String {
        format!("firewall-policy:{p}")
    }
    pub fn firewall_rule(policy: &str, group: &str, collection: &str, rule: &str) -> String {
        format!("firewall-rule:{policy}/{group}/{collection}/{rule}")
    }
    pub fn ip_group(g: &str) -> String {
        format!("ip-group:{g}")
    }
    pub fn storage_account(sa: &str) -> String {
        format!("storage-account:{sa}")
    }
    pub fn service_endpoint_policy(p: &str) -> String {
        format!("service-endpoint-policy:{p}")
    }
    pub fn asg(a: &str) -> String {
        format!("asg:{a}")
    }
}
