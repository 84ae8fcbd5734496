//! The broken variants of the reference patterns, each drawn from a real failure report
//! (databricks-net-facts §8) or a documented rule (databricks-net-facts, azure-net-semantics). One
//! builder per variant, shared by `scenarios.rs` (what `check` says about it) and `simulate.rs` (how a
//! cluster launch on it ends), so each mutation is written once.
//!
//! Two variants are about users, not clusters ([`full_private_users_outside_the_private_network`],
//! [`non_pl_blocked_user_address`]): they stay check-only, since no cluster launch crosses their flows.

use super::{pattern, ws};
use adbflow_model::{
    Access, AddressSpec, ConnectionState, Direction, DnsZoneLink, Estate, FirewallRule, IpAccessList,
    IpAccessListType, NextHopType, NsgRule, PortRange, PortSet, PrivateDnsZone, Protocol, RequiredNsgRules,
    Route, RouteDestination, RouteTable,
};

/// An outbound NSG rule from the VirtualNetwork tag to the service tag `dest`.
pub fn nsg_rule(name: &str, priority: u32, access: Access, dest: &str, ports: PortSet) -> NsgRule {
    NsgRule {
        name: name.into(),
        priority,
        direction: Direction::Outbound,
        access,
        protocol: if ports == PortSet::Any { Protocol::Any } else { Protocol::Tcp },
        source: Some(AddressSpec::Tag("VirtualNetwork".into())),
        source_asgs: vec![],
        source_ports: PortSet::Any,
        destination: Some(AddressSpec::Tag(dest.into())),
        destination_asgs: vec![],
        destination_ports: ports,
        description: None,
        managed_by: None,
        origin: None,
    }
}

/// The rules of the firewall-policy rule collection named `collection` (application or network).
pub fn fw_rules<'a>(e: &'a mut Estate, collection: &str) -> &'a mut Vec<FirewallRule> {
    &mut e
        .firewall_policies
        .iter_mut()
        .flat_map(|p| p.rule_collection_groups.iter_mut())
        .flat_map(|g| g.rule_collections.iter_mut())
        .find(|c| c.name == collection)
        .unwrap_or_else(|| panic!("no rule collection {collection}"))
        .rules
}

fn single(port: u16) -> PortSet {
    PortSet::Ranges(vec![PortRange::single(port)])
}

/// databricks-net-facts §3 (S6: "an egress device with a public IP address is needed") and
/// azure-net-semantics §4.4: the non-pl container subnet without its NAT gateway has no way out.
pub fn non_pl_container_without_nat() -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    e.vnets[0].subnets.iter_mut().find(|s| s.name == "container").unwrap().nat_gateway = None;
    e
}

/// databricks-net-facts §3b: with UDR 0/0 to the hub firewall, the relay needs an application rule;
/// here the `scc-relay` rule is gone.
pub fn hub_spoke_without_relay_rule() -> Estate {
    let mut e = pattern("hub-spoke", "eastus2");
    fw_rules(&mut e, "databricks-application").retain(|r| r.name != "scc-relay");
    e
}

/// databricks-net-facts §8 (pip install failures, microsoft/AzureTRE#3694) and azure-net-semantics
/// §7.4: the hub firewall's PyPI rule says `*.pypi.org`, which does not match the apex `pypi.org`.
pub fn hub_spoke_wildcard_pypi_rule() -> Estate {
    let mut e = pattern("hub-spoke", "eastus2");
    let pypi = fw_rules(&mut e, "package-repositories").iter_mut().find(|r| r.name == "pypi").unwrap();
    pypi.target_fqdns = vec!["*.pypi.org".into(), "files.pythonhosted.org".into()];
    e
}

/// databricks-net-facts §8 (pip install failures): the hub firewall has no PyPI rule at all.
pub fn hub_spoke_without_pypi_rule() -> Estate {
    let mut e = pattern("hub-spoke", "eastus2");
    fw_rules(&mut e, "package-repositories").retain(|r| r.name != "pypi");
    e
}

/// databricks-net-facts §8 (DNS, MicrosoftDocs/azure-docs#103755): a private zone named
/// mysql.database.azure.com linked to the VNet hijacks the metastore name.
pub fn non_pl_mysql_zone_hijacks_the_metastore() -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    e.private_dns_zones.push(PrivateDnsZone {
        name: "mysql.database.azure.com".into(),
        records: vec![],
        links: vec![DnsZoneLink {
            vnet: "adb-vnet".into(),
            registration_enabled: false,
            resolution_policy: Default::default(),
            origin: None,
        }],
        origin: None,
    });
    e
}

/// databricks-net-facts §8 (storage 403, MicrosoftDocs/azure-docs#80464): the data lake's storage
/// firewall lists the host subnet but not the container subnet.
pub fn non_pl_storage_firewall_without_the_container_subnet() -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    e.storage_accounts.iter_mut().find(|s| s.name == "adbdatalake").unwrap().virtual_network_rules =
        vec!["adb-vnet/host".into()];
    e
}

/// azure-net-semantics §6.1: the privatelink.dfs zone is not linked, so the VNet gets the public
/// answer for a DBFS root whose public access is disabled.
pub fn full_private_unlinked_dfs_zone() -> Estate {
    let mut e = pattern("full-private", "eastus2");
    e.private_dns_zones
        .iter_mut()
        .find(|z| z.name == "privatelink.dfs.core.windows.net")
        .unwrap()
        .links
        .clear();
    e
}

/// databricks-net-facts §8 (DNS, MicrosoftDocs/azure-docs#52423, #54124): the VNet uses a custom DNS
/// server the subnets cannot reach.
pub fn non_pl_unreachable_custom_dns() -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    e.vnets[0].dns_servers = vec!["192.168.50.10".parse().unwrap()];
    e
}

/// databricks-net-facts §2 and §8 (ports change, terraform-databricks-examples#174): self-managed NSG
/// rules that allow AzureDatabricks on 443 only, without the January 2025 ports 3306 and 8443–8451,
/// and deny the rest of the internet.
pub fn non_pl_self_managed_rules_without_the_new_ports() -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).required_nsg_rules = RequiredNsgRules::NoAzureDatabricksRules;
    e.nsgs[0].rules.push(nsg_rule("allow-adb-443", 200, Access::Allow, "AzureDatabricks", single(443)));
    e.nsgs[0].rules.push(nsg_rule("deny-internet", 4000, Access::Deny, "Internet", PortSet::Any));
    e
}

/// azure-net-semantics §2 (priority order, first match): a custom deny-internet rule below
/// Databricks' priority-100 rules.
pub fn non_pl_custom_nsg_deny_internet() -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    e.nsgs[0].rules.push(nsg_rule("deny-internet-out", 4000, Access::Deny, "Internet", PortSet::Any));
    e
}

/// databricks-net-facts §1 (S27, S13): both injected subnets need an NSG; the host subnet has none.
pub fn non_pl_host_subnet_without_nsg() -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    e.vnets[0].subnets.iter_mut().find(|s| s.name == "host").unwrap().nsg = None;
    e
}

/// azure-net-semantics §6: only Approved private-endpoint connections pass traffic; the back-end
/// endpoint is still Pending.
pub fn full_private_pending_back_end_endpoint() -> Estate {
    let mut e = pattern("full-private", "eastus2");
    e.private_endpoints.iter_mut().find(|p| p.name == "adb-backend-pe").unwrap().connection_state =
        ConnectionState::Pending;
    e
}

/// databricks-net-facts §5 (hashicorp/terraform#32346): public access disabled and no user subnet, so
/// users are outside the private network. Check-only: a user flow, not a cluster launch.
pub fn full_private_users_outside_the_private_network() -> Estate {
    let mut e = pattern("full-private", "eastus2");
    ws(&mut e).user_subnet = None;
    e
}

/// databricks-net-facts §8 (firewall/UDR blackhole, MicrosoftDocs/azure-docs#43679): forced
/// tunnelling 0/0 into a black hole on every subnet.
pub fn non_pl_forced_tunnel_black_hole() -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    add_black_hole_route_table(&mut e);
    for s in &mut e.vnets[0].subnets {
        s.route_table = Some("forced-tunnel".into());
    }
    e
}

/// databricks-net-facts §5: IP access lists apply to requests over the public internet; the user's
/// address is in a block list. Check-only: a user flow, not a cluster launch.
pub fn non_pl_blocked_user_address() -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).user_public_ip = Some("198.51.100.7".parse().unwrap());
    ws(&mut e).ip_access_lists.push(IpAccessList {
        name: "blocked".into(),
        list_type: IpAccessListType::Block,
        ip_addresses: vec!["198.51.100.0/24".to_string().try_into().unwrap()],
        enabled: true,
        origin: None,
    });
    e
}

/// databricks-net-facts §3b: the hub firewall's web-app network rule needs 443 and 8443–8451; here it
/// has 443 only.
pub fn hub_spoke_webapp_rule_without_the_new_ports() -> Estate {
    let mut e = pattern("hub-spoke", "eastus2");
    fw_rules(&mut e, "databricks-network")
        .iter_mut()
        .find(|r| r.name == "webapp")
        .unwrap()
        .destination_ports = Some(single(443));
    e
}

/// azure-net-semantics §7.4: FQDNs in network rules need the firewall's DNS proxy; the proxy is off
/// and the spoke uses Azure DNS.
pub fn hub_spoke_network_rule_fqdns_without_dns_proxy() -> Estate {
    let mut e = pattern("hub-spoke", "eastus2");
    e.firewall_policies[0].dns_proxy = false;
    e.vnets.iter_mut().find(|v| v.name == "adb-spoke").unwrap().dns_servers.clear();
    e
}

/// non-pl with both injected subnets cut to `/prefix_len` (capacity: 2^(32−p) − 5 nodes).
pub fn non_pl_with_subnets_of(prefix_len: u8) -> Estate {
    let mut e = pattern("non-pl", "eastus2");
    for s in &mut e.vnets[0].subnets {
        let base = s.prefix.0.network();
        s.prefix = adbflow_model::Prefix(ipnet::Ipv4Net::new(base, prefix_len).unwrap());
    }
    e
}

/// Adds route table `forced-tunnel`: 0.0.0.0/0 to next hop None (associate it to use it).
pub fn add_black_hole_route_table(e: &mut Estate) {
    e.route_tables.push(RouteTable {
        name: "forced-tunnel".into(),
        disable_bgp_route_propagation: false,
        routes: vec![Route {
            name: "blackhole".into(),
            address_prefix: RouteDestination::Prefix("0.0.0.0/0".parse().unwrap()),
            next_hop_type: NextHopType::None,
            next_hop_ip: None,
            origin: None,
        }],
        origin: None,
    });
}
