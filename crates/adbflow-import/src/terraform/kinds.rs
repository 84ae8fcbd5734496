//! What each link attribute may point at: the Terraform types that create the element, the ARM
//! type of its ID, and how to tell whether the estate already holds it.

use super::context::SUBNET_ARM;
use super::links::Kind;

pub(crate) const SUBNET: Kind =
    Kind { what: "subnet", tf: &["azurerm_subnet"], arm: SUBNET_ARM, exists: |e, n| e.subnet(n).is_some() };
pub(crate) const VNET: Kind = Kind {
    what: "virtual network",
    tf: &["azurerm_virtual_network"],
    arm: "microsoft.network/virtualnetworks",
    exists: |e, n| e.vnet(n).is_some(),
};
pub(crate) const NSG: Kind = Kind {
    what: "network security group",
    tf: &["azurerm_network_security_group"],
    arm: "microsoft.network/networksecuritygroups",
    exists: |e, n| e.nsg(n).is_some(),
};
pub(crate) const ASG: Kind = Kind {
    what: "application security group",
    tf: &["azurerm_application_security_group"],
    arm: "microsoft.network/applicationsecuritygroups",
    exists: |e, n| e.asg(n).is_some(),
};
pub(crate) const ROUTE_TABLE: Kind = Kind {
    what: "route table",
    tf: &["azurerm_route_table"],
    arm: "microsoft.network/routetables",
    exists: |e, n| e.route_table(n).is_some(),
};
pub(crate) const NAT_GATEWAY: Kind = Kind {
    what: "NAT gateway",
    tf: &["azurerm_nat_gateway"],
    arm: "microsoft.network/natgateways",
    exists: |e, n| e.nat_gateway(n).is_some(),
};
pub(crate) const PUBLIC_IP: Kind = Kind {
    what: "public IP address",
    tf: &["azurerm_public_ip"],
    arm: "microsoft.network/publicipaddresses",
    exists: |e, n| e.public_ip(n).is_some(),
};
pub(crate) const PUBLIC_IP_PREFIX: Kind = Kind {
    what: "public IP prefix",
    tf: &["azurerm_public_ip_prefix"],
    arm: "microsoft.network/publicipprefixes",
    exists: |e, n| e.public_ip_prefix(n).is_some(),
};
pub(crate) const GATEWAY: Kind = Kind {
    what: "virtual network gateway",
    tf: &["azurerm_virtual_network_gateway"],
    arm: "microsoft.network/virtualnetworkgateways",
    exists: |e, n| e.gateway(n).is_some(),
};
pub(crate) const DNS_ZONE: Kind = Kind {
    what: "private DNS zone",
    tf: &["azurerm_private_dns_zone"],
    arm: "microsoft.network/privatednszones",
    exists: |e, n| e.private_dns_zone(n).is_some(),
};
pub(crate) const FIREWALL: Kind = Kind {
    what: "firewall",
    tf: &["azurerm_firewall"],
    arm: "microsoft.network/azurefirewalls",
    exists: |e, n| e.firewall(n).is_some(),
};
pub(crate) const FIREWALL_POLICY: Kind = Kind {
    what: "firewall policy",
    tf: &["azurerm_firewall_policy"],
    arm: "microsoft.network/firewallpolicies",
    exists: |e, n| e.firewall_policy(n).is_some(),
};
pub(crate) const IP_GROUP: Kind = Kind {
    what: "IP group",
    tf: &["azurerm_ip_group"],
    arm: "microsoft.network/ipgroups",
    exists: |e, n| e.ip_group(n).is_some(),
};
pub(crate) const STORAGE_ACCOUNT: Kind = Kind {
    what: "storage account",
    tf: &["azurerm_storage_account"],
    arm: "microsoft.storage/storageaccounts",
    exists: |e, n| e.storage_account(n).is_some(),
};
pub(crate) const SERVICE_ENDPOINT_POLICY: Kind = Kind {
    what: "service endpoint policy",
    tf: &["azurerm_subnet_service_endpoint_storage_policy"],
    arm: "microsoft.network/serviceendpointpolicies",
    exists: |e, n| e.service_endpoint_policy(n).is_some(),
};
