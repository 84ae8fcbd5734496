//! What Databricks adds to an estate and which flows a workspace needs — no walking involved.

mod common;

use adbflow_databricks::check::CheckOptions;
use adbflow_databricks::nsg_rules::{MANAGED_BY, RULE_PREFIX};
use adbflow_databricks::plan::{FlowSource, SourceRole};
use adbflow_databricks::{builtin_regions, prepare, CheckError, FindingSeverity, FlowId, Requirement};
use adbflow_model::{
    Access, AddressSpec, Direction, Endpoint, NsgRule, Origin, PortSet, Protocol, RequiredNsgRules,
};
use common::*;

fn prepared(e: &adbflow_model::Estate) -> adbflow_databricks::Prepared {
    prepare(e, builtin_regions(), None).expect("prepares")
}

// databricks-net-facts §2: Databricks injects its UseOnly rules into the subnets' (shared) NSG.
#[test]
fn managed_rules_are_added_once_to_the_shared_nsg() {
    let p = prepared(&pattern("non-pl", "eastus2"));
    let nsg = p.estate.nsg("adb-nsg").unwrap();
    let managed: Vec<&NsgRule> = nsg.rules.iter().filter(|r| r.name.starts_with(RULE_PREFIX)).collect();
    assert_eq!(managed.len(), 6, "{:?}", managed.iter().map(|r| &r.name).collect::<Vec<_>>());
    assert!(managed.iter().all(|r| r.managed_by.as_deref() == Some(MANAGED_BY)));
    assert!(managed.iter().all(|r| r.origin == Some(Origin::platform(MANAGED_BY))));
    assert_eq!(p.workspaces[0].managed_rules.len(), 6);
    let fp = prepared(&pattern("full-private", "eastus2"));
    let nsg = fp.estate.nsg("adb-nsg").unwrap();
    assert!(
        !nsg.rules.iter().any(|r| r.name.ends_with("worker-to-databricks-webapp")),
        "NoAzureDatabricksRules"
    );
}

// databricks-net-facts §2 (adb4u): a user rule on a Databricks priority makes the deployment fail.
#[test]
fn a_user_rule_on_a_databricks_priority_is_a_conflict() {
    let mut e = pattern("non-pl", "eastus2");
    e.nsgs[0].rules.push(NsgRule {
        name: "AllowVnetInBound".into(),
        priority: 100,
        direction: Direction::Inbound,
        access: Access::Allow,
        protocol: Protocol::Any,
        source: Some(AddressSpec::Tag("VirtualNetwork".into())),
        source_asgs: vec![],
        source_ports: PortSet::Any,
        destination: Some(AddressSpec::Tag("VirtualNetwork".into())),
        destination_asgs: vec![],
        destination_ports: PortSet::Any,
        description: None,
        managed_by: None,
        origin: None,
    });
    let p = prepared(&e);
    let f = p.findings.iter().find(|f| f.code == "managed-rule-conflict").expect("conflict reported");
    assert_eq!(f.severity, FindingSeverity::Error);
    assert_eq!(f.element.as_ref().unwrap().id, "nsg-rule:adb-nsg/AllowVnetInBound");
    assert!(!p
        .estate
        .nsg("adb-nsg")
        .unwrap()
        .rules
        .iter()
        .any(|r| r.name.ends_with("worker-to-worker-inbound")));
}

// databricks-net-facts §1 (S31): every node has a NIC in each subnet, so cluster flows leave from both.
#[test]
fn cluster_flows_leave_from_both_subnets_and_user_flows_from_the_users_side() {
    let p = prepared(&pattern("non-pl", "eastus2"));
    let flows = &p.workspaces[0].flows;
    for id in [FlowId::SccRelay, FlowId::ArtifactPrimary, FlowId::DbfsBlob, FlowId::WorkerToWorker] {
        let srcs: Vec<&str> = flows.iter().filter(|f| f.id == id).map(|f| f.source.label()).collect();
        assert_eq!(srcs, ["adb-vnet/host", "adb-vnet/container"], "{id}");
    }
    let api = flows.iter().find(|f| f.id == FlowId::UserApi).unwrap();
    assert_eq!((api.role, &api.source), (SourceRole::User, &FlowSource::Internet));
    assert!(!flows.iter().any(|f| f.id == FlowId::BrowserAuth), "browser auth only with Private Link");
    let fp = prepared(&pattern("full-private", "eastus2"));
    let api = fp.workspaces[0].flows.iter().find(|f| f.id == FlowId::UserApi).unwrap();
    assert_eq!(api.source, FlowSource::Subnet("transit-vnet/clients".into()));
    assert!(fp.workspaces[0].flows.iter().any(|f| f.id == FlowId::BrowserAuth));
    let pl = &fp.workspaces[0].private_link;
    assert_eq!((pl.back_end.len(), pl.front_end.len(), pl.browser_auth.len()), (1, 1, 1));
}

// A workspace's flows to one destination from both cluster subnets are planned once and share
// what they have in common: a copy per subnet was most of planning's fresh memory.
#[test]
fn flows_to_one_destination_share_ports_notes_and_account() {
    let p = prepared(&pattern("non-pl", "eastus2"));
    let flows = &p.workspaces[0].flows;
    for id in [FlowId::Webapp, FlowId::DbfsBlob, FlowId::ExternalLocation] {
        let [host, container] = [SourceRole::Host, SourceRole::Container]
            .map(|role| flows.iter().find(|f| f.id == id && f.role == role).unwrap());
        assert!(std::sync::Arc::ptr_eq(&host.ports, &container.ports), "{id}");
        assert!(std::sync::Arc::ptr_eq(&host.notes, &container.notes), "{id}");
        assert_eq!(host.ports_text, container.ports_text, "{id}");
        assert_eq!(host.storage_account, container.storage_account, "{id}");
    }
    // The peer stands for another node of each subnet: its own address, its own plan.
    let peers: Vec<_> = flows.iter().filter(|f| f.id == FlowId::WorkerToWorker).collect();
    assert_eq!(peers.len(), 2);
    assert_ne!(peers[0].host, peers[1].host);
}

#[test]
fn the_flows_reach_the_regions_own_endpoints_and_ports() {
    let p = prepared(&pattern("non-pl", "westeurope"));
    let flows = &p.workspaces[0].flows;
    let host = |id: FlowId| flows.iter().find(|f| f.id == id).map(|f| f.host.clone()).unwrap();
    assert_eq!(host(FlowId::SccRelay), "tunnel.westeurope.azuredatabricks.net");
    assert_eq!(host(FlowId::Webapp), "westeurope.azuredatabricks.net");
    assert_eq!(host(FlowId::SystemTables), "ucstprdwesteu.dfs.core.windows.net");
    assert_eq!(host(FlowId::ArtifactPrimary), "dbartifactsprodwesteu.blob.core.windows.net");
    assert_eq!(host(FlowId::DbfsDfs), "dbstorageadbws.dfs.core.windows.net");
    assert_eq!(host(FlowId::ExternalLocation), "adbdatalake.dfs.core.windows.net");
    let web = flows.iter().find(|f| f.id == FlowId::Webapp).unwrap();
    assert_eq!(web.ports_text, "443,8443-8451");
    let ext = flows.iter().find(|f| f.id == FlowId::ExternalLocation).unwrap();
    assert_eq!(ext.instance.as_deref(), Some("raw"));
}

#[test]
fn endpoints_for_every_name_are_added_and_user_endpoints_win() {
    let mut e = pattern("full-private", "eastus2");
    e.endpoints.push(Endpoint {
        fqdn: "pypi.org".into(),
        region: None,
        service_tags: vec![],
        ips: vec!["151.101.0.223".parse().unwrap()],
        resource: None,
        subresource: None,
        private_link_zone: None,
        description: None,
        public_network_access: Default::default(),
        allowed_source_ips: vec![],
        origin: None,
    });
    let p = prepared(&e);
    let find = |f: &str| p.estate.endpoints.iter().filter(|x| x.fqdn == f).collect::<Vec<_>>();
    let pypi = find("pypi.org");
    assert_eq!(pypi.len(), 1);
    assert_eq!(pypi[0].ips.len(), 1, "the input's entry is kept");
    assert!(p.findings.iter().any(|f| f.code == "endpoint-from-input"));
    let relay = find("tunnel.eastus2.azuredatabricks.net");
    assert_eq!(relay[0].resource.as_deref(), Some("adb-ws"), "back-end private link targets the relay");
    assert_eq!(relay[0].private_link_zone.as_deref(), Some("privatelink.azuredatabricks.net"));
    assert_eq!(
        find("adb-1234567890123456.7.azuredatabricks.net")[0].subresource.as_deref(),
        Some("databricks_ui_api")
    );
    assert_eq!(find("files.pythonhosted.org").len(), 1);
    assert_eq!(find("dbartifactsprodeastus.blob.core.windows.net")[0].service_tags, ["Storage.EastUS"]);
}

#[test]
fn library_settings_decide_requirement_and_destination() {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).libraries.pypi =
        "https://nexus.corp.example:8443/repository/pypi/simple".to_string().try_into().unwrap();
    ws(&mut e).libraries.maven = "none".to_string().try_into().unwrap();
    let p = prepared(&e);
    let flows = &p.workspaces[0].flows;
    let pypi = flows.iter().find(|f| f.id == FlowId::Pypi).unwrap();
    assert_eq!((pypi.host.as_str(), &pypi.ports[..]), ("nexus.corp.example", &[8443u16][..]));
    assert_eq!(pypi.requirement, Requirement::Workload);
    assert!(!flows.iter().any(|f| f.id == FlowId::PypiFiles), "the mirror serves the files");
    let maven = flows.iter().find(|f| f.id == FlowId::Maven).unwrap();
    assert!(maven.by_design && maven.requirement == Requirement::Optional);
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).hive_metastore = false;
    let p = prepared(&e);
    let m = p.workspaces[0].flows.iter().find(|f| f.id == FlowId::Metastore).unwrap();
    assert_eq!(m.requirement, Requirement::Optional);
}

#[test]
fn a_missing_dbfs_account_is_assumed_and_said_so() {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).dbfs_storage_account = None;
    e.storage_accounts.retain(|s| s.name != "dbstorageadbws");
    let p = prepared(&e);
    assert_eq!(p.workspaces[0].workspace.dbfs_storage_account.as_deref(), Some("dbstorageadbws"));
    assert!(p.estate.storage_account("dbstorageadbws").unwrap().hns);
    let f = p.findings.iter().find(|f| f.code == "dbfs-assumed").unwrap();
    assert!(f.inferred);
}

#[test]
fn invalid_workspaces_are_errors_that_name_the_problem() {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).vnet = "nowhere".into();
    let err = prepare(&e, builtin_regions(), None).unwrap_err();
    assert!(matches!(&err, CheckError::Invalid(d) if d.iter().any(|d| d.code == "workspace-vnet-missing")));
    assert!(err.to_string().contains("nowhere"), "{err}");

    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).region = Some("atlantis".into());
    let err = prepare(&e, builtin_regions(), None).unwrap_err().to_string();
    assert!(err.contains("workspace-region-unknown") && err.contains("atlantis"), "{err}");

    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).external_locations[0].storage_account = "ghost".into();
    ws(&mut e).container_subnet = "host".into();
    let err = prepare(&e, builtin_regions(), None).unwrap_err().to_string();
    assert!(err.contains("ghost") && err.contains("workspace-subnets-same"), "{err}");

    let mut e = pattern("non-pl", "eastus2");
    e.workspaces.clear();
    assert!(matches!(prepare(&e, builtin_regions(), None), Err(CheckError::NoWorkspace)));
    let e = pattern("non-pl", "eastus2");
    let o = CheckOptions { workspace: Some("other"), ..CheckOptions::default() };
    let err = prepare(&e, o.regions, o.workspace).unwrap_err().to_string();
    assert!(err.contains("other") && err.contains("adb-ws"), "{err}");
}

// databricks-net-facts §5: Private Link needs Premium; a PE to a workspace uses its two sub-resources.
#[test]
fn private_link_on_standard_sku_and_wrong_subresources_are_rejected() {
    let mut e = pattern("full-private", "eastus2");
    ws(&mut e).sku = adbflow_model::WorkspaceSku::Standard;
    e.private_endpoints[0].subresource = "blob".into();
    let err = prepare(&e, builtin_regions(), None).unwrap_err().to_string();
    assert!(err.contains("workspace-private-link-sku"), "{err}");
    assert!(err.contains("workspace-private-endpoint-subresource"), "{err}");
}

#[test]
fn no_azure_databricks_rules_is_reflected_and_no_scc_is_warned() {
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).no_public_ip = false;
    let p = prepared(&e);
    assert!(!p.workspaces[0].flows.iter().any(|f| f.id == FlowId::SccRelay));
    assert!(p.findings.iter().any(|f| f.code == "no-secure-cluster-connectivity"));
    let rules = &p.estate.nsg("adb-nsg").unwrap().rules;
    assert!(rules.iter().any(|r| r.name.ends_with("control-plane-to-worker-ssh")));
    let mut e = pattern("non-pl", "eastus2");
    ws(&mut e).required_nsg_rules = RequiredNsgRules::NoAzureDatabricksRules;
    assert_eq!(prepared(&e).workspaces[0].managed_rules.len(), 5);
}

#[test]
fn with_databricks_leaves_plain_networks_alone() {
    let mut e = pattern("non-pl", "eastus2");
    let augmented = adbflow_databricks::with_databricks(&e, builtin_regions()).unwrap();
    assert!(augmented.endpoints.len() > 20 && augmented.nsgs[0].rules.len() == 6);
    e.workspaces.clear();
    assert_eq!(adbflow_databricks::with_databricks(&e, builtin_regions()).unwrap(), e);
}

// databricks-net-facts §2: the rules are added to an NSG once, whichever workspace's subnets use
// it; a second workspace on the same NSG finds them already there (and no conflict with them).
#[test]
fn a_second_workspace_on_the_same_nsg_finds_the_managed_rules_there() {
    let mut e = pattern("non-pl", "eastus2");
    let vnet = &mut e.vnets[0];
    for (name, prefix) in [("host-2", "10.179.128.0/18"), ("container-2", "10.179.192.0/18")] {
        let mut subnet = vnet.subnets[0].clone();
        subnet.name = name.into();
        subnet.prefix = adbflow_model::Prefix(prefix.parse().unwrap());
        vnet.subnets.push(subnet);
    }
    let mut second = e.workspaces[0].clone();
    second.name = "adb-ws-2".into();
    second.host_subnet = "host-2".into();
    second.container_subnet = "container-2".into();
    second.workspace_url = None;
    second.dbfs_storage_account = None;
    e.workspaces.push(second);
    let p = prepared(&e);
    let nsg = p.estate.nsg("adb-nsg").unwrap();
    assert_eq!(nsg.rules.iter().filter(|r| r.name.starts_with(RULE_PREFIX)).count(), 6);
    assert_eq!(p.workspaces[0].managed_rules.len(), 6);
    assert!(p.workspaces[1].managed_rules.is_empty(), "{:?}", p.workspaces[1].managed_rules);
    assert!(!p.findings.iter().any(|f| f.code == "managed-rule-conflict"), "{:?}", p.findings);
    // The second workspace's DBFS root is assumed and added, the input's accounts kept as they were.
    let assumed = p.workspaces[1].workspace.dbfs_storage_account.as_deref().unwrap();
    assert!(p.estate.storage_account(assumed).is_some(), "{assumed}");
    assert_eq!(p.estate.storage_accounts.len(), e.storage_accounts.len() + 1);
    assert_eq!(p.estate.storage_accounts[..e.storage_accounts.len()], e.storage_accounts[..]);
}
