//! Broken variants of the reference patterns, each drawn from a real failure report
//! (databricks-net-facts §8) or a documented Azure rule (azure-net-semantics), asserting the verdict,
//! the reason code, the element that decided it, and the symptom a user would see.
//!
//! Most of these walk flows through the twin (`adbflow_net::Network::trace`); the three marked
//! "no walk" are decided by Databricks' own rules before or instead of the walk.
//!
//! Each variant is built by `common::variants` (one builder per variant), which `simulate.rs` also
//! launches clusters on. The two user-side variants (users outside the private network, a blocked
//! user address) are check-only: no cluster launch crosses their flows.

mod common;

use adbflow_databricks::plan::SourceRole::{Container, Host, User};
use adbflow_databricks::FlowId;
use common::variants;
use common::*;

// databricks-net-facts §3 (S6: "an egress device with a public IP address is needed") and
// azure-net-semantics §4.4: a private subnet without NAT gateway has no way out.
#[test]
fn private_subnet_without_nat_cannot_open_the_tunnel() {
    let r = run(&variants::non_pl_container_without_nat());
    let relay = flow(&r, FlowId::SccRelay, Container);
    assert_blocked(relay, "NO_OUTBOUND_CONNECTIVITY");
    assert_eq!(element(relay), "subnet:adb-vnet/container");
    assert_eq!(termination(relay), Some("NPIP_TUNNEL_SETUP_FAILURE"));
    assert_eq!(relay.fix.as_ref().unwrap().element.as_ref().unwrap().id, "subnet:adb-vnet/container");
    assert_delivered(flow(&r, FlowId::SccRelay, Host));
    // The service endpoint still carries same-region storage without any NAT (azure-net-semantics §5).
    assert_eq!(flow(&r, FlowId::ArtifactPrimary, Container).egress, "service-endpoint");
    assert_eq!(r.exit_code(), 1);
}

// databricks-net-facts §3b: with UDR 0/0 to the firewall, the relay needs a firewall rule.
#[test]
fn firewall_without_a_relay_rule_blocks_the_tunnel() {
    let r = run(&variants::hub_spoke_without_relay_rule());
    let relay = flow(&r, FlowId::SccRelay, Host);
    assert_blocked(relay, "FIREWALL_DENIED");
    // No rule allows it: the policy's default deny decides (azure-net-semantics §7.3).
    assert_eq!(element(relay), "firewall-policy:hub-fw-policy");
    assert_eq!(termination(relay), Some("NPIP_TUNNEL_SETUP_FAILURE"));
    let fix = relay.fix.as_ref().unwrap();
    assert!(
        fix.action.contains("application rule") && fix.action.contains("tunnel.eastus2"),
        "{}",
        fix.action
    );
    assert_eq!(fix.element.as_ref().unwrap().id, "firewall-policy:hub-fw-policy");
}

// databricks-net-facts §8 (microsoft/AzureTRE#3694) and azure-net-semantics §7.4:
// `*.pypi.org` does not match `pypi.org`.
#[test]
fn wildcard_pypi_rule_misses_the_apex() {
    let r = run(&variants::hub_spoke_wildcard_pypi_rule());
    let p = flow(&r, FlowId::Pypi, Container);
    assert_blocked(p, "FIREWALL_DENIED");
    assert_eq!(element(p), "firewall-policy:hub-fw-policy", "no rule matches: the default deny");
    assert!(p.symptom.as_ref().unwrap().message.starts_with("pip install fails"));
    let fix = p.fix.as_ref().unwrap();
    assert_eq!(
        fix.element.as_ref().unwrap().id,
        "firewall-rule:hub-fw-policy/libraries/package-repositories/pypi"
    );
    assert!(fix.action.contains("'*.pypi.org' does not match"), "{}", fix.action);
    assert_eq!(flow(&r, FlowId::PypiFiles, Container).egress, "firewall");
}

// databricks-net-facts §8 (MicrosoftDocs/azure-docs#103755): a private zone named
// mysql.database.azure.com linked to the VNet hijacks the metastore name.
#[test]
fn private_zone_named_mysql_hijacks_the_metastore() {
    let r = run(&variants::non_pl_mysql_zone_hijacks_the_metastore());
    let m = flow(&r, FlowId::Metastore, Host);
    assert_blocked(m, "DNS_RESOLUTION_FAILED");
    assert!(element(m).contains("mysql.database.azure.com"), "{}", element(m));
    assert_eq!(termination(m), Some("METASTORE_COMPONENT_UNHEALTHY"));
    assert!(m.symptom.as_ref().unwrap().message.contains("HiveMetaStoreClient"));
    let fix = m.fix.as_ref().unwrap();
    assert!(fix.action.starts_with("unlink private DNS zone mysql.database.azure.com"), "{}", fix.action);
    assert_delivered(flow(&r, FlowId::SccRelay, Host));
}

// databricks-net-facts §8 (MicrosoftDocs/azure-docs#80464): the storage firewall lacks the container
// subnet — a network problem that surfaces as HTTP 403.
#[test]
fn storage_firewall_missing_the_container_subnet_is_a_403() {
    let r = run(&variants::non_pl_storage_firewall_without_the_container_subnet());
    let x = flow(&r, FlowId::ExternalLocation, Container);
    assert_blocked(x, "DESTINATION_DENIED");
    assert_eq!(element(x), "storage-account:adbdatalake");
    let s = x.symptom.as_ref().unwrap();
    assert!(s.message.contains("403") && !s.inferred);
    let fix = x.fix.as_ref().unwrap();
    assert!(fix.action.contains("virtual network rule for subnet adb-vnet/container"), "{}", fix.action);
    assert_delivered(flow(&r, FlowId::ExternalLocation, Host));
}

// azure-net-semantics §6.1: a private zone that is not linked leaves the VNet with the public answer;
// the DBFS root has public access disabled, so only its private endpoint would have worked.
#[test]
fn unlinked_privatelink_zone_sends_dbfs_to_the_closed_public_endpoint() {
    let r = run(&variants::full_private_unlinked_dfs_zone());
    let d = flow(&r, FlowId::DbfsDfs, Host);
    assert_blocked(d, "DESTINATION_DENIED");
    assert_eq!(element(d), "storage-account:dbstorageadbws");
    assert_eq!(termination(d), Some("DBFS_COMPONENT_UNHEALTHY"));
    let fix = d.fix.as_ref().unwrap();
    assert!(
        fix.action.starts_with("link private DNS zone privatelink.dfs.core.windows.net"),
        "{}",
        fix.action
    );
    assert_eq!(flow(&r, FlowId::DbfsBlob, Host).egress, "private-endpoint", "the blob zone is still linked");
}

// databricks-net-facts §8 (MicrosoftDocs/azure-docs#52423, #54124): a custom DNS server the subnets
// cannot use → "Could not access worker artifacts … misconfigured DNS".
#[test]
fn unreachable_custom_dns_server_is_a_network_configuration_failure() {
    let r = run(&variants::non_pl_unreachable_custom_dns());
    let a = flow(&r, FlowId::ArtifactPrimary, Host);
    assert_blocked(a, "DNS_RESOLUTION_FAILED");
    assert_eq!(element(a), "vnet:adb-vnet", "the VNet's DNS server setting decides");
    assert_eq!(termination(a), Some("NETWORK_CONFIGURATION_FAILURE"));
    assert!(!a.symptom.as_ref().unwrap().inferred, "documented meaning");
}

// databricks-net-facts §2 and §8 (terraform-databricks-examples#174): since January 2025 the
// AzureDatabricks rule needs 3306 and 8443–8451; a self-managed rule with 443 only breaks the web app.
#[test]
fn self_managed_rules_without_the_january_2025_ports() {
    let r = run(&variants::non_pl_self_managed_rules_without_the_new_ports());
    let w = flow(&r, FlowId::Webapp, Host);
    assert_blocked(w, "NSG_DENIED");
    assert_eq!(element(w), "nsg-rule:adb-nsg/deny-internet");
    assert_eq!(w.destination.port, 8443);
    assert_eq!(w.destination.blocked_ports, (8443..=8451).collect::<Vec<u16>>());
    assert_eq!(termination(w), Some("CONTROL_PLANE_REQUEST_FAILURE"));
    let fix = w.fix.as_ref().unwrap();
    assert_eq!(fix.element.as_ref().unwrap().id, "nsg-rule:adb-nsg/allow-adb-443");
    assert!(fix.action.starts_with("add port(s) 8443-8451"), "{}", fix.action);
    let relay = flow(&r, FlowId::SccRelay, Host);
    assert_delivered(relay);
    assert_eq!(relay.nsg_rule.as_ref().unwrap().id, "nsg-rule:adb-nsg/allow-adb-443");
}

// azure-net-semantics §2 (priority order, first match): a custom deny cannot undercut Databricks'
// priority-100 rules, but it does stop what they do not cover — the package repositories.
#[test]
fn custom_nsg_deny_rule_blocks_libraries_but_not_the_control_plane() {
    let r = run(&variants::non_pl_custom_nsg_deny_internet());
    let p = flow(&r, FlowId::Pypi, Host);
    assert_blocked(p, "NSG_DENIED");
    assert_eq!(element(p), "nsg-rule:adb-nsg/deny-internet-out");
    assert!(p.symptom.as_ref().unwrap().message.starts_with("pip install fails"));
    let relay = flow(&r, FlowId::SccRelay, Host);
    assert_delivered(relay);
    assert_eq!(
        relay.nsg_rule.as_ref().unwrap().id,
        "nsg-rule:adb-nsg/Microsoft.Databricks-workspaces_UseOnly_databricks-worker-to-databricks-webapp"
    );
}

// databricks-net-facts §1 (S27, S13): both injected subnets need an NSG. No walk.
#[test]
fn subnet_without_nsg_cannot_host_the_workspace() {
    let r = run(&variants::non_pl_host_subnet_without_nsg());
    let relay = flow(&r, FlowId::SccRelay, Host);
    assert_blocked(relay, "SUBNET_NSG_MISSING");
    assert_eq!(element(relay), "subnet:adb-vnet/host");
    assert_eq!(termination(relay), None);
    assert!(relay.nsg_rule.is_none(), "no NSG, so no rule let it out");
    assert!(relay.symptom.as_ref().unwrap().message.contains("deployment fails"));
    assert!(relay.fix.as_ref().unwrap().action.starts_with("associate an NSG with subnet adb-vnet/host"));
    assert!(r.findings.iter().any(|f| f.code == "subnet-nsg-missing"));
    assert_eq!(r.exit_code(), 1);
}

// azure-net-semantics §6: only Approved private-endpoint connections pass traffic.
#[test]
fn pending_back_end_endpoint_blocks_the_tunnel() {
    let r = run(&variants::full_private_pending_back_end_endpoint());
    let relay = flow(&r, FlowId::SccRelay, Container);
    assert_blocked(relay, "PRIVATE_ENDPOINT_NOT_APPROVED");
    assert_eq!(element(relay), "private-endpoint:adb-backend-pe");
    assert_eq!(termination(relay), Some("NPIP_TUNNEL_SETUP_FAILURE"));
    assert!(relay.fix.as_ref().unwrap().action.starts_with("approve"));
}

// databricks-net-facts §5 (hashicorp/terraform#32346): a workspace with public access disabled refuses
// tooling outside the private network. No walk.
#[test]
fn users_outside_the_private_network_are_refused() {
    let r = run(&variants::full_private_users_outside_the_private_network());
    let api = flow(&r, FlowId::UserApi, User);
    assert_blocked(api, "DESTINATION_DENIED");
    assert_eq!(element(api), "workspace:adb-ws");
    assert!(api.symptom.as_ref().unwrap().message.contains("error page"));
    assert!(api.fix.as_ref().unwrap().action.contains("front-end private endpoint"));
    assert_eq!(api.subnet, "internet");
}

// databricks-net-facts §8 (MicrosoftDocs/azure-docs#43679): forced tunnelling into a black hole stops
// the cluster; service endpoints still carry storage (the fix that report found).
#[test]
fn forced_tunnel_black_hole_drops_all_but_service_endpoint_traffic() {
    let r = run(&variants::non_pl_forced_tunnel_black_hole());
    let relay = flow(&r, FlowId::SccRelay, Host);
    assert_blocked(relay, "ROUTE_NONE");
    assert_eq!(element(relay), "route:forced-tunnel/blackhole");
    assert_eq!(termination(relay), Some("NPIP_TUNNEL_SETUP_FAILURE"));
    assert_blocked(flow(&r, FlowId::Pypi, Container), "ROUTE_NONE");
    let art = flow(&r, FlowId::ArtifactPrimary, Host);
    assert_delivered(art);
    assert_eq!(art.egress, "service-endpoint");
}

// databricks-net-facts §5: IP access lists apply to requests over the public internet. No walk.
#[test]
fn blocked_user_address_is_refused_by_the_ip_access_list() {
    let r = run(&variants::non_pl_blocked_user_address());
    let ui = flow(&r, FlowId::UserUi, User);
    assert_blocked(ui, "DESTINATION_DENIED");
    assert_eq!(element(ui), "ip-access-list:adb-ws/blocked");
    assert!(ui.symptom.as_ref().unwrap().message.contains("403"));
}

// databricks-net-facts §3b: the firewall's web-app network rule needs 443 and 8443–8451.
#[test]
fn firewall_webapp_rule_without_the_new_ports() {
    let r = run(&variants::hub_spoke_webapp_rule_without_the_new_ports());
    let w = flow(&r, FlowId::Webapp, Container);
    assert_blocked(w, "FIREWALL_DENIED");
    assert_eq!(element(w), "firewall-policy:hub-fw-policy", "443 matches the rule, 8443 nothing");
    assert_eq!(w.destination.port, 8443);
    assert_eq!(termination(w), Some("CONTROL_PLANE_REQUEST_FAILURE"));
}

// azure-net-semantics §7.4: FQDNs in network rules need the firewall's DNS proxy.
#[test]
fn network_rule_fqdns_without_dns_proxy_never_match() {
    let r = run(&variants::hub_spoke_network_rule_fqdns_without_dns_proxy());
    let m = flow(&r, FlowId::Metastore, Host);
    assert_blocked(m, "FIREWALL_DENIED");
    assert_eq!(
        element(m),
        "firewall-policy:hub-fw-policy",
        "an FQDN the firewall cannot resolve matches nothing"
    );
    assert_eq!(termination(m), Some("METASTORE_COMPONENT_UNHEALTHY"));
    assert_delivered(flow(&r, FlowId::Webapp, Host));
}

/// `check` walks one port of each class of ports that no rule tells apart (`Network::port_class`);
/// walking every port must give the same report, byte for byte: on every pattern, every broken
/// variant, and a rule that splits the web application's 8443-8451 in the middle.
#[test]
fn walking_one_port_per_class_reports_what_walking_every_port_reports() {
    use adbflow_databricks::check::evaluate;
    use adbflow_databricks::{builtin_regions, prepare};
    use adbflow_net::{Network, ServiceTags};
    use common::variants::*;

    let mut split = hub_spoke_webapp_rule_without_the_new_ports();
    fw_rules(&mut split, "databricks-network")
        .iter_mut()
        .find(|r| r.name == "webapp")
        .unwrap()
        .destination_ports = Some(adbflow_model::PortSet::Ranges(vec![
        adbflow_model::PortRange::single(443),
        adbflow_model::PortRange { from: 8443, to: 8446 },
    ]));
    let mut estates: Vec<(String, adbflow_model::Estate)> = Vec::new();
    for p in ["non-pl", "full-private", "hub-spoke"] {
        estates.push((p.to_string(), pattern(p, "eastus2")));
    }
    let variants = [
        ("no-nat", non_pl_container_without_nat()),
        ("no-relay-rule", hub_spoke_without_relay_rule()),
        ("wildcard-pypi", hub_spoke_wildcard_pypi_rule()),
        ("no-pypi-rule", hub_spoke_without_pypi_rule()),
        ("mysql-zone", non_pl_mysql_zone_hijacks_the_metastore()),
        ("storage-firewall", non_pl_storage_firewall_without_the_container_subnet()),
        ("unlinked-dfs", full_private_unlinked_dfs_zone()),
        ("custom-dns", non_pl_unreachable_custom_dns()),
        ("self-managed-rules", non_pl_self_managed_rules_without_the_new_ports()),
        ("deny-internet", non_pl_custom_nsg_deny_internet()),
        ("host-no-nsg", non_pl_host_subnet_without_nsg()),
        ("pending-pe", full_private_pending_back_end_endpoint()),
        ("users-outside", full_private_users_outside_the_private_network()),
        ("black-hole", non_pl_forced_tunnel_black_hole()),
        ("blocked-user", non_pl_blocked_user_address()),
        ("webapp-443-only", hub_spoke_webapp_rule_without_the_new_ports()),
        ("fqdn-no-proxy", hub_spoke_network_rule_fqdns_without_dns_proxy()),
    ];
    for (name, e) in variants {
        estates.push((name.to_string(), e));
    }
    estates.push(("webapp-split".to_string(), split));
    let mut partly_blocked = 0;
    for (name, e) in &estates {
        let by_class = run(e);
        let prepared = prepare(e, builtin_regions(), None).unwrap();
        let net = Network::new(prepared.estate.clone(), ServiceTags::symbolic());
        let every_port = evaluate(&prepared, |f| net.trace(f));
        assert_eq!(by_class, every_port, "{name}");
        partly_blocked += by_class
            .flows
            .iter()
            .filter(|f| !f.destination.blocked_ports.is_empty() && f.destination.blocked_ports.len() < 10)
            .count();
    }
    assert!(partly_blocked > 0, "some flow is blocked on part of its ports, so classes matter");
}

// Reports print each finding with the fix of the blocked flow it is about (`CheckReport::fixes`).
#[test]
fn each_blocked_flow_finding_finds_its_flows_fix() {
    let r = run(&variants::hub_spoke_without_relay_rule());
    let fixes = r.fixes();
    let relay = flow(&r, FlowId::SccRelay, Host);
    let finding = r
        .findings
        .iter()
        .find(|f| {
            f.flow == Some(FlowId::SccRelay)
                && f.element.as_ref() == Some(&relay.blocked_by.as_ref().unwrap().element)
        })
        .expect("a finding about the blocked relay");
    assert_eq!(fixes.of(finding).map(|x| &x.action), relay.fix.as_ref().map(|x| &x.action));
    let mut elsewhere = finding.clone();
    elsewhere.workspace = Some("another-workspace".into());
    assert!(fixes.of(&elsewhere).is_none(), "another workspace's flow");
    let mut other_element = finding.clone();
    other_element.element = Some(adbflow_model::ElementRef::new("nsg:x", "x", None));
    assert!(fixes.of(&other_element).is_none(), "blocked by another element");
    let mut dbfs = finding.clone();
    dbfs.code = "dbfs-assumed";
    assert!(fixes.of(&dbfs).is_none(), "dbfs-assumed is not about a blocked flow");
}
