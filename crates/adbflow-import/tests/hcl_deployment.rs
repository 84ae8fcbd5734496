//! A realistic deployment written as Terraform code — a root module with a tfvars file, a network
//! module (VNet, subnets from `for_each` with a `dynamic` delegation, NSG rules created
//! conditionally with `count`, NSG and NAT associations) and a workspace module
//! (`azurerm_databricks_workspace` with VNet injection), storage private endpoints via `for_each` —
//! checks exactly like the same deployment given as `terraform show -json` plan output
//! (`fixtures/hcl/deployment/plan.json`, written to match what Terraform prints for this code).

#[path = "hcl_support.rs"]
mod support;

use adbflow_databricks::{check, CheckOptions};
use adbflow_import::{load_path, Format};
use adbflow_model::spec::AddressSpec;
use adbflow_net::ServiceTags;
use serde_json::Value;
use support::*;

fn from_code() -> adbflow_import::Loaded {
    load(&fixture("deployment/envs/prod"), &quiet())
}

fn from_plan() -> adbflow_import::Loaded {
    load_path(&fixture("deployment/plan.json")).unwrap_or_else(|e| panic!("{e}"))
}

fn without_origins(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter().filter(|(k, _)| k != "origin").map(|(k, v)| (k, without_origins(v))).collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_origins).collect()),
        other => other,
    }
}

fn check_json(l: &adbflow_import::Loaded) -> Value {
    let report = check(&l.estate, &ServiceTags::symbolic(), &CheckOptions::default()).unwrap();
    without_origins(serde_json::from_str(&adbflow_report::check::render_check_json(&report)).unwrap())
}

#[test]
fn the_code_and_its_plan_give_the_same_estate() {
    let (code, plan) = (from_code(), from_plan());
    assert_eq!(code.format, Format::TerraformHcl);
    assert_eq!(plan.format, Format::TerraformPlan);
    let estate = |l: &adbflow_import::Loaded| without_origins(serde_json::to_value(&l.estate).unwrap());
    assert_eq!(estate(&code), estate(&plan));
}

#[test]
fn the_code_and_its_plan_check_identically() {
    let (code, plan) = (check_json(&from_code()), check_json(&from_plan()));
    assert!(code["workspaces"].as_array().is_some_and(|w| !w.is_empty()), "{code}");
    assert_eq!(code, plan);
}

#[test]
fn tfvars_values_reach_the_modules() {
    let e = from_code().estate;
    assert_eq!(e.region.as_deref(), Some("eastus2"), "terraform.tfvars overrides the westeurope default");
    let host = e.subnet("lakehouse-prod-vnet/lakehouse-prod-host").unwrap().subnet;
    assert_eq!(host.prefix.to_string(), "10.20.0.0/24");
    assert_eq!(host.nsg.as_deref(), Some("lakehouse-prod-nsg"));
    assert_eq!(host.nat_gateway.as_deref(), Some("lakehouse-prod-nat"));
    let pe = e.subnet("lakehouse-prod-vnet/lakehouse-prod-endpoints").unwrap().subnet;
    assert_eq!(pe.prefix.to_string(), "10.20.2.0/26");
    assert_eq!(pe.delegation, None, "delegated = false leaves the dynamic block empty");
    assert_eq!(pe.nsg, None);
}

#[test]
fn count_creates_the_conditional_rules_only_when_asked() {
    let e = from_code().estate;
    let nsg = e.nsgs.iter().find(|n| n.name == "lakehouse-prod-nsg").unwrap();
    let names: Vec<&str> = nsg.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["allow-monitoring-9100", "allow-monitoring-9256"]);
    assert_eq!(nsg.rules[1].priority, 201);
    assert_eq!(
        nsg.rules[0].source,
        Some(AddressSpec::parse_items(vec!["10.20.3.0/24".to_string()]).unwrap())
    );

    let mut opts = quiet();
    opts.vars = vec!["deny_internet_outbound=true".into(), "allow_monitoring=false".into()];
    let e = load(&fixture("deployment/envs/prod"), &opts).estate;
    let nsg = e.nsgs.iter().find(|n| n.name == "lakehouse-prod-nsg").unwrap();
    let names: Vec<&str> = nsg.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["deny-internet-outbound"]);
}

#[test]
fn private_endpoints_from_for_each_link_their_own_zone_and_the_storage_account() {
    let e = from_code().estate;
    for sub in ["blob", "dfs"] {
        let pe = e.private_endpoints.iter().find(|p| p.name == format!("lakehouse-prod-pe-{sub}")).unwrap();
        assert_eq!(pe.subnet, "lakehouse-prod-vnet/lakehouse-prod-endpoints");
        assert_eq!(pe.target, "lakehouseproduc");
        assert_eq!(pe.subresource, sub);
        let zone = e
            .private_dns_zones
            .iter()
            .find(|z| z.name == format!("privatelink.{sub}.core.windows.net"))
            .unwrap();
        assert_eq!(zone.links.len(), 1);
        assert_eq!(zone.links[0].vnet, "lakehouse-prod-vnet");
    }
}

#[test]
fn findings_point_at_the_tf_file_and_line() {
    let e = from_code().estate;
    let text = std::fs::read_to_string(fixture("deployment/modules/network/main.tf")).unwrap();
    let host = e.subnet("lakehouse-prod-vnet/lakehouse-prod-host").unwrap().subnet;
    assert_eq!(
        line_of(&host.origin),
        ("main.tf".into(), line_containing(&text, r#"resource "azurerm_subnet" "this""#))
    );
    let rule = &e.nsgs.iter().find(|n| n.name == "lakehouse-prod-nsg").unwrap().rules[0];
    assert_eq!(
        line_of(&rule.origin),
        (
            "main.tf".into(),
            line_containing(&text, r#"resource "azurerm_network_security_rule" "monitoring_inbound""#)
        )
    );
    match &host.origin {
        Some(adbflow_model::Origin::File { file, .. }) => {
            assert!(
                file.ends_with("deployment/modules/network/main.tf"),
                "{file}: module paths are normalised"
            );
            assert!(!file.contains(".."), "{file}");
        }
        other => panic!("{other:?}"),
    }
    let ws = &e.workspaces[0];
    let wtext = std::fs::read_to_string(fixture("deployment/modules/workspace/main.tf")).unwrap();
    assert_eq!(line_of(&ws.origin).1, line_containing(&wtext, r#"resource "azurerm_databricks_workspace""#));
}

#[test]
fn data_sources_are_reported_as_not_read() {
    let l = from_code();
    let w = warnings_with(&l, "terraform-hcl-data-source");
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("data.azurerm_client_config.current"), "{}", w[0].message);
}
