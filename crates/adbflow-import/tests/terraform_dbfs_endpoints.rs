//! Private endpoints to the workspace's DBFS root account. Databricks creates that account in the
//! workspace's managed resource group, so Terraform code (Databricks' own examples among it) builds
//! the endpoint's target ID from the workspace:
//! `"${azurerm_databricks_workspace.this.managed_resource_group_id}/providers/Microsoft.Storage/storageAccounts/${local.dbfs_name}"`.
//! In a plan that ID is known only after apply and its references name the workspace, yet the
//! target is the storage account; in a state the ID is concrete. Either way the endpoint must
//! target the DBFS account the workspace mapping assumes, with no "not in this input" warning.
//!
//! The fixtures (`fixtures/terraform/dbfs-private-endpoints.*.json`) are one deployment in the
//! exact `terraform show -json` layout: a VNet-injected workspace and `blob`/`dfs` endpoints from
//! `for_each`, each in its privatelink zone through a zone group.

#[path = "terraform_support.rs"]
mod support;

use adbflow_databricks::{builtin_regions, check, prepare, CheckOptions};
use adbflow_import::{load_str, Format};
use adbflow_net::ServiceTags;
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use support::*;

const PLAN: &str = include_str!("fixtures/terraform/dbfs-private-endpoints.plan.json");
const STATE: &str = include_str!("fixtures/terraform/dbfs-private-endpoints.state.json");

/// The endpoints as (name, target, sub-resource, IP).
fn endpoints(e: &adbflow_model::Estate) -> Vec<(String, String, String, Option<Ipv4Addr>)> {
    e.private_endpoints
        .iter()
        .map(|p| (p.name.clone(), p.target.clone(), p.subresource.clone(), p.ip))
        .collect()
}

fn row(name: &str, sub: &str, ip: Option<Ipv4Addr>) -> (String, String, String, Option<Ipv4Addr>) {
    (name.into(), "dbstorageadbws".into(), sub.into(), ip)
}

/// Loads like the CLI does (mapping, then validation), then runs the whole check.
fn loads_and_checks(text: &str, format: Format) {
    let loaded = load_str(text, "main.json", format).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.format, format);
    let report = check(&loaded.estate, &ServiceTags::symbolic(), &CheckOptions::default());
    if let Err(e) = report {
        panic!("the check fails: {e}");
    }
}

fn no_link_warnings(t: &adbflow_import::terraform::TerraformImport) {
    for code in [
        "terraform-link-outside-input",
        "terraform-link-unresolved",
        "terraform-link-ambiguous",
        "terraform-link-unexpected",
    ] {
        assert!(codes(&t.warnings, code).is_empty(), "{code}: {:#?}", t.warnings);
    }
}

#[test]
fn plan_endpoints_built_from_the_managed_resource_group_target_the_dbfs_account() {
    let t = import(PLAN);
    assert_eq!(
        endpoints(&t.estate),
        vec![row("dbfs-blob-pe", "blob", None), row("dbfs-dfs-pe", "dfs", None)],
        "the workspace's managed resource group holds the DBFS root; the workspace is not the target"
    );
    assert!(t.estate.storage_account("dbstorageadbws").is_some(), "the assumed DBFS root");
    // The zone groups register the account's name (the IP is assigned at apply).
    for sub in ["blob", "dfs"] {
        let zone = t.estate.private_dns_zone(&format!("privatelink.{sub}.core.windows.net")).unwrap();
        let names: Vec<&str> = zone.records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["dbstorageadbws"], "{sub}");
    }
    no_link_warnings(&t);
    loads_and_checks(PLAN, Format::TerraformPlan);
}

#[test]
fn state_endpoints_with_the_concrete_id_target_the_dbfs_account_without_a_warning() {
    let t = import(STATE);
    assert_eq!(
        endpoints(&t.estate),
        vec![
            row("dbfs-blob-pe", "blob", Some(Ipv4Addr::new(10, 179, 2, 4))),
            row("dbfs-dfs-pe", "dfs", Some(Ipv4Addr::new(10, 179, 2, 5))),
        ]
    );
    let zone = t.estate.private_dns_zone("privatelink.dfs.core.windows.net").unwrap();
    assert_eq!(zone.records[0].name, "dbstorageadbws");
    assert_eq!(zone.records[0].ips, [Ipv4Addr::new(10, 179, 2, 5)]);
    // The account is the DBFS root the workspace mapping adds: not "outside this input".
    no_link_warnings(&t);
    assert_eq!(codes(&t.warnings, "terraform-assumed-value").len(), 1, "{:#?}", t.warnings);
    loads_and_checks(STATE, Format::TerraformState);
}

// --- Variants built in memory from the plan fixture ---

fn plan_doc() -> Value {
    serde_json::from_str(PLAN).unwrap()
}

fn config_resource<'a>(doc: &'a mut Value, address: &str) -> &'a mut Value {
    doc["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["address"] == address)
        .unwrap()
}

fn target_expression(doc: &mut Value) -> &mut Value {
    &mut config_resource(doc, "azurerm_private_endpoint.dbfs")["expressions"]["private_service_connection"][0]
        ["private_connection_resource_id"]
}

/// Every planned value of `address` (planned_values and resource_changes), for editing.
fn planned_values(doc: &mut Value, address: &str, edit: impl Fn(&mut Value)) {
    for r in doc["planned_values"]["root_module"]["resources"].as_array_mut().unwrap() {
        if r["address"] == address {
            edit(&mut r["values"]);
        }
    }
    for r in doc["resource_changes"].as_array_mut().unwrap() {
        if r["address"] == address {
            edit(&mut r["change"]["after"]);
        }
    }
}

// Without `storage_account_name` Azure names the DBFS root itself; the check assumes
// `dbstorage<workspace name>`, so the endpoint must name that account too.
#[test]
fn without_a_storage_account_name_the_endpoint_targets_the_assumed_default() {
    let mut doc = plan_doc();
    planned_values(&mut doc, "azurerm_databricks_workspace.this", |v| {
        v["custom_parameters"][0].as_object_mut().unwrap().remove("storage_account_name");
    });
    config_resource(&mut doc, "azurerm_databricks_workspace.this")["expressions"]["custom_parameters"][0]
        .as_object_mut()
        .unwrap()
        .remove("storage_account_name");
    let text = doc.to_string();
    let t = import(&text);
    let targets: Vec<&str> = t.estate.private_endpoints.iter().map(|p| p.target.as_str()).collect();
    assert_eq!(targets, ["dbstorageadbws", "dbstorageadbws"]);
    assert_eq!(t.estate.workspace("adb-ws").unwrap().dbfs_storage_account, None);
    let prepared = prepare(&t.estate, builtin_regions(), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(prepared.workspaces[0].workspace.dbfs_storage_account.as_deref(), Some("dbstorageadbws"));
    no_link_warnings(&t);
    loads_and_checks(&text, Format::TerraformPlan);
}

// The same through a module: the workspace's managed resource group ID reaches the endpoint as a
// module output, and a `managed_resource_group_name` reference means the same resource group.
#[test]
fn managed_resource_group_references_through_outputs_and_by_name() {
    for (refs_, outputs) in [
        (
            json!([
                "var.subscription_id",
                "azurerm_databricks_workspace.this.managed_resource_group_name",
                "azurerm_databricks_workspace.this",
                "local.dbfs_name"
            ]),
            None,
        ),
        (
            json!(["module.adb.managed_resource_group_id", "module.adb", "local.dbfs_name"]),
            Some(json!({"managed_resource_group_id": {"expression": {"references": [
                "azurerm_databricks_workspace.this.managed_resource_group_id", "azurerm_databricks_workspace.this"]}}})),
        ),
    ] {
        let mut doc = plan_doc();
        *target_expression(&mut doc) = json!({ "references": refs_ });
        if let Some(outputs) = outputs {
            move_workspace_into_module(&mut doc, outputs);
        }
        let t = import(&doc.to_string());
        let targets: Vec<&str> = t.estate.private_endpoints.iter().map(|p| p.target.as_str()).collect();
        assert_eq!(targets, ["dbstorageadbws", "dbstorageadbws"], "{refs_}");
        no_link_warnings(&t);
    }
}

/// `azurerm_databricks_workspace.this` as `module.adb.azurerm_databricks_workspace.this`, its
/// configuration in module call `adb` with `outputs`.
fn move_workspace_into_module(doc: &mut Value, outputs: Value) {
    const OLD: &str = "azurerm_databricks_workspace.this";
    const NEW: &str = "module.adb.azurerm_databricks_workspace.this";
    let planned = doc["planned_values"]["root_module"]["resources"].as_array_mut().unwrap();
    let at = planned.iter().position(|r| r["address"] == OLD).unwrap();
    let mut ws = planned.remove(at);
    ws["address"] = json!(NEW);
    doc["planned_values"]["root_module"]["child_modules"] =
        json!([{"address": "module.adb", "resources": [ws]}]);
    for r in doc["resource_changes"].as_array_mut().unwrap() {
        if r["address"] == OLD {
            r["address"] = json!(NEW);
            r["module_address"] = json!("module.adb");
        }
    }
    let root = &mut doc["configuration"]["root_module"];
    let resources = root["resources"].as_array_mut().unwrap();
    let at = resources.iter().position(|r| r["address"] == OLD).unwrap();
    let mut cfg = resources.remove(at);
    // The module's inputs are not what is tested: constants stand in for them.
    cfg["expressions"]["custom_parameters"][0]["virtual_network_id"] = json!({"references": ["var.vnet_id"]});
    root["module_calls"] = json!({"adb": {"source": "./modules/adb", "expressions": {
        "vnet_id": {"references": ["azurerm_virtual_network.this.id", "azurerm_virtual_network.this"]}},
        "module": {"resources": [cfg], "outputs": outputs}}});
}
