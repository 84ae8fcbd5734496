//! `security`: attack surface, exfiltration probes and data-flow protection on the built-in
//! patterns and small edits of them.

mod common;

use adbflow_databricks::security::{EntryKind, ExfilTarget, Exposure, Transport};
use adbflow_databricks::{security, CheckOptions, FlowId, SecurityReport};
use adbflow_model::{DefaultAction, IpAccessList, IpAccessListType, ServiceEndpointPolicy};
use adbflow_net::ServiceTags;
use common::pattern;

fn run(e: &adbflow_model::Estate) -> SecurityReport {
    security(e, &ServiceTags::symbolic(), &CheckOptions::default()).expect("security runs").0
}

fn probe<'a>(
    r: &'a SecurityReport,
    subnet_suffix: &str,
    t: ExfilTarget,
) -> &'a adbflow_databricks::security::ExfilProbe {
    r.exfiltration
        .iter()
        .find(|p| p.subnet.ends_with(subnet_suffix) && p.target == t)
        .unwrap_or_else(|| panic!("no {t:?} probe from {subnet_suffix}"))
}

// azure-net-semantics §3 (egress): a NAT gateway SNATs every internet-bound packet of its subnets,
// whatever the destination — the seed's "NAT gateway is ONLY for user libraries" is a routing
// claim the twin does not share.
#[test]
fn non_pl_nat_gateway_is_an_exfiltration_path_to_any_internet_host() {
    let r = run(&pattern("non-pl", "eastus2"));
    for subnet in ["/host", "/container"] {
        let p = probe(&r, subnet, ExfilTarget::InternetHost);
        assert!(p.open, "{p:?}");
        assert_eq!(p.egress, "nat-gateway");
        assert_eq!(p.via.as_ref().unwrap().id, "nat-gateway:adb-nat");
        let other = probe(&r, subnet, ExfilTarget::StorageOtherRegion);
        assert!(other.open && other.egress == "nat-gateway", "{other:?}");
    }
    let f =
        r.findings.iter().find(|f| f.code == "exfiltration-path" && f.message.contains("any internet host"));
    let f = f.expect("an exfiltration finding for the NAT path");
    assert!(f.message.contains("adb-vnet/host") && f.message.contains("adb-vnet/container"), "{}", f.message);
    assert_eq!(f.element.as_ref().unwrap().id, "nat-gateway:adb-nat");
}

// azure-net-semantics §5.2: a service endpoint without a policy reaches every account of the service
// in its region; a policy narrows it to the listed accounts.
#[test]
fn service_endpoint_reaches_foreign_storage_until_a_policy_narrows_it() {
    let mut e = pattern("non-pl", "eastus2");
    let r = run(&e);
    let p = probe(&r, "/host", ExfilTarget::StorageSameRegion);
    assert!(p.open && p.egress == "service-endpoint", "{p:?}");

    e.service_endpoint_policies.push(ServiceEndpointPolicy {
        name: "only-ours".into(),
        allowed_storage_accounts: vec![
            "dbstorageadbws".into(),
            "adbucmetastore".into(),
            "adbdatalake".into(),
        ],
        allowed_aliases: vec!["/services/Azure/Databricks".into()],
        origin: None,
    });
    for s in &mut e.vnets[0].subnets {
        s.service_endpoint_policies = vec!["only-ours".into()];
    }
    let r = run(&e);
    let p = probe(&r, "/host", ExfilTarget::StorageSameRegion);
    assert!(!p.open, "{p:?}");
    let b = p.stopped_by.as_ref().unwrap();
    assert_eq!(b.reason_code.as_str(), "SERVICE_ENDPOINT_POLICY_DENIED");
    assert_eq!(b.element.id, "service-endpoint-policy:only-ours");
}

#[test]
fn full_private_has_no_internet_exfiltration_path() {
    let r = run(&pattern("full-private", "eastus2"));
    for p in r.exfiltration.iter().filter(|p| p.target != ExfilTarget::StorageSameRegion) {
        assert!(!p.open, "{p:?}");
        assert_eq!(p.stopped_by.as_ref().unwrap().reason_code.as_str(), "NO_OUTBOUND_CONNECTIVITY", "{p:?}");
    }
    assert!(!r.open_paths().any(|p| p.egress == "nat-gateway"));
    // The workspace and every storage account are private-only.
    let ws = r.attack_surface.iter().find(|e| e.kind == EntryKind::Workspace).unwrap();
    assert_eq!(ws.exposure, Exposure::PrivateOnly);
    assert!(ws.restrictions.iter().any(|x| x.control.contains("adb-frontend-pe")), "{ws:?}");
    for sa in r.attack_surface.iter().filter(|e| e.kind == EntryKind::StorageAccount) {
        assert_eq!(sa.exposure, Exposure::PrivateOnly, "{sa:?}");
    }
}

// The hub firewall allows named FQDNs only: an arbitrary host hits its default deny.
#[test]
fn hub_spoke_firewall_stops_arbitrary_internet_hosts() {
    let r = run(&pattern("hub-spoke", "eastus2"));
    let p = probe(&r, "/host", ExfilTarget::InternetHost);
    assert!(!p.open, "{p:?}");
    assert_eq!(p.stopped_by.as_ref().unwrap().reason_code.as_str(), "FIREWALL_DENIED");
    assert!(p.stopped_by.as_ref().unwrap().element.id.starts_with("firewall"), "{p:?}");
    let fw = r.attack_surface.iter().find(|e| e.kind == EntryKind::Firewall).unwrap();
    assert_eq!(fw.exposure, Exposure::OutboundOnly, "no DNAT rules");
}

#[test]
fn workspace_exposure_follows_ip_access_lists() {
    let mut e = pattern("non-pl", "eastus2");
    let r = run(&e);
    let ws = r.attack_surface.iter().find(|x| x.kind == EntryKind::Workspace).unwrap();
    assert_eq!(ws.exposure, Exposure::Open);
    assert!(r.findings.iter().any(|f| f.code == "workspace-public-unrestricted"));

    e.workspaces[0].ip_access_lists.push(IpAccessList {
        name: "corp".into(),
        list_type: IpAccessListType::Allow,
        ip_addresses: vec![adbflow_model::Prefix::try_from("198.51.100.0/24".to_string()).unwrap()],
        enabled: true,
        origin: None,
    });
    let r = run(&e);
    let ws = r.attack_surface.iter().find(|x| x.kind == EntryKind::Workspace).unwrap();
    assert_eq!(ws.exposure, Exposure::Restricted);
    assert!(ws.restrictions[0].control.contains("198.51.100.0/24"), "{ws:?}");
    assert_eq!(ws.restrictions[0].element.as_ref().unwrap().id, "ip-access-list:adb-ws/corp");
    assert!(!r.findings.iter().any(|f| f.code == "workspace-public-unrestricted"));
}

#[test]
fn storage_exposure_follows_the_storage_firewall() {
    let mut e = pattern("non-pl", "eastus2");
    let r = run(&e);
    let find = |r: &SecurityReport, n: &str| {
        r.attack_surface.iter().find(|x| x.name == format!("storage account {n}")).unwrap().clone()
    };
    assert_eq!(find(&r, "adbdatalake").exposure, Exposure::Restricted);
    assert!(find(&r, "adbdatalake").restrictions.iter().any(|x| x.control.contains("adb-vnet/host")));
    assert_eq!(find(&r, "dbstorageadbws").exposure, Exposure::Open);
    let lake = e.storage_accounts.iter_mut().find(|s| s.name == "adbdatalake").unwrap();
    lake.default_action = DefaultAction::Allow;
    let r = run(&e);
    assert_eq!(find(&r, "adbdatalake").exposure, Exposure::Open);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "storage-public-unrestricted" && f.message.contains("adbdatalake"));
    assert_eq!(f.unwrap().element.as_ref().unwrap().id, "storage-account:adbdatalake");
}

#[test]
fn data_flows_say_how_each_flow_travels() {
    let r = run(&pattern("non-pl", "eastus2"));
    let row = |id: FlowId| r.data_flows.iter().find(|d| d.id == id).unwrap();
    assert_eq!(row(FlowId::SccRelay).transport, vec![Transport::AzurePublicEndpoint]);
    assert_eq!(row(FlowId::SccRelay).encryption, "TLS 1.2+, mutual TLS");
    assert_eq!(row(FlowId::DbfsDfs).transport, vec![Transport::ServiceEndpoint]);
    assert_eq!(row(FlowId::Pypi).transport, vec![Transport::Internet]);
    assert_eq!(row(FlowId::WorkerToWorker).transport, vec![Transport::InsideVnet]);
    assert_eq!(row(FlowId::UserApi).from, "users (internet)");

    let r = run(&pattern("full-private", "eastus2"));
    let row = |id: FlowId| r.data_flows.iter().find(|d| d.id == id).unwrap();
    assert_eq!(row(FlowId::SccRelay).transport, vec![Transport::PrivateLink]);
    assert_eq!(row(FlowId::Pypi).transport, vec![Transport::NotDelivered]);
}

#[test]
fn security_output_is_deterministic() {
    let e = pattern("hub-spoke", "westeurope");
    let a = serde_json::to_string(&run(&e)).unwrap();
    let b = serde_json::to_string(&run(&e)).unwrap();
    assert_eq!(a, b);
}
