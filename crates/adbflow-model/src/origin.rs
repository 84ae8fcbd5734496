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
    /// `KIND:PART/PART/…`. Element IDs are built for every hop of every flow; concatenated into
    /// a string of the exact size they cost a fraction of `format!`.
    fn joined(kind: &str, parts: &[&str]) -> String {
        let len = kind.len() + parts.iter().map(|p| p.len() + 1).sum::<usize>();
        let mut id = String::with_capacity(len);
        id.push_str(kind);
        for (i, part) in parts.iter().enumerate() {
            id.push(if i == 0 { ':' } else { '/' });
            id.push_str(part);
        }
        id
    }

    pub fn vnet(vnet: &str) -> String {
        joined("vnet", &[vnet])
    }
    pub fn subnet(vnet: &str, subnet: &str) -> String {
        joined("subnet", &[vnet, subnet])
    }
    pub fn nsg(nsg: &str) -> String {
        joined("nsg", &[nsg])
    }
    pub fn nsg_rule(nsg: &str, rule: &str) -> String {
        joined("nsg-rule", &[nsg, rule])
    }
    pub fn route_table(rt: &str) -> String {
        joined("route-table", &[rt])
    }
    pub fn route(rt: &str, route: &str) -> String {
        joined("route", &[rt, route])
    }
    pub fn nat_gateway(nat: &str) -> String {
        joined("nat-gateway", &[nat])
    }
    pub fn public_ip(pip: &str) -> String {
        joined("public-ip", &[pip])
    }
    pub fn public_ip_prefix(p: &str) -> String {
        joined("public-ip-prefix", &[p])
    }
    pub fn load_balancer(lb: &str) -> String {
        joined("load-balancer", &[lb])
    }
    pub fn peering(vnet: &str, peering: &str) -> String {
        joined("peering", &[vnet, peering])
    }
    pub fn gateway(gw: &str) -> String {
        joined("gateway", &[gw])
    }
    pub fn private_endpoint(pe: &str) -> String {
        joined("private-endpoint", &[pe])
    }
    pub fn dns_zone(zone: &str) -> String {
        joined("private-dns-zone", &[zone])
    }
    pub fn dns_record(zone: &str, record: &str) -> String {
        joined("dns-record", &[zone, record])
    }
    pub fn dns_link(zone: &str, vnet: &str) -> String {
        joined("dns-link", &[zone, vnet])
    }
    pub fn endpoint(fqdn: &str) -> String {
        joined("endpoint", &[fqdn])
    }
    pub fn firewall(fw: &str) -> String {
        joined("firewall", &[fw])
    }
    pub fn firewall_policy(p: &str) -> String {
        joined("firewall-policy", &[p])
    }
    pub fn firewall_rule(policy: &str, group: &str, collection: &str, rule: &str) -> String {
        joined("firewall-rule", &[policy, group, collection, rule])
    }
    pub fn ip_group(g: &str) -> String {
        joined("ip-group", &[g])
    }
    pub fn storage_account(sa: &str) -> String {
        joined("storage-account", &[sa])
    }
    pub fn service_endpoint_policy(p: &str) -> String {
        joined("service-endpoint-policy", &[p])
    }
    pub fn asg(a: &str) -> String {
        joined("asg", &[a])
    }
}

#[cfg(test)]
mod tests {
    use super::ids;

    // IDs are part of every report's contract (`decided_by.id`): kind, colon, parts joined by '/'.
    #[test]
    fn element_ids_join_kind_and_parts() {
        assert_eq!(ids::vnet("hub"), "vnet:hub");
        assert_eq!(
            ids::nsg_rule("spoke-nsg", "AllowAzureDatabricks"),
            "nsg-rule:spoke-nsg/AllowAzureDatabricks"
        );
        assert_eq!(ids::firewall_rule("pol", "grp", "coll", "r1"), "firewall-rule:pol/grp/coll/r1");
        assert_eq!(ids::service_endpoint_policy(""), "service-endpoint-policy:");
        assert_eq!(
            ids::dns_record("privatelink.blob.core.windows.net", "sa"),
            "dns-record:privatelink.blob.core.windows.net/sa"
        );
    }
}
