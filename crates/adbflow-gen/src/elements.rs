//! Model elements with every optional field at Azure's default, so the generator's code reads
//! like the native file it writes.

use adbflow_model::{
    Access, AddressSpec, Direction, FirewallRule, NextHopType, NsgRule, PortRange, PortSet, Prefix, Protocol,
    Route, RouteDestination, StorageAccount, Subnet,
};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

pub(crate) fn net(addr: Ipv4Addr, len: u8) -> Ipv4Net {
    Ipv4Net::new(addr, len).expect("prefix lengths here are constants up to 32")
}

pub(crate) fn offset(base: Ipv4Addr, by: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(base) + by)
}

pub(crate) fn subnet(name: &str, prefix: Ipv4Net) -> Subnet {
    Subnet {
        name: name.to_string(),
        prefix: Prefix(prefix),
        nsg: None,
        route_table: None,
        nat_gateway: None,
        service_endpoints: Vec::new(),
        service_endpoint_policies: Vec::new(),
        delegation: None,
        default_outbound_access: true,
        private_endpoint_network_policies: Default::default(),
        instance_public_ip: None,
        load_balancer: None,
        application_security_groups: Vec::new(),
        origin: None,
    }
}

pub(crate) fn ports(list: &[(u16, u16)]) -> PortSet {
    if list.is_empty() {
        return PortSet::Any;
    }
    PortSet::Ranges(list.iter().map(|&(from, to)| PortRange { from, to }).collect())
}

/// An address side of an NSG rule: `*`, one tag, or prefixes.
pub(crate) enum Side {
    Any,
    Tag(&'static str),
    Nets(Vec<Ipv4Net>),
}

impl Side {
    fn spec(self) -> Option<AddressSpec> {
        Some(match self {
            Side::Any => AddressSpec::Any,
            Side::Tag(t) => AddressSpec::Tag(t.to_string()),
            Side::Nets(n) => AddressSpec::Prefixes(n),
        })
    }
}

pub(crate) struct Rule {
    pub name: String,
    pub priority: u32,
    pub direction: Direction,
    pub access: Access,
    pub protocol: Protocol,
    pub source: Side,
    pub destination: Side,
    pub ports: PortSet,
    pub description: &'static str,
}

impl From<Rule> for NsgRule {
    fn from(r: Rule) -> Self {
        NsgRule {
            name: r.name,
            priority: r.priority,
            direction: r.direction,
            access: r.access,
            protocol: r.protocol,
            source: r.source.spec(),
            source_asgs: Vec::new(),
            source_ports: PortSet::Any,
            destination: r.destination.spec(),
            destination_asgs: Vec::new(),
            destination_ports: r.ports,
            description: Some(r.description.to_string()),
            managed_by: None,
            origin: None,
        }
    }
}

pub(crate) fn udr(name: &str, to: RouteDestination, hop: NextHopType, ip: Option<Ipv4Addr>) -> Route {
    Route { name: name.to_string(), address_prefix: to, next_hop_type: hop, next_hop_ip: ip, origin: None }
}

pub(crate) fn fw_rule(name: &str) -> FirewallRule {
    FirewallRule {
        name: name.to_string(),
        source_addresses: Vec::new(),
        source_ip_groups: Vec::new(),
        protocols: Vec::new(),
        destination_addresses: Vec::new(),
        destination_ip_groups: Vec::new(),
        destination_fqdns: Vec::new(),
        destination_ports: None,
        target_fqdns: Vec::new(),
        fqdn_tags: Vec::new(),
        translated_address: None,
        translated_port: None,
        origin: None,
    }
}

/// An account as Databricks creates a DBFS root (hierarchical namespace, open to every network):
/// a spoke's DBFS root as it is, and the start its other accounts are closed from.
pub(crate) fn storage(name: &str, region: &str) -> StorageAccount {
    StorageAccount::assumed_dbfs_root(name.to_string(), Some(region.to_string()), None)
}

pub(crate) fn strings<const N: usize>(items: [&str; N]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
