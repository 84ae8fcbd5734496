//! Nothing the user gave is dropped silently: unmodelled resource types are listed once per type
//! with a count, conflicts and duplicates are named, and every warning points at the input.

#[path = "terraform_support.rs"]
mod support;

use serde_json::json;
use support::*;

#[test]
fn unmodelled_types_are_listed_once_per_type_with_a_count() {
    let mut resources = Vec::new();
    for i in 0..7 {
        resources.push(res(&format!("azurerm_key_vault.kv[{i}]"), json!({"name": format!("kv{i}")})));
    }
    resources.push(res("module.logs.azurerm_log_analytics_workspace.main", json!({"name": "logs"})));
    resources.push(res("azurerm_resource_group.rg", json!({"name": "rg"})));
    resources.push(res("azurerm_databricks_access_connector.uc", json!({"name": "uc"})));
    let t = import(&state(resources));
    let ignored: Vec<_> = t.warnings.iter().filter(|w| w.code == "terraform-ignored-type").collect();
    let types: Vec<&str> = ignored.iter().map(|w| w.element.as_str()).collect();
    assert_eq!(
        types,
        vec!["azurerm_key_vault", "azurerm_log_analytics_workspace"],
        "sorted by type, one each"
    );
    let kv = &ignored[0].message;
    assert!(kv.starts_with("ignored: 7 × azurerm_key_vault"), "{kv}");
    assert!(
        kv.contains("azurerm_key_vault.kv[0]") && kv.contains("azurerm_key_vault.kv[4]") && kv.ends_with('…'),
        "{kv}"
    );
    assert!(!kv.contains("kv[5]"), "at most five addresses are listed: {kv}");
    assert_eq!(ignored[1].origin, at("module.logs.azurerm_log_analytics_workspace.main"));
    // Resource groups and access connectors carry no network configuration.
    assert_eq!(t.warnings.len(), 2, "{:#?}", t.warnings);
}

#[test]
fn duplicate_names_and_conflicting_associations_are_named() {
    let subnet = id("Microsoft.Network/virtualNetworks/subnets", &["v", "s"]);
    let nsg = |n: &str| id("Microsoft.Network/networkSecurityGroups", &[n]);
    let t = import(&state(vec![
        res("azurerm_virtual_network.v", json!({"name": "v", "address_space": ["10.0.0.0/16"]})),
        res(
            "azurerm_subnet.s",
            json!({"id": subnet, "name": "s", "virtual_network_name": "v", "address_prefixes": ["10.0.1.0/24"]}),
        ),
        res("azurerm_network_security_group.a", json!({"id": nsg("a"), "name": "a"})),
        res("azurerm_network_security_group.b", json!({"id": nsg("b"), "name": "b"})),
        res("azurerm_network_security_group.dup", json!({"id": nsg("a") + "-rg2", "name": "a"})),
        res(
            "azurerm_subnet_network_security_group_association.one",
            json!({"subnet_id": subnet, "network_security_group_id": nsg("a")}),
        ),
        res(
            "azurerm_subnet_network_security_group_association.two",
            json!({"subnet_id": subnet, "network_security_group_id": nsg("b")}),
        ),
    ]));
    assert_eq!(t.estate.nsgs.len(), 2);
    assert_eq!(t.estate.subnet("v/s").unwrap().subnet.nsg.as_deref(), Some("a"));
    let dup = t.warnings.iter().find(|w| w.code == "terraform-duplicate-name").unwrap();
    assert_eq!(dup.origin, at("azurerm_network_security_group.dup"));
    assert!(warned(&t.warnings, "terraform-conflicting-association", &["v/s", "keeps 'a'", "'b' out"]));
}

#[test]
fn every_warning_names_the_file_and_a_resource_address() {
    let text = include_str!("fixtures/terraform/hub-spoke.state.json");
    let t = adbflow_import::terraform::from_json(text, "hub-spoke.state.json").unwrap();
    assert!(!t.warnings.is_empty());
    for w in &t.warnings {
        let shown = w.to_string();
        assert!(shown.starts_with("hub-spoke.state.json: "), "{shown}");
        assert!(
            matches!(&w.origin, Some(adbflow_model::Origin::Address { address, .. }) if !address.is_empty()),
            "{shown}"
        );
    }
}

#[test]
fn the_same_input_gives_byte_identical_output() {
    let text = include_str!("fixtures/terraform/modules.plan.json");
    let a = adbflow_import::terraform::from_json(text, "m.json").unwrap();
    let b = adbflow_import::terraform::from_json(text, "m.json").unwrap();
    assert_eq!(serde_json::to_string(&a.estate).unwrap(), serde_json::to_string(&b.estate).unwrap());
    assert_eq!(a.warnings, b.warnings);
}
