//! The smallest-fix suggestions for the broken variants of `scenarios.rs`, given the verdict the walk
//! is expected to return (made by hand here, so these hold whatever the walk does).

mod common;

use adbflow_databricks::check::evaluate;
use adbflow_databricks::plan::SourceRole::{Container, Host};
use adbflow_databricks::{builtin_regions, prepare, CheckReport, FlowId};
use adbflow_model::{
    Access, AddressSpec, Direction, Estate, NsgRule, PortRange, PortSet, Protocol, RequiredNsgRules,
};
use adbflow_net::{Egress, FlowSpec, ReasonCode, Trace};
use common::*;

/// Walk `e` with every flow delivered except those `block` answers for.
fn with(e: &Estate, block: impl Fn(&FlowSpec) -> Option<Trace>) -> CheckReport {
    let p = prepare(e, builtin_regions(), None).unwrap();
    evaluate(&p, |f| block(f).unwrap_or_else(|| delivered(f, Egress::NatGateway, "allow")))
}

fn fix_of(r: &CheckReport, id: FlowId, role: adbflow_databricks::plan::SourceRole) -> (String, String) {
    let f = flow(r, id, role).fix.clone().expect("a blocked flow has a fix");
    (f.action, f.element.map(|e| e.id).unwrap_or_default().to_string())
}

// azure-net-semantics §7.4: the fix names the wildcard rule and the apex it misses.
#[test]
fn wildcard_rule_fix_names_the_rule() {
    let mut e = pattern("hub-spoke", "eastus2");
    let rules = &mut e.firewall_policies[0].rule_collection_groups[1].rule_collections[0].rules;
    rules[0].target_fqdns = vec!["*.pypi.org".into()];
    let r = with(&e, |f| {
        (f.to_host == "pypi.org").then(|| blocked(f, ReasonCode::FirewallDenied, "firewall:hub-fw"))
    });
    let (action, el) = fix_of(&r, FlowId::Pypi, Host);
    assert_eq!(el, "firewall-rule:hub-fw-policy/libraries/package-repositories/pypi");
    assert!(action.starts_with("add 'pypi.org' to application rule 'pypi'"), "{action}");
    // Without a near-miss wildcard, the fix is a new application rule in the policy.
    let e = pattern("hub-spoke", "eastus2");
    let r = with(&e, |f| {
        f.to_host
            .starts_with("tunnel.")
            .then(|| blocked(f, ReasonCode::FirewallDenied, "firewall-policy:hub-fw-policy"))
    });
    let (action, el) = fix_of(&r, FlowId::SccRelay, Container);
    assert_eq!(el, "firewall-policy:hub-fw-policy");
    assert!(
        action.contains("application rule allowing tunnel.eastus2.azuredatabricks.net (Https:443)"),
        "{action}"
    );
    // Non-HTTP ports need a network rule.
    let r = with(&e, |f| (f.port == 3306).then(|| blocked(f, ReasonCode::FirewallDenied, "firewall:hub-fw")));
    let (action, _) = fix_of(&r, FlowId::Metastore, Host);
    assert!(
        action.starts_with("add a network rule allowing TCP 3306") && action.contains("Sql.EastUS2"),
        "{action}"
    );
}

// databricks-net-facts §8 (#103755): unlink the zone that hijacks the name.
#[test]
fn dns_fixes_unlink_hijacking_zones_and_add_missing_records() {
    let e = pattern("non-pl", "eastus2");
    let r = with(&e, |f| {
        f.to_host
            .ends_with("mysql.database.azure.com")
            .then(|| blocked(f, ReasonCode::DnsResolutionFailed, "private-dns-zone:mysql.database.azure.com"))
    });
    let (action, el) = fix_of(&r, FlowId::Metastore, Host);
    assert_eq!(el, "dns-link:mysql.database.azure.com/adb-vnet");
    assert!(
        action.starts_with("unlink private DNS zone mysql.database.azure.com from VNet adb-vnet"),
        "{action}"
    );
    let e = pattern("full-private", "eastus2");
    let r = with(&e, |f| {
        f.to_host.starts_with("tunnel.").then(|| {
            blocked(f, ReasonCode::DnsResolutionFailed, "private-dns-zone:privatelink.azuredatabricks.net")
        })
    });
    let (action, el) = fix_of(&r, FlowId::SccRelay, Host);
    assert_eq!(el, "private-dns-zone:privatelink.azuredatabricks.net");
    assert!(
        action.starts_with("add an A record 'tunnel.eastus2' to zone privatelink.azuredatabricks.net"),
        "{action}"
    );
    let e = pattern("non-pl", "eastus2");
    let r = with(&e, |f| {
        f.to_host
            .starts_with("dbartifacts")
            .then(|| blocked(f, ReasonCode::DnsResolutionFailed, "vnet:adb-vnet"))
    });
    let (action, el) = fix_of(&r, FlowId::ArtifactPrimary, Host);
    assert_eq!(el, "vnet:adb-vnet");
    assert!(action.contains("168.63.129.16"), "{action}");
}

// databricks-net-facts §2 (January 2025): the fix extends the user's own rule with the missing ports.
#[test]
fn nsg_fix_extends_the_near_miss_rule_or_adds_one_above_the_deny() {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).required_nsg_rules = RequiredNsgRules::NoAzureDatabricksRules;
    e.nsgs[0].rules.push(NsgRule {
        name: "allow-adb".into(),
        priority: 200,
        direction: Direction::Outbound,
        access: Access::Allow,
        protocol: Protocol::Tcp,
        source: Some(AddressSpec::Tag("VirtualNetwork".into())),
        source_asgs: vec![],
        source_ports: PortSet::Any,
        destination: Some(AddressSpec::Tag("AzureDatabricks".into())),
        destination_asgs: vec![],
        destination_ports: PortSet::Ranges(vec![PortRange::single(443), PortRange { from: 8443, to: 8445 }]),
        description: None,
        managed_by: None,
        origin: None,
    });
    let mut deny = e.nsgs[0].rules[0].clone();
    deny.name = "deny-all-out".into();
    deny.priority = 4000;
    deny.access = Access::Deny;
    deny.protocol = Protocol::Any;
    deny.destination = Some(AddressSpec::Tag("Internet".into()));
    deny.destination_ports = PortSet::Any;
    e.nsgs[0].rules.push(deny);
    let r = with(&e, |f| {
        (f.port > 8445 || f.to_host == "pypi.org")
            .then(|| blocked(f, ReasonCode::NsgDenied, "nsg-rule:adb-nsg/deny-all-out"))
    });
    let (action, el) = fix_of(&r, FlowId::Webapp, Host);
    assert_eq!(el, "nsg-rule:adb-nsg/allow-adb");
    assert!(action.starts_with("add port(s) 8446-8451 to rule 'allow-adb'"), "{action}");
    let (action, el) = fix_of(&r, FlowId::Pypi, Host);
    assert_eq!(el, "nsg:adb-nsg");
    assert!(action.contains("pypi.org") && action.contains("lower than 4000 ('deny-all-out')"), "{action}");
}

// azure-net-semantics §5.1 and §6.1: storage fixes depend on how the account is closed.
#[test]
fn storage_fixes_follow_the_account_configuration() {
    let e = pattern("non-pl", "eastus2");
    let r = evaluate(&prepare(&e, builtin_regions(), None).unwrap(), |f| {
        if f.to_host.starts_with("adbdatalake") && f.from_subnet.ends_with("container") {
            let mut t = blocked(f, ReasonCode::DestinationDenied, "storage-account:adbdatalake");
            t.egress = Egress::NatGateway;
            t
        } else {
            delivered(f, Egress::ServiceEndpoint, "allow")
        }
    });
    let (action, el) = fix_of(&r, FlowId::ExternalLocation, Container);
    assert_eq!(el, "storage-account:adbdatalake");
    assert!(
        action.starts_with("add the Microsoft.Storage service endpoint to subnet adb-vnet/container"),
        "{action}"
    );
    let e = pattern("full-private", "eastus2");
    let r = with(&e, |f| {
        (f.to_host == "dbstorageadbws.dfs.core.windows.net")
            .then(|| blocked(f, ReasonCode::DestinationDenied, "storage-account:dbstorageadbws"))
    });
    let (action, el) = fix_of(&r, FlowId::DbfsDfs, Host);
    assert_eq!(el, "private-dns-zone:privatelink.dfs.core.windows.net");
    assert!(action.contains("private endpoint dbfs-dfs-pe exists"), "{action}");
}

#[test]
fn same_region_storage_without_egress_suggests_the_service_endpoint() {
    let mut e = pattern("non-pl", "eastus2");
    for s in &mut e.vnets[0].subnets {
        s.service_endpoints.clear();
        s.nat_gateway = None;
    }
    let r = with(&e, |f| {
        Some(blocked(f, ReasonCode::NoOutboundConnectivity, &format!("subnet:{}", f.from_subnet)))
    });
    let (action, _) = fix_of(&r, FlowId::ArtifactPrimary, Host);
    assert!(
        action.starts_with("add the Microsoft.Storage service endpoint to subnet adb-vnet/host"),
        "{action}"
    );
    let (action, _) = fix_of(&r, FlowId::ArtifactSecondary, Host);
    assert!(action.starts_with("attach a NAT gateway"), "cross-region storage needs egress: {action}");
}
