//! The estate: every configuration element of a deployment, as read from one input.

use crate::egress::{LoadBalancer, NatGateway, PublicIp, PublicIpPrefix};
use crate::firewall::{Firewall, FirewallPolicy, IpGroup};
use crate::network::{Gateway, Peering, Subnet, VNet};
use crate::nsg::{ApplicationSecurityGroup, Nsg};
use crate::origin::Origin;
use crate::privatelink::{Endpoint, PrivateDnsZone, PrivateEndpoint, ServiceEndpointPolicy};
use crate::routing::RouteTable;
use crate::storage::StorageAccount;
use crate::workload::Workload;
use crate::workspace::Workspace;
use serde::{Deserialize, Serialize};

/// The region used when neither the input nor the command line names one.
pub const DEFAULT_REGION: &str = "eastus2";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Estate {
    /// A human name for the deployment.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The deployment's Azure region; elements without their own region inherit it.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub vnets: Vec<VNet>,
    #[serde(default)]
    pub nsgs: Vec<Nsg>,
    #[serde(default)]
    pub application_security_groups: Vec<ApplicationSecurityGroup>,
    #[serde(default)]
    pub route_tables: Vec<RouteTable>,
    #[serde(default)]
    pub nat_gateways: Vec<NatGateway>,
    #[serde(default)]
    pub public_ips: Vec<PublicIp>,
    #[serde(default)]
    pub public_ip_prefixes: Vec<PublicIpPrefix>,
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancer>,
    #[serde(default)]
    pub peerings: Vec<Peering>,
    #[serde(default)]
    pub gateways: Vec<Gateway>,
    #[serde(default)]
    pub private_endpoints: Vec<PrivateEndpoint>,
    #[serde(default)]
    pub private_dns_zones: Vec<PrivateDnsZone>,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    #[serde(default)]
    pub service_endpoint_policies: Vec<ServiceEndpointPolicy>,
    #[serde(default)]
    pub firewalls: Vec<Firewall>,
    #[serde(default)]
    pub firewall_policies: Vec<FirewallPolicy>,
    #[serde(default)]
    pub ip_groups: Vec<IpGroup>,
    #[serde(default)]
    pub storage_accounts: Vec<StorageAccount>,
    #[serde(default)]
    pub workspaces: Vec<Workspace>,
    /// How the deployment is used, for `cost` and `capacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<Workload>,
    /// Where the estate as a whole was read from (the input file).
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// A subnet together with the VNet it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct SubnetRef<'a> {
    pub vnet: &'a VNet,
    pub subnet: &'a Subnet,
}

impl SubnetRef<'_> {
    /// `VNET/SUBNET`, the form the CLI and cross-references use.
    pub fn path(&self) -> String {
        // Built directly: a walk asks for it at every hop, and `format!` cost ten times as much.
        let (vnet, subnet) = (&self.vnet.name, &self.subnet.name);
        let mut path = String::with_capacity(vnet.len() + 1 + subnet.len());
        path.push_str(vnet);
        path.push('/');
        path.push_str(subnet);
        path
    }
}

macro_rules! finder {
    ($fn:ident, $field:ident, $ty:ty) => {
        pub fn $fn(&self, name: &str) -> Option<&$ty> {
            self.$field.iter().find(|x| x.name == name)
        }
    };
}

impl Estate {
    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(DEFAULT_REGION)
    }

    pub fn vnet_region<'a>(&'a self, vnet: &'a VNet) -> &'a str {
        vnet.region.as_deref().unwrap_or(self.region())
    }

    finder!(vnet, vnets, VNet);
    finder!(nsg, nsgs, Nsg);
    finder!(route_table, route_tables, RouteTable);
    finder!(nat_gateway, nat_gateways, NatGateway);
    finder!(public_ip, public_ips, PublicIp);
    finder!(public_ip_prefix, public_ip_prefixes, PublicIpPrefix);
    finder!(load_balancer, load_balancers, LoadBalancer);
    finder!(gateway, gateways, Gateway);
    finder!(private_endpoint, private_endpoints, PrivateEndpoint);
    finder!(private_dns_zone, private_dns_zones, PrivateDnsZone);
    finder!(service_endpoint_policy, service_endpoint_policies, ServiceEndpointPolicy);
    finder!(firewall, firewalls, Firewall);
    finder!(firewall_policy, firewall_policies, FirewallPolicy);
    finder!(ip_group, ip_groups, IpGroup);
    finder!(storage_account, storage_accounts, StorageAccount);
    finder!(asg, application_security_groups, ApplicationSecurityGroup);
    finder!(workspace, workspaces, Workspace);

    /// Look a subnet up by `VNET/SUBNET`.
    pub fn subnet(&self, path: &str) -> Option<SubnetRef<'_>> {
        let (v, s) = path.split_once('/')?;
        let vnet = self.vnet(v)?;
        let subnet = vnet.subnets.iter().find(|x| x.name == s)?;
        Some(SubnetRef { vnet, subnet })
    }

    pub fn subnets(&self) -> impl Iterator<Item = SubnetRef<'_>> {
        self.vnets.iter().flat_map(|vnet| vnet.subnets.iter().map(move |subnet| SubnetRef { vnet, subnet }))
    }

    /// The VNet whose address space holds `ip`, if any.
    pub fn vnet_containing(&self, ip: std::net::Ipv4Addr) -> Option<&VNet> {
        self.vnets.iter().find(|v| v.address_space.iter().any(|p| p.0.contains(&ip)))
    }

    /// The subnet whose prefix holds `ip`, if any.
    pub fn subnet_containing(&self, ip: std::net::Ipv4Addr) -> Option<SubnetRef<'_>> {
        self.subnets().find(|s| s.subnet.prefix.0.contains(&ip))
    }

    /// Peerings that are Connected: both directions exist. Returns the peering from `vnet`'s side.
    pub fn connected_peerings<'a>(&'a self, vnet: &'a str) -> impl Iterator<Item = &'a Peering> + 'a {
        self.peerings.iter().filter(move |p| {
            p.vnet == vnet
                && self.peerings.iter().any(|back| back.vnet == p.remote_vnet && back.remote_vnet == p.vnet)
        })
    }

    /// The peering from `remote` back to `vnet`, when it exists.
    pub fn reverse_peering(&self, p: &Peering) -> Option<&Peering> {
        self.peerings.iter().find(|b| b.vnet == p.remote_vnet && b.remote_vnet == p.vnet)
    }
}
