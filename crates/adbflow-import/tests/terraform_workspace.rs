//! Azure Databricks workspaces and the `databricks` provider resources that shape their traffic.
//! Needs the Workspace model (branch `dbx`); built with `--features workspaces`.

#[path = "terraform_support.rs"]
mod support;

use adbflow_databricks::endpoints::workspace_url;
use adbflow_databricks::regions::Cloud;
use adbflow_import::terraform::from_json;
use adbflow_model::{
    Diagnostic, IpAccessListType, Libraries, LibrarySource, PublicNetworkAccess, RequiredNsgRules,
    WorkspaceSku,
};
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use support::*;

const SUBNETS: &str = "Microsoft.Network/virtualNetworks/subnets";

fn network() -> Vec<Value> {
    vec![
        res(
            "azurerm_virtual_network.v",
            json!({"id": id("Microsoft.Network/virtualNetworks", &["adb-vnet"]), "name": "adb-vnet",
            "location": "eastus2", "address_space": ["10.179.0.0/16"]}),
        ),
        res(
            "azurerm_subnet.host",
            json!({"id": id(SUBNETS, &["adb-vnet", "host"]), "name": "host", "virtual_network_name": "adb-vnet", "address_prefixes": ["10.179.0.0/24"]}),
        ),
        res(
            "azurerm_subnet.container",
            json!({"id": id(SUBNETS, &["adb-vnet", "container"]), "name": "container", "virtual_network_name": "adb-vnet", "address_prefixes": ["10.179.1.0/24"]}),
        ),
        res(
            "azurerm_subnet.pe",
            json!({"id": id(SUBNETS, &["adb-vnet", "pe"]), "name": "pe", "virtual_network_name": "adb-vnet", "address_prefixes": ["10.179.2.0/24"]}),
        ),
    ]
}

fn workspace(addr: &str, name: &str, extra: Value) -> Value {
    let mut v = json!({"id": id("Microsoft.Databricks/workspaces", &[name]), "name": name, "location": "eastus2", "sku": "premium",
        "public_network_access_enabled": true, "network_security_group_rules_required": "AllRules",
        "workspace_url": "adb-1234567890123456.7.azuredatabricks.net", "workspace_id": "1234567890123456",
        "custom_parameters": [{"virtual_network_id": id("Microsoft.Network/virtualNetworks", &["adb-vnet"]),
            "public_subnet_name": "host", "private_subnet_name": "container", "no_public_ip": true, "storage_account_name": "dbstorageabc"}]});
    if let (Value::Object(v), Value::Object(e)) = (&mut v, extra) {
        v.extend(e);
    }
    res(addr, v)
}

fn dbx(addr: &str, values: Value) -> Value {
    let mut r = res(addr, values);
    r["provider_name"] = json!("registry.terraform.io/databricks/databricks");
    r
}

#[test]
fn a_vnet_injected_workspace_and_its_settings() {
    let mut rs = network();
    rs.push(workspace(
        "azurerm_databricks_workspace.ws",
        "adb-ws",
        json!({"public_network_access_enabled": false,
        "network_security_group_rules_required": "NoAzureDatabricksRules", "sku": "standard"}),
    ));
    let t = import(&state(rs));
    let w = t.estate.workspace("adb-ws").unwrap();
    assert_eq!(
        (w.vnet.as_str(), w.host_subnet.as_str(), w.container_subnet.as_str()),
        ("adb-vnet", "host", "container")
    );
    assert_eq!(
        (w.sku, w.public_network_access, w.required_nsg_rules),
        (WorkspaceSku::Standard, PublicNetworkAccess::Disabled, RequiredNsgRules::NoAzureDatabricksRules)
    );
    assert!(w.no_public_ip);
    assert_eq!(w.workspace_url.as_deref(), Some("adb-1234567890123456.7.azuredatabricks.net"));
    assert_eq!(w.dbfs_storage_account.as_deref(), Some("dbstorageabc"));
    assert_eq!(w.origin, at("azurerm_databricks_workspace.ws"));
    // Databricks creates the DBFS root in the managed resource group: no Terraform resource has it,
    // so it is added with Databricks' defaults and the assumption is the only warning.
    let dbfs = t.estate.storage_account("dbstorageabc").expect("assumed DBFS root");
    assert!(dbfs.hns && dbfs.virtual_network_rules.is_empty());
    assert_eq!(dbfs.origin, at("azurerm_databricks_workspace.ws"));
    assert!(warned(&t.warnings, "terraform-assumed-value", &["dbstorageabc", "created by Databricks"]));
    assert_eq!(t.warnings.len(), 1, "{:#?}", t.warnings);
}

#[test]
fn a_workspace_without_vnet_injection_is_reported() {
    let t = import(&state(vec![res(
        "azurerm_databricks_workspace.ws",
        json!({"name": "managed", "location": "eastus2", "custom_parameters": []}),
    )]));
    assert!(t.estate.workspaces.is_empty());
    assert!(warned(&t.warnings, "terraform-not-modelled", &["Databricks manages its VNet"]));
}

#[test]
fn workspace_private_endpoints_write_their_records() {
    let ws = id("Microsoft.Databricks/workspaces", &["adb-ws"]);
    let zone = id("Microsoft.Network/privateDnsZones", &["privatelink.azuredatabricks.net"]);
    let pe = |addr: &str, name: &str, sub: &str, ip: &str| {
        res(
            addr,
            json!({"id": name, "name": name, "subnet_id": id(SUBNETS, &["adb-vnet", "pe"]), "ip_configuration": [],
            "private_service_connection": [{"name": "c", "is_manual_connection": false, "private_connection_resource_id": ws,
                "subresource_names": [sub], "private_ip_address": ip}],
            "private_dns_zone_group": [{"name": "g", "private_dns_zone_ids": [zone]}]}),
        )
    };
    let mut rs = network();
    rs.push(workspace("azurerm_databricks_workspace.ws", "adb-ws", json!({})));
    rs.push(res(
        "azurerm_private_dns_zone.adb",
        json!({"id": zone, "name": "privatelink.azuredatabricks.net"}),
    ));
    rs.push(pe("azurerm_private_endpoint.ui", "ui-pe", "databricks_ui_api", "10.179.2.4"));
    rs.push(pe("azurerm_private_endpoint.auth", "auth-pe", "browser_authentication", "10.179.2.5"));
    let t = import(&state(rs));
    let z = t.estate.private_dns_zone("privatelink.azuredatabricks.net").unwrap();
    let recs: Vec<(&str, Vec<Ipv4Addr>)> =
        z.records.iter().map(|r| (r.name.as_str(), r.ips.clone())).collect();
    // The workspace URL's first labels for the API endpoint, `<region>.pl-auth` for browser auth.
    assert_eq!(
        recs,
        vec![
            ("adb-1234567890123456.7", vec![Ipv4Addr::new(10, 179, 2, 4)]),
            ("eastus2.pl-auth", vec![Ipv4Addr::new(10, 179, 2, 5)]),
        ]
    );
    assert_eq!(t.estate.private_endpoint("ui-pe").unwrap().target, "adb-ws");
}

// In a plan the workspace URL is known only after apply: the workspace is called by the stand-in
// `adb-<name>.0.azuredatabricks.net` meanwhile, and the API endpoint's record is written under it.
#[test]
fn a_plan_writes_the_api_record_under_the_stand_in_url() {
    let ws_id = id("Microsoft.Databricks/workspaces", &["Adb_WS"]);
    let zone = id("Microsoft.Network/privateDnsZones", &["privatelink.azuredatabricks.net"]);
    let mut ws = workspace("azurerm_databricks_workspace.ws", "Adb_WS", json!({}));
    ws["values"].as_object_mut().unwrap().remove("workspace_url");
    let mut resources: Vec<(Value, Value)> = network().into_iter().map(|r| (r, json!({}))).collect();
    resources.push((ws, json!({"workspace_url": true})));
    resources.push((
        res("azurerm_private_dns_zone.adb", json!({"id": zone, "name": "privatelink.azuredatabricks.net"})),
        json!({}),
    ));
    resources.push((
        res(
            "azurerm_private_endpoint.ui",
            json!({"id": "ui-pe", "name": "ui-pe", "subnet_id": id(SUBNETS, &["adb-vnet", "pe"]), "ip_configuration": [],
            "private_service_connection": [{"name": "c", "is_manual_connection": false, "private_connection_resource_id": ws_id,
                "subresource_names": ["databricks_ui_api"], "private_ip_address": "10.179.2.4"}],
            "private_dns_zone_group": [{"name": "g", "private_dns_zone_ids": [zone]}]}),
        ),
        json!({}),
    ));
    let t = import(&plan(resources, json!({"resources": []})));
    let w = t.estate.workspace("Adb_WS").unwrap();
    assert_eq!(w.workspace_url, None);
    // The same stand-in the check calls the workspace by.
    let cloud =
        Cloud { databricks_suffix: "azuredatabricks.net".into(), storage_suffix: "core.windows.net".into() };
    assert_eq!(workspace_url(w, &cloud), ("adb-adb-ws.0.azuredatabricks.net".to_string(), true));
    let z = t.estate.private_dns_zone("privatelink.azuredatabricks.net").unwrap();
    let recs: Vec<(&str, Vec<Ipv4Addr>)> =
        z.records.iter().map(|r| (r.name.as_str(), r.ips.clone())).collect();
    assert_eq!(recs, vec![("adb-adb-ws.0", vec![Ipv4Addr::new(10, 179, 2, 4)])]);
    let inferred: Vec<&Diagnostic> =
        t.warnings.iter().filter(|w| w.code == "terraform-inferred-value").collect();
    assert_eq!(inferred.len(), 1, "{:#?}", t.warnings);
    assert_eq!(inferred[0].element, "private_dns_zone_group[0].private_dns_zone_ids");
    assert_eq!(inferred[0].origin, at("azurerm_private_endpoint.ui"));
    for says in ["azurerm_databricks_workspace.ws.workspace_url", "adb-adb-ws.0.azuredatabricks.net"] {
        assert!(inferred[0].message.contains(says), "{}", inferred[0].message);
    }
    assert!(!t.warnings.iter().any(|w| w.code == "terraform-value-known-after-apply"), "{:#?}", t.warnings);
}

#[test]
fn metastore_external_locations_and_ip_access_lists() {
    let mut rs = network();
    rs.push(workspace("azurerm_databricks_workspace.ws", "adb-ws", json!({})));
    rs.push(dbx("databricks_metastore.main", json!({"id": "m1", "name": "uc", "storage_root": "abfss://uc@adbucmetastore.dfs.core.windows.net/root"})));
    rs.push(dbx(
        "databricks_external_location.raw",
        json!({"id": "raw", "name": "raw", "url": "abfss://raw@adbdatalake.dfs.core.windows.net/"}),
    ));
    rs.push(dbx("databricks_ip_access_list.office", json!({"id": "l", "label": "office", "list_type": "ALLOW", "ip_addresses": ["203.0.113.0/24", "198.51.100.7"], "enabled": true})));
    rs.push(dbx(
        "databricks_workspace_conf.this",
        json!({"id": "c", "custom_config": {"enableIpAccessLists": "false"}}),
    ));
    rs.push(dbx(
        "databricks_mws_network_connectivity_config.ncc",
        json!({"id": "n", "name": "ncc", "region": "eastus2"}),
    ));
    let t = import(&state(rs));
    let w = t.estate.workspace("adb-ws").unwrap();
    assert_eq!(w.metastore_storage_account.as_deref(), Some("adbucmetastore"));
    assert_eq!(w.external_locations[0].storage_account, "adbdatalake");
    assert_eq!(w.external_locations[0].origin, at("databricks_external_location.raw"));
    let l = &w.ip_access_lists[0];
    assert_eq!((l.name.as_str(), l.list_type, l.ip_addresses.len()), ("office", IpAccessListType::Allow, 2));
    assert!(!l.enabled, "enableIpAccessLists = false switches every list off");
    assert!(warned(&t.warnings, "terraform-not-modelled", &["serverless"]));
    assert!(warned(&t.warnings, "terraform-assumed-value", &["DBFS root"]));
    assert_eq!(t.warnings.len(), 2, "{:#?}", t.warnings);
}

// With two workspaces, a databricks resource belongs to the one its provider block's `host` names.
#[test]
fn provider_blocks_tell_which_workspace_a_resource_belongs_to() {
    let mut resources: Vec<(Value, Value)> = network().into_iter().map(|r| (r, json!({}))).collect();
    for (n, url) in [("one", "adb-1.1.azuredatabricks.net"), ("two", "adb-2.2.azuredatabricks.net")] {
        resources.push((
            workspace(&format!("azurerm_databricks_workspace.{n}"), n, json!({"workspace_url": url})),
            json!({}),
        ));
    }
    resources.push((
        dbx(
            "databricks_ip_access_list.l",
            json!({"label": "corp", "list_type": "BLOCK", "ip_addresses": ["192.0.2.0/24"]}),
        ),
        json!({"id": true}),
    ));
    let mut doc: Value = serde_json::from_str(&plan(resources, json!({"resources": [
        {"address": "databricks_ip_access_list.l", "mode": "managed", "type": "databricks_ip_access_list", "name": "l",
         "provider_config_key": "databricks.two", "expressions": {}}]}))).unwrap();
    doc["configuration"]["provider_config"] = json!({"databricks.two": {"name": "databricks", "alias": "two",
        "expressions": {"host": refs(&["azurerm_databricks_workspace.two.workspace_url", "azurerm_databricks_workspace.two"])}}});
    let t = import(&doc.to_string());
    assert!(t.estate.workspace("one").unwrap().ip_access_lists.is_empty());
    assert_eq!(t.estate.workspace("two").unwrap().ip_access_lists[0].list_type, IpAccessListType::Block);
}

// Settings Terraform has no resource for (docs/terraform.md): where users sit and the library
// repositories, read from the workspace's `adbflow-*` tags.

fn tagged(tags: Value) -> Vec<Value> {
    let mut rs = network();
    rs.push(workspace("azurerm_databricks_workspace.ws", "adb-ws", json!({ "tags": tags })));
    rs
}

#[test]
fn adbflow_tags_set_the_user_subnet_and_library_sources() {
    let t = import(&state(tagged(json!({
        "adbflow-user-subnet": "adb-vnet/pe",
        "adbflow-pypi": "https://nexus.example.com/repository/pypi/simple",
        // Azure tag names are case-insensitive, and so is adbflow.
        "ADBFLOW-Maven": "none",
        "adbflow-cran": "public",
        "owner": "data-platform",
    }))));
    let w = t.estate.workspace("adb-ws").unwrap();
    assert_eq!(w.user_subnet.as_deref(), Some("adb-vnet/pe"));
    assert_eq!(
        w.libraries.pypi,
        LibrarySource::Mirror("https://nexus.example.com/repository/pypi/simple".into())
    );
    assert_eq!((&w.libraries.maven, &w.libraries.cran), (&LibrarySource::None, &LibrarySource::Public));
    // The DBFS assumption is the only warning: the user's own tags are not looked at.
    assert_eq!(t.warnings.len(), 1, "{:#?}", t.warnings);

    // Without tags, the native defaults.
    let t = import(&state(tagged(json!({}))));
    let w = t.estate.workspace("adb-ws").unwrap();
    assert_eq!((w.user_subnet.as_ref(), &w.libraries), (None, &Libraries::default()));
}

#[test]
fn an_unknown_adbflow_tag_is_a_warning_naming_resource_and_tag() {
    let t = import(&state(tagged(json!({
        "adbflow-pypy": "none", "adbflow_maven": "none", "adbflow-cran": "none", "adbflowish": "x"
    }))));
    let w = t.estate.workspace("adb-ws").unwrap();
    assert_eq!(w.libraries, Libraries::default(), "misspelt tags set nothing");
    let unknown: Vec<&Diagnostic> =
        t.warnings.iter().filter(|w| w.code == "terraform-adbflow-tag-unknown").collect();
    assert_eq!(unknown.len(), 2, "{:#?}", t.warnings);
    assert_eq!(unknown[0].element, "tags.adbflow-pypy");
    assert_eq!(unknown[0].origin, at("azurerm_databricks_workspace.ws"));
    assert!(unknown[0].message.contains("adbflow-user-subnet, adbflow-pypi, adbflow-maven, adbflow-cran"));
    assert_eq!(unknown[1].element, "tags.adbflow_maven");
    assert!(unknown[1].message.contains("did you mean 'adbflow-maven'?"), "{}", unknown[1].message);
}

#[test]
fn a_bad_adbflow_tag_value_is_an_error_naming_resource_and_tag() {
    for (tags, says) in [
        (
            json!({"adbflow-pypi": "ftp://mirror.example.com/simple"}),
            "tags.adbflow-pypi: 'ftp://mirror.example.com/simple' is not a library source",
        ),
        (
            json!({"adbflow-maven": "https://:8081/maven2"}),
            "tags.adbflow-maven: 'https://:8081/maven2' has no valid host name",
        ),
        (json!({"adbflow-cran": ""}), "tags.adbflow-cran: '' is not a library source"),
        (
            json!({"adbflow-user-subnet": "pe"}),
            "tags.adbflow-user-subnet: 'pe' is not a subnet: write VNET/SUBNET",
        ),
        (
            json!({"adbflow-user-subnet": "transit-vnet/clients"}),
            "tags.adbflow-user-subnet: subnet 'transit-vnet/clients' is not in this input",
        ),
        (
            json!({"adbflow-pypi": "none", "ADBFLOW-PYPI": "public"}),
            "'ADBFLOW-PYPI' already sets adbflow-pypi",
        ),
    ] {
        let err = from_json(&state(tagged(tags)), "main.json").unwrap_err().to_string();
        assert!(err.starts_with("main.json: azurerm_databricks_workspace.ws: "), "{err}");
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn adbflow_tags_known_only_after_apply_are_warned_about() {
    // One tag's value is computed (`adbflow-pypi = azurerm_x.mirror.url`): the others still count.
    let ws =
        workspace("azurerm_databricks_workspace.ws", "adb-ws", json!({"tags": {"adbflow-maven": "none"}}));
    let mut resources: Vec<(Value, Value)> = network().into_iter().map(|r| (r, json!({}))).collect();
    resources.push((ws, json!({"tags": {"adbflow-pypi": true}})));
    let t = import(&plan(resources, json!({"resources": []})));
    let w = t.estate.workspace("adb-ws").unwrap();
    assert_eq!((&w.libraries.pypi, &w.libraries.maven), (&LibrarySource::Public, &LibrarySource::None));
    let late: Vec<&Diagnostic> =
        t.warnings.iter().filter(|w| w.code == "terraform-value-known-after-apply").collect();
    assert_eq!(late.len(), 1, "{:#?}", t.warnings);
    assert_eq!(late[0].element, "tags.adbflow-pypi");
    assert!(late[0].message.contains("keeps the default (public)"), "{}", late[0].message);

    // The whole map computed (`tags = merge(local.tags, …)` with an unknown part).
    let mut ws = workspace("azurerm_databricks_workspace.ws", "adb-ws", json!({}));
    ws["values"].as_object_mut().unwrap().remove("tags");
    let mut resources: Vec<(Value, Value)> = network().into_iter().map(|r| (r, json!({}))).collect();
    resources.push((ws, json!({"tags": true})));
    let t = import(&plan(resources, json!({"resources": []})));
    let w = t.estate.workspace("adb-ws").unwrap();
    assert_eq!((w.user_subnet.as_ref(), &w.libraries), (None, &Libraries::default()));
    assert!(
        t.warnings.iter().any(|w| w.code == "terraform-value-known-after-apply"
            && w.element == "tags"
            && w.message.contains("adbflow-user-subnet")
            && w.origin == at("azurerm_databricks_workspace.ws")),
        "{:#?}",
        t.warnings
    );
}

#[path = "hcl_support.rs"]
mod hcl_support;

// `.tf` code: the tags are evaluated like any attribute, so a computed value is known only after apply.
#[test]
fn adbflow_tags_in_terraform_code() {
    let l = hcl_support::main_tf(
        r#"
resource "azurerm_virtual_network" "v" {
  name                = "adb-vnet"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = ["10.1.0.0/16"]
}
resource "azurerm_subnet" "s" {
  for_each             = { host = "10.1.0.0/24", container = "10.1.1.0/24", users = "10.1.2.0/24" }
  name                 = each.key
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = [each.value]
}
resource "random_string" "mirror" {
  length = 8
}
locals {
  tags = { owner = "data-platform" }
}
resource "azurerm_databricks_workspace" "w" {
  name                = "adb-ws"
  location            = "westeurope"
  resource_group_name = "rg"
  sku                 = "premium"
  tags = merge(local.tags, {
    "adbflow-user-subnet" = "${azurerm_virtual_network.v.name}/users"
    "adbflow-pypi"        = "none"
    "adbflow-maven"       = "https://${random_string.mirror.result}.example.com/maven2"
  })
  custom_parameters {
    no_public_ip        = true
    virtual_network_id  = azurerm_virtual_network.v.id
    public_subnet_name  = azurerm_subnet.s["host"].name
    private_subnet_name = azurerm_subnet.s["container"].name
  }
}
"#,
    );
    let w = l.estate.workspace("adb-ws").unwrap();
    assert_eq!(w.user_subnet.as_deref(), Some("adb-vnet/users"));
    assert_eq!((&w.libraries.pypi, &w.libraries.maven), (&LibrarySource::None, &LibrarySource::Public));
    let late = hcl_support::warnings_with(&l, "terraform-value-known-after-apply");
    assert_eq!(late.len(), 1, "{:#?}", l.warnings);
    // A `.tf` warning points at the block's file and line, so the element names the address too.
    assert_eq!(late[0].element, "azurerm_databricks_workspace.w.tags.adbflow-maven");
}
