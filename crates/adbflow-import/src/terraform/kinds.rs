//! What each link attribute may point at: the Terraform types that create the element, the ARM
//! type of its ID, and how to tell whether the estate already holds it.

use super::context::SUBNET_ARM;
use super::links::Kind;
use adbflow_model::{
    ApplicationSecurityGroup, Firewall, FirewallPolicy, Gateway, IpGroup, NatGateway, Nsg, PrivateDnsZone,
    PublicIp, PublicIpPrefix, RouteTable, ServiceEndpointPolicy, StorageAccount, VNet,
};

pub(crate) const SUBNET: Kind =
    Kind { what: "subnet", tf: &["azurerm_subnet"], arm: SUBNET_ARM, exists: |p, e, n| p.holds_subnet(e, n) };
pub(crate) const VNET: Kind = Kind {
    what: "virtual network",
    tf: &["azurerm_virtual_network"],
    arm: "microsoft.network/virtualnetworks",
    exists: |p, e, n| p.holds::<VNet>(e, n),
};
pub(crate) const NSG: Kind = Kind {
    what: "network security group",
    tf: &["azurerm_network_security_group"],
    arm: "microsoft.network/networksecuritygroups",
    exists: |p, e, n| p.holds::<Nsg>(e, n),
};
pub(crate) const ASG: Kind = Kind {
    what: "application security group",
    tf: &["azurerm_application_security_group"],
    arm: "microsoft.network/applicationsecuritygroups",
    exists: |p, e, n| p.holds::<ApplicationSecurityGroup>(e, n),
};
pub(crate) const ROUTE_TABLE: Kind = Kind {
    what: "route table",
    tf: &["azurerm_route_table"],
    arm: "microsoft.network/routetables",
    exists: |p, e, n| p.holds::<RouteTable>(e, n),
};
pub(crate) const NAT_GATEWAY: Kind = Kind {
    what: "NAT gateway",
    tf: &["azurerm_nat_gateway"],
    arm: "microsoft.network/natgateways",
    exists: |p, e, n| p.holds::<NatGateway>(e, n),
};
pub(crate) const PUBLIC_IP: Kind = Kind {
    what: "public IP address",
    tf: &["azurerm_public_ip"],
    arm: "microsoft.network/publicipaddresses",
    exists: |p, e, n| p.holds::<PublicIp>(e, n),
};
pub(crate) const PUBLIC_IP_PREFIX: Kind = Kind {
    what: "public IP prefix",
    tf: &["azurerm_public_ip_prefix"],
    arm: "microsoft.network/publicipprefixes",
    exists: |p, e, n| p.holds::<PublicIpPrefix>(e, n),
};
pub(crate) const GATEWAY: Kind = Kind {
    what: "virtual network gateway",
    tf: &["azurerm_virtual_network_gateway"],
    arm: "microsoft.network/virtualnetworkgateways",
    exists: |p, e, n| p.holds::<Gateway>(e, n),
};
pub(crate) const DNS_ZONE: Kind = Kind {
    what: "private DNS zone",
    tf: &["azurerm_private_dns_zone"],
    arm: "microsoft.network/privatednszones",
    exists: |p, e, n| p.holds::<PrivateDnsZone>(e, n),
};
pub(crate) const FIREWALL: Kind = Kind {
    what: "firewall",
    tf: &["azurerm_firewall"],
    arm: "microsoft.network/azurefirewalls",
    exists: |p, e, n| p.holds::<Firewall>(e, n),
};
pub(crate) const FIREWALL_POLICY: Kind = Kind {
    what: "firewall policy",
    tf: &["azurerm_firewall_policy"],
    arm: "microsoft.network/firewallpolicies",
    exists: |p, e, n| p.holds::<FirewallPolicy>(e, n),
};
pub(crate) const IP_GROUP: Kind = Kind {
    what: "IP group",
    tf: &["azurerm_ip_group"],
    arm: "microsoft.network/ipgroups",
    exists: |p, e, n| p.holds::<IpGroup>(e, n),
};
pub(crate) const STORAGE_ACCOUNT: Kind = Kind {
    what: "storage account",
    tf: &["azurerm_storage_account"],
    arm: "microsoft.storage/storageaccounts",
    exists: |p, e, n| p.holds::<StorageAccount>(e, n),
};
pub(crate) const SERVICE_ENDPOINT_POLICY: Kind = Kind {
    what: "service endpoint policy",
    tf: &["azurerm_subnet_service_endpoint_storage_policy"],
    arm: "microsoft.network/serviceendpointpolicies",
    exists: |p, e, n| p.holds::<ServiceEndpointPolicy>(e, n),
};
