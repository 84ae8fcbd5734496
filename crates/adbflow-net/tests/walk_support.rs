//! Builders shared by the walk tests (included with `#[path]`): a spoke VNet in the native
//! format and the elements most scenarios add to it.
#![allow(dead_code)]

use adbflow_import::{load_str, Format};
use adbflow_model::Protocol;
use adbflow_net::{FlowSpec, Network, ReasonCode, ServiceTags, Trace, Verdict};

/// A spoke VNet with one workload subnet, used by most scenarios; `extra` adds elements and
/// `subnet_extra` adds keys to the workload subnet.
pub fn spoke(subnet_extra: &str, extra: &str) -> String {
    format!(
        r#"
region = "eastus2"

[[vnets]]
name = "spoke"
address_space = ["10.1.0.0/16"]

[[vnets.subnets]]
name = "work"
prefix = "10.1.1.0/24"
{subnet_extra}

[[vnets.subnets]]
name = "pe"
prefix = "10.1.2.0/24"

{extra}
"#
    )
}

pub fn net(toml: &str) -> Network {
    let loaded = load_str(toml, "scenario.toml", Format::NativeToml).unwrap_or_else(|e| panic!("{e}"));
    Network::new(loaded.estate, ServiceTags::symbolic())
}

pub fn trace(net: &Network, from: &str, to: &str, port: u16) -> Trace {
    net.trace(&FlowSpec { from_subnet: from.into(), to_host: to.into(), port, protocol: Protocol::Tcp })
}

pub fn assert_blocked(t: &Trace, code: ReasonCode, element_id: &str) {
    assert_eq!(t.verdict, Verdict::Blocked, "expected blocked: {t:#?}");
    let b = t.blocked_by.as_ref().expect("blocked_by");
    assert_eq!(b.reason_code, code, "{t:#?}");
    assert_eq!(b.element.id, element_id, "{t:#?}");
}

pub const NAT: &str = r#"
[[nat_gateways]]
name = "nat"
public_ips = ["nat-ip"]

[[public_ips]]
name = "nat-ip"
ip = "20.10.10.10"
"#;

pub const PYPI: &str = r#"
[[endpoints]]
fqdn = "pypi.org"
ips = ["151.101.0.223"]
"#;

pub const HUB_FIREWALL: &str = r#"
[[vnets]]
name = "hub"
address_space = ["10.0.0.0/16"]

[[vnets.subnets]]
name = "AzureFirewallSubnet"
prefix = "10.0.1.0/26"

[[peerings]]
name = "spoke-to-hub"
vnet = "spoke"
remote_vnet = "hub"

[[peerings]]
name = "hub-to-spoke"
vnet = "hub"
remote_vnet = "spoke"

[[route_tables]]
name = "spoke-rt"

[[route_tables.routes]]
name = "default-to-firewall"
address_prefix = "0.0.0.0/0"
next_hop_type = "VirtualAppliance"
next_hop_ip = "10.0.1.4"

[[firewalls]]
name = "fw"
vnet = "hub"
private_ip = "10.0.1.4"
public_ips = ["fw-ip"]
policy = "fw-policy"

[[public_ips]]
name = "fw-ip"
ip = "20.9.9.9"
"#;

pub fn firewall_policy(app_fqdns: &str, extra_rules: &str) -> String {
    format!(
        r#"
[[firewall_policies]]
name = "fw-policy"
dns_proxy = true

[[firewall_policies.rule_collection_groups]]
name = "spokes"
priority = 200

[[firewall_policies.rule_collection_groups.rule_collections]]
name = "allow-web"
priority = 300
kind = "Application"
action = "Allow"

[[firewall_policies.rule_collection_groups.rule_collections.rules]]
name = "python-packages"
source_addresses = ["10.1.0.0/16"]
protocols = ["Https:443"]
target_fqdns = [{app_fqdns}]

{extra_rules}
"#
    )
}

pub const STORAGE_FIREWALLED: &str = r#"
[[storage_accounts]]
name = "data"
default_action = "Deny"
ip_rules = ["20.10.10.10"]
"#;
