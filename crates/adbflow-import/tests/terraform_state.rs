//! A hub-spoke state (`terraform show -json`, azurerm 3.x spellings) with concrete values: every
//! link goes by Azure resource ID, and the VNets' and NSG's computed lists echo subnets and rules
//! that separate resources manage. It must read as the same estate written natively.

#[path = "terraform_support.rs"]
mod support;

use adbflow_import::terraform::{from_json, TerraformKind};
use adbflow_model::{Estate, Origin, PrivateEndpointNetworkPolicies};
use support::*;

const STATE: &str = include_str!("fixtures/terraform/hub-spoke.state.json");
const FILE: &str = "hub-spoke.state.json";

/// The state's estate in adbflow's native format (elements in Terraform's address order).
const NATIVE: &str = r#"
region = "eastus2"

[[vnets]]
name = "hub-vnet"
address_space = ["10.100.0.0/16"]
subnets = [{ name = "AzureFirewallSubnet", prefix = "10.100.0.0/26", private_endpoint_network_policies = "Enabled" }]

[[vnets]]
name = "shared-vnet"
address_space = ["10.50.0.0/16"]
subnets = [{ name = "dns", prefix = "10.50.0.0/24", nsg = "shared-nsg", nat_gateway = "shared-nat", application_security_groups = ["dns-servers"] }]

[[vnets]]
name = "spoke-vnet"
address_space = ["10.1.0.0/16"]
dns_servers = ["10.100.0.4"]

[[vnets.subnets]]
name = "container"
prefix = "10.1.1.0/24"
nsg = "spoke-nsg"
route_table = "spoke-rt"
service_endpoints = ["Microsoft.Storage"]
service_endpoint_policies = ["adb-sep"]
delegation = "Microsoft.Databricks/workspaces"
private_endpoint_network_policies = "Enabled"

[[vnets.subnets]]
name = "host"
prefix = "10.1.0.0/24"
nsg = "spoke-nsg"
route_table = "spoke-rt"
service_endpoints = ["Microsoft.Storage"]
service_endpoint_policies = ["adb-sep"]
delegation = "Microsoft.Databricks/workspaces"
private_endpoint_network_policies = "Enabled"

[[vnets.subnets]]
name = "private-endpoints"
prefix = "10.1.2.0/24"

[[nsgs]]
name = "shared-nsg"
rules = [
    { name = "allow-dns", priority = 100, direction = "Inbound", access = "Allow", protocol = "Udp", source = "VirtualNetwork", destination_asgs = ["dns-servers"], destination_ports = "53" },
]

[[nsgs]]
name = "spoke-nsg"
rules = [
    { name = "allow-azure-databricks", priority = 100, direction = "Outbound", access = "Allow", protocol = "Tcp", source = "VirtualNetwork", destination = "AzureDatabricks", destination_ports = "443", description = "Control plane" },
    { name = "allow-onprem-admin", priority = 200, direction = "Inbound", access = "Allow", protocol = "Tcp", source = ["10.10.0.0/16", "192.168.0.0/16"], destination = "VirtualNetwork", destination_ports = ["22", "8443-8451"] },
    { name = "deny-internet-outbound", priority = 4000, direction = "Outbound", access = "Deny", protocol = "*", source = "*", destination = "Internet" },
]

[[application_security_groups]]
name = "dns-servers"

[[route_tables]]
name = "spoke-rt"
disable_bgp_route_propagation = true
routes = [{ name = "to-firewall", address_prefix = "0.0.0.0/0", next_hop_type = "VirtualAppliance", next_hop_ip = "10.100.0.4" }]

[[nat_gateways]]
name = "shared-nat"
idle_timeout_minutes = 10
public_ips = ["shared-nat-pip"]
public_ip_prefixes = ["shared-nat-prefix"]

[[public_ips]]
name = "hub-fw-pip"
ip = "20.10.0.4"

[[public_ips]]
name = "shared-nat-pip"
ip = "20.10.0.9"

[[public_ip_prefixes]]
name = "shared-nat-prefix"
prefix = "20.9.8.0/30"
prefix_length = 30

[[peerings]]
name = "hub-to-spoke"
vnet = "hub-vnet"
remote_vnet = "spoke-vnet"
allow_forwarded_traffic = true

[[peerings]]
name = "spoke-to-hub"
vnet = "spoke-vnet"
remote_vnet = "hub-vnet"
allow_forwarded_traffic = true

[[private_endpoints]]
name = "lake-dfs-pe"
subnet = "spoke-vnet/private-endpoints"
ip = "10.1.2.4"
target = "adbdatalake"
subresource = "dfs"

[[private_dns_zones]]
name = "corp.example"
records = [{ name = "mirror", ips = ["10.50.0.10"] }]
links = [{ vnet = "spoke-vnet" }]

[[private_dns_zones]]
name = "privatelink.dfs.core.windows.net"
records = [{ name = "adbdatalake", ips = ["10.1.2.4"] }]
links = [{ vnet = "spoke-vnet" }]

[[service_endpoint_policies]]
name = "adb-sep"
allowed_storage_accounts = ["adbdatalake"]
allowed_aliases = ["/services/Azure/Databricks"]

[[firewalls]]
name = "hub-fw"
vnet = "hub-vnet"
private_ip = "10.100.0.4"
public_ips = ["hub-fw-pip"]
policy = "hub-fw-policy"

[[firewall_policies]]
name = "hub-fw-policy"
dns_proxy = true
threat_intel_mode = "Deny"

[[firewall_policies.rule_collection_groups]]
name = "databricks-rcg"
priority = 200

[[firewall_policies.rule_collection_groups.rule_collections]]
name = "databricks-control-plane"
priority = 100
kind = "Network"
action = "Allow"
rules = [
    { name = "scc-relay", protocols = ["TCP"], source_ip_groups = ["spoke-ranges"], destination_addresses = ["AzureDatabricks"], destination_ports = ["443"] },
    { name = "metastore", protocols = ["TCP"], source_addresses = ["10.1.0.0/16"], destination_fqdns = ["consolidated-eastus2-prod-metastore.mysql.database.azure.com"], destination_ports = ["3306"] },
]

[[firewall_policies.rule_collection_groups.rule_collections]]
name = "libraries"
priority = 200
kind = "Application"
action = "Allow"
rules = [{ name = "pypi", protocols = ["Https:443"], source_addresses = ["10.1.0.0/16"], target_fqdns = ["pypi.org", "*.pythonhosted.org"] }]

[[ip_groups]]
name = "spoke-ranges"
prefixes = ["10.1.0.0/16"]

[[storage_accounts]]
name = "adbdatalake"
hns = true
public_network_access = "Disabled"
default_action = "Deny"
virtual_network_rules = ["spoke-vnet/container", "spoke-vnet/host"]
ip_rules = ["203.0.113.0/24"]
bypass = ["AzureServices"]
"#;

fn imported() -> (Estate, Vec<adbflow_model::Diagnostic>) {
    let t = from_json(STATE, FILE).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.kind, TerraformKind::State);
    (t.estate, t.warnings)
}

#[test]
fn the_state_maps_to_the_native_estate() {
    let native: Estate = toml::from_str(NATIVE).unwrap();
    assert_eq!(without_origins(&imported().0), without_origins(&native));
}

// Elements that came from separate resources point at those resources, not at the VNet or NSG
// whose computed list echoed them.
#[test]
fn echoed_elements_keep_their_own_resource_address() {
    let (e, _) = imported();
    let at = |a: &str| Some(Origin::Address { file: FILE.into(), address: a.into() });
    let host = e.subnet("spoke-vnet/host").unwrap().subnet;
    assert_eq!(host.origin, at("azurerm_subnet.host"));
    let dns = e.subnet("shared-vnet/dns").unwrap().subnet;
    assert_eq!(
        dns.origin,
        at("azurerm_virtual_network.shared"),
        "an inline subnet belongs to its VNet resource"
    );
    let rule = e.nsg("spoke-nsg").unwrap().rules.iter().find(|r| r.name == "allow-azure-databricks").unwrap();
    assert_eq!(rule.origin, at("azurerm_network_security_rule.allow_adb"));
    assert_eq!(e.firewall("hub-fw").unwrap().origin, at("azurerm_firewall.hub"));
    let record = &e.private_dns_zone("privatelink.dfs.core.windows.net").unwrap().records[0];
    // Azure writes that record because of the endpoint's `private_dns_zone_group`.
    assert_eq!(record.origin, at("azurerm_private_endpoint.lake_dfs"));
}

// azurerm 3.x: `private_endpoint_network_policies_enabled = false` is the Disabled setting.
#[test]
fn three_x_private_endpoint_policy_flag_is_read() {
    let (e, _) = imported();
    let pe = e.subnet("spoke-vnet/private-endpoints").unwrap().subnet;
    assert_eq!(pe.private_endpoint_network_policies, PrivateEndpointNetworkPolicies::Disabled);
    let host = e.subnet("spoke-vnet/host").unwrap().subnet;
    assert_eq!(host.private_endpoint_network_policies, PrivateEndpointNetworkPolicies::Enabled);
}

#[test]
fn state_warnings_name_what_was_not_modelled() {
    let (_, w) = imported();
    assert!(warned(&w, "terraform-ignored-type", &["1 × azurerm_key_vault", "azurerm_key_vault.secrets"]));
    assert!(warned(&w, "terraform-ignored-type", &["1 × data.azurerm_client_config"]));
    assert!(warned(&w, "terraform-ignored-type", &["1 × azurerm_network_interface"]));
    assert!(warned(&w, "terraform-cname-not-modelled", &["pypi.corp.example", "mirror.corp.example"]));
    assert!(warned(
        &w,
        "terraform-asg-approximated",
        &["shared-vnet/dns", "dns-servers", "azurerm_network_interface.dns"]
    ));
    assert_eq!(w.len(), 5, "{w:#?}");
}
