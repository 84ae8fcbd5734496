//! Plans whose values are known only after apply: links resolved through configuration references,
//! unknown addresses kept unknown (never guessed, never an error), and every link adbflow cannot
//! resolve reported by resource address and attribute.

#[path = "terraform_support.rs"]
mod support;

use adbflow_model::AddressSpec;
use serde_json::{json, Value};
use support::*;

fn vnet(name: &str, azname: &str, space: &str) -> (Value, Value) {
    (
        res(
            &format!("azurerm_virtual_network.{name}"),
            json!({"name": azname, "location": "eastus2", "address_space": [space]}),
        ),
        json!({"id": true, "subnet": true, "dns_servers": true}),
    )
}

fn subnet(name: &str, azname: &str, vnet: &str, prefix: &str) -> (Value, Value) {
    (
        res(
            &format!("azurerm_subnet.{name}"),
            json!({"name": azname, "virtual_network_name": vnet, "address_prefixes": [prefix]}),
        ),
        json!({"id": true}),
    )
}

fn nsg(name: &str, azname: &str) -> (Value, Value) {
    (
        res(
            &format!("azurerm_network_security_group.{name}"),
            json!({"name": azname, "location": "eastus2"}),
        ),
        json!({"id": true, "security_rule": true}),
    )
}

fn assoc(name: &str) -> (Value, Value) {
    (
        res(&format!("azurerm_subnet_network_security_group_association.{name}"), json!({})),
        json!({"id": true, "subnet_id": true, "network_security_group_id": true}),
    )
}

fn assoc_cfg(name: &str, subnet_refs: &[&str]) -> Value {
    cfg(
        &format!("azurerm_subnet_network_security_group_association.{name}"),
        json!({
        "subnet_id": refs(subnet_refs),
        "network_security_group_id": refs(&["azurerm_network_security_group.n.id", "azurerm_network_security_group.n"])}),
    )
}

/// An association whose subnet ID is unknown and whose configuration names only a variable.
fn unreferenced_subnet_plan() -> String {
    plan(
        vec![
            vnet("v", "v", "10.0.0.0/16"),
            subnet("host", "host", "v", "10.0.1.0/24"),
            nsg("n", "nsg"),
            assoc("host"),
        ],
        json!({"resources": [assoc_cfg("host", &["var.subnet_id"])]}),
    )
}

#[test]
fn unknown_ids_link_through_configuration_references() {
    let text = plan(
        vec![
            vnet("v", "v", "10.0.0.0/16"),
            subnet("host", "host", "v", "10.0.1.0/24"),
            nsg("n", "nsg"),
            assoc("host"),
        ],
        json!({"resources": [assoc_cfg("host", &["azurerm_subnet.host.id", "azurerm_subnet.host"])]}),
    );
    let t = import(&text);
    assert_eq!(t.estate.subnet("v/host").unwrap().subnet.nsg.as_deref(), Some("nsg"));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
}

#[test]
fn an_unknown_id_without_a_reference_is_reported_and_left_out() {
    let text = unreferenced_subnet_plan();
    let t = import(&text);
    assert_eq!(t.estate.subnet("v/host").unwrap().subnet.nsg, None);
    let w = &t.warnings[0];
    assert_eq!((w.code, w.element.as_str()), ("terraform-link-unresolved", "subnet_id"));
    assert_eq!(w.origin, at("azurerm_subnet_network_security_group_association.host"));
    assert_eq!(t.warnings.len(), 1, "{:#?}", t.warnings);
}

// A reference to a counted resource without an index, from a resource without `count`, could mean
// any instance: adbflow says so instead of picking one.
#[test]
fn an_ambiguous_reference_is_reported() {
    let mut s0 = subnet("s", "s0", "v", "10.0.1.0/24");
    let mut s1 = subnet("s", "s1", "v", "10.0.2.0/24");
    s0.0 = res("azurerm_subnet.s[0]", s0.0["values"].clone());
    s1.0 = res("azurerm_subnet.s[1]", s1.0["values"].clone());
    let text = plan(
        vec![vnet("v", "v", "10.0.0.0/16"), s0, s1, nsg("n", "nsg"), assoc("one")],
        json!({"resources": [assoc_cfg("one", &["azurerm_subnet.s"])]}),
    );
    let t = import(&text);
    assert!(t.estate.subnets().all(|s| s.subnet.nsg.is_none()));
    assert!(warned(&t.warnings, "terraform-link-ambiguous", &["v/s0", "v/s1"]), "{:#?}", t.warnings);
}

#[test]
fn values_assigned_at_apply_stay_unknown_without_warnings() {
    let pe = res(
        "azurerm_private_endpoint.pe",
        json!({"name": "lake-pe", "location": "eastus2",
        "private_service_connection": [{"name": "c", "is_manual_connection": false, "subresource_names": ["blob"]}],
        "private_dns_zone_group": [{"name": "default"}]}),
    );
    let pe_unknown = json!({"id": true, "subnet_id": true, "private_service_connection": [{"private_ip_address": true,
        "private_connection_resource_id": true}], "private_dns_zone_group": [{"id": true, "private_dns_zone_ids": true}]});
    let text = plan(
        vec![
            vnet("v", "v", "10.0.0.0/16"),
            subnet("pe", "pe", "v", "10.0.5.0/24"),
            (
                res(
                    "azurerm_storage_account.lake",
                    json!({"name": "lake", "location": "eastus2", "is_hns_enabled": true}),
                ),
                json!({"id": true}),
            ),
            (
                res("azurerm_private_dns_zone.blob", json!({"name": "privatelink.blob.core.windows.net"})),
                json!({"id": true}),
            ),
            (
                res(
                    "azurerm_public_ip.egress",
                    json!({"name": "egress-ip", "sku": "Standard", "location": "eastus2"}),
                ),
                json!({"id": true, "ip_address": true}),
            ),
            (pe, pe_unknown),
        ],
        json!({"resources": [cfg("azurerm_private_endpoint.pe", json!({
            "subnet_id": refs(&["azurerm_subnet.pe.id", "azurerm_subnet.pe"]),
            "private_service_connection": [{"private_connection_resource_id": refs(&["azurerm_storage_account.lake.id", "azurerm_storage_account.lake"])}],
            "private_dns_zone_group": [{"private_dns_zone_ids": refs(&["azurerm_private_dns_zone.blob.id", "azurerm_private_dns_zone.blob"])}]}))]}),
    );
    let t = import(&text);
    let pe = t.estate.private_endpoint("lake-pe").unwrap();
    assert_eq!((pe.subnet.as_str(), pe.target.as_str(), pe.ip), ("v/pe", "lake", None));
    let zone = t.estate.private_dns_zone("privatelink.blob.core.windows.net").unwrap();
    assert_eq!(zone.records[0].name, "lake");
    assert!(zone.records[0].ips.is_empty(), "the endpoint's IP is known only after apply");
    assert_eq!(t.estate.public_ip("egress-ip").unwrap().ip, None);
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
}

#[test]
fn an_unknown_name_gets_a_marked_stand_in_that_links_still_reach() {
    let text = plan(
        vec![
            vnet("v", "v", "10.0.0.0/16"),
            subnet("host", "host", "v", "10.0.1.0/24"),
            (
                res(r#"azurerm_network_security_group.n["a"]"#, json!({"location": "eastus2"})),
                json!({"id": true, "name": true}),
            ),
            assoc("host"),
        ],
        json!({"resources": [assoc_cfg("host", &["azurerm_subnet.host.id", "azurerm_subnet.host"])]}),
    );
    let t = import(&text);
    let stand_in = "azurerm_network_security_group.n[a]";
    assert!(t.estate.nsg(stand_in).is_some());
    assert_eq!(t.estate.subnet("v/host").unwrap().subnet.nsg.as_deref(), Some(stand_in));
    assert!(warned(&t.warnings, "terraform-name-known-after-apply", &[stand_in]));
    assert_eq!(t.warnings.len(), 1, "{:#?}", t.warnings);
}

#[test]
fn a_rule_whose_addresses_are_unknown_is_left_out_with_a_warning() {
    let rules = json!([
        {"name": "from-egress", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
         "source_port_range": "*", "destination_port_range": "443", "destination_address_prefix": "*"},
        {"name": "known", "priority": 200, "direction": "Inbound", "access": "Deny", "protocol": "*",
         "source_port_range": "*", "destination_port_range": "*", "source_address_prefix": "Internet", "destination_address_prefix": "*"}]);
    let text = plan(
        vec![(
            res(
                "azurerm_network_security_group.n",
                json!({"name": "nsg", "location": "eastus2", "security_rule": rules}),
            ),
            json!({"id": true, "security_rule": [{"source_address_prefix": true}, {}]}),
        )],
        json!({"resources": []}),
    );
    let t = import(&text);
    let names: Vec<&str> = t.estate.nsg("nsg").unwrap().rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["known"]);
    assert!(warned(&t.warnings, "terraform-rule-left-out", &["from-egress", "known only after apply"]));
    assert_eq!(t.warnings[0].element, "security_rule[0].source_address_prefix");
}

// Inline rules are a set: Terraform lists their values in hash order, the configuration in source
// order. References inside a rule are matched to its value by name.
#[test]
fn set_blocks_match_their_configuration_by_name() {
    let rule = |name: &str, p: u32| {
        json!({"name": name, "priority": p, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "source_port_range": "*", "destination_port_range": "443", "source_address_prefix": "*"})
    };
    let text = plan(
        vec![
            (
                res("azurerm_application_security_group.web", json!({"name": "web", "location": "eastus2"})),
                json!({"id": true}),
            ),
            (
                res("azurerm_application_security_group.db", json!({"name": "db", "location": "eastus2"})),
                json!({"id": true}),
            ),
            (
                res(
                    "azurerm_network_security_group.n",
                    json!({"name": "nsg", "location": "eastus2", "security_rule": [rule("to-db", 200), rule("to-web", 100)]}),
                ),
                json!({"id": true, "security_rule": [{"destination_application_security_group_ids": true}, {"destination_application_security_group_ids": true}]}),
            ),
        ],
        json!({"resources": [cfg("azurerm_network_security_group.n", json!({"security_rule": [
            {"name": {"constant_value": "to-web"}, "destination_application_security_group_ids": refs(&["azurerm_application_security_group.web.id", "azurerm_application_security_group.web"])},
            {"name": {"constant_value": "to-db"}, "destination_application_security_group_ids": refs(&["azurerm_application_security_group.db.id", "azurerm_application_security_group.db"])}]}))]}),
    );
    let t = import(&text);
    let rules = &t.estate.nsg("nsg").unwrap().rules;
    let by = |n: &str| rules.iter().find(|r| r.name == n).unwrap().destination_asgs.clone();
    assert_eq!(by("to-web"), vec!["web"]);
    assert_eq!(by("to-db"), vec!["db"]);
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
}

// A subnet in a VNet the plan does not create: the data source the plan read describes it exactly;
// without one, adbflow assumes the subnets' prefixes and says so.
#[test]
fn subnets_of_vnets_outside_the_input() {
    let mut doc: Value = serde_json::from_str(&plan(
        vec![subnet("a", "a", "existing", "10.8.1.0/24"), subnet("b", "b", "unknown-vnet", "10.9.1.0/24")],
        json!({"resources": []}),
    ))
    .unwrap();
    doc["prior_state"] = json!({"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "data.azurerm_virtual_network.existing", "mode": "data", "type": "azurerm_virtual_network", "name": "existing",
         "values": {"name": "existing", "address_space": ["10.8.0.0/16"], "dns_servers": ["10.8.0.4"], "location": "eastus2"}}]}}});
    let t = import(&doc.to_string());
    let existing = t.estate.vnet("existing").unwrap();
    assert_eq!(existing.address_space.iter().map(|p| p.to_string()).collect::<Vec<_>>(), vec!["10.8.0.0/16"]);
    assert_eq!(existing.dns_servers.len(), 1);
    assert_eq!(existing.origin, at("data.azurerm_virtual_network.existing"));
    let assumed = t.estate.vnet("unknown-vnet").unwrap();
    assert_eq!(assumed.address_space.iter().map(|p| p.to_string()).collect::<Vec<_>>(), vec!["10.9.1.0/24"]);
    assert!(warned(
        &t.warnings,
        "terraform-vnet-from-data-source",
        &["existing", "data.azurerm_virtual_network.existing"]
    ));
    assert!(warned(&t.warnings, "terraform-vnet-outside-input", &["unknown-vnet", "assumes"]));
}

// A known ID of a resource the plan does not manage (an existing subnet read by a data source).
#[test]
fn a_known_id_outside_the_input_is_reported() {
    let subnet_id = id("Microsoft.Network/virtualNetworks/subnets", &["hub", "shared"]);
    let text = plan(
        vec![
            nsg("n", "nsg"),
            (
                res("azurerm_subnet_network_security_group_association.x", json!({"subnet_id": subnet_id})),
                json!({"id": true, "network_security_group_id": true}),
            ),
        ],
        json!({"resources": [cfg("azurerm_subnet_network_security_group_association.x", json!({
            "subnet_id": refs(&["data.azurerm_subnet.shared.id", "data.azurerm_subnet.shared"]),
            "network_security_group_id": refs(&["azurerm_network_security_group.n.id", "azurerm_network_security_group.n"])}))]}),
    );
    let t = import(&text);
    assert!(
        warned(&t.warnings, "terraform-link-outside-input", &["subnet_id", "hub/shared", "left out"]),
        "{:#?}",
        t.warnings
    );
}

#[test]
fn a_next_hop_known_after_apply_that_is_not_a_firewall_stays_unknown() {
    let text = plan(
        vec![
            (
                res("azurerm_network_interface.nva", json!({"name": "nva-nic", "location": "eastus2"})),
                json!({"id": true, "private_ip_address": true}),
            ),
            (
                res(
                    "azurerm_route_table.rt",
                    json!({"name": "rt", "location": "eastus2",
                "route": [{"name": "default", "address_prefix": "0.0.0.0/0", "next_hop_type": "VirtualAppliance"}]}),
                ),
                json!({"id": true, "route": [{"next_hop_in_ip_address": true}]}),
            ),
        ],
        json!({"resources": [cfg("azurerm_route_table.rt", json!({"route": [{"name": {"constant_value": "default"},
            "next_hop_in_ip_address": refs(&["azurerm_network_interface.nva.private_ip_address", "azurerm_network_interface.nva"])}]}))]}),
    );
    let t = import(&text);
    assert_eq!(t.estate.route_table("rt").unwrap().routes[0].next_hop_ip, None);
    assert!(warned(&t.warnings, "terraform-value-known-after-apply", &["default", "stays unknown"]));
}

// Optional+computed blocks are unknown in every plan that does not write them; only a written
// one that is unknown loses something.
#[test]
fn unknown_inline_blocks_are_reported_only_when_written() {
    let text = plan(
        vec![vnet("v", "v", "10.0.0.0/16"), vnet("w", "w", "10.1.0.0/16")],
        json!({"resources": [cfg("azurerm_virtual_network.w", json!({"subnet": [{"name": {"constant_value": "x"},
            "address_prefixes": refs(&["var.prefixes"])}]}))]}),
    );
    let t = import(&text);
    assert!(warned(&t.warnings, "terraform-attribute-not-interpreted", &["subnet", "inline subnets"]));
    assert_eq!(t.warnings.len(), 1, "only `w` writes inline subnets: {:#?}", t.warnings);
    assert_eq!(t.warnings[0].origin, at("azurerm_virtual_network.w"));
}

#[test]
fn source_prefix_lists_survive_the_plan() {
    let text = plan(
        vec![
            (
                res(
                    "azurerm_network_security_rule.r",
                    json!({"name": "r", "network_security_group_name": "nsg", "priority": 100,
            "direction": "Inbound", "access": "Allow", "protocol": "Udp", "source_address_prefixes": ["10.0.0.0/8", "172.16.0.0/12"],
            "destination_address_prefix": "VirtualNetwork", "source_port_range": "*", "destination_port_ranges": ["53"]}),
                ),
                json!({"id": true}),
            ),
            nsg("n", "nsg"),
        ],
        json!({"resources": []}),
    );
    let t = import(&text);
    let r = &t.estate.nsg("nsg").unwrap().rules[0];
    assert_eq!(
        r.source,
        Some(AddressSpec::Prefixes(vec!["10.0.0.0/8".parse().unwrap(), "172.16.0.0/12".parse().unwrap()]))
    );
    assert_eq!(r.origin, at("azurerm_network_security_rule.r"));
}

/// `after_unknown` is read from each resource change; a deposed object's change (same address,
/// the object being replaced) is not the planned one, and `before`/`after` may hold anything.
#[test]
fn unknowns_come_from_the_planned_change_not_a_deposed_one() {
    let text = unreferenced_subnet_plan();
    let expected = import(&text);
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let changes = doc["resource_changes"].as_array_mut().unwrap();
    for c in changes.iter_mut() {
        c["change"]["before"] = json!([{"deep": [[[{"x": null}]]]}, 1.5e300, "s", false]);
        c["change"]["before_sensitive"] = json!(false);
    }
    let address = "azurerm_subnet_network_security_group_association.host";
    changes.push(json!({"address": address, "deposed": "00000001",
        "change": {"actions": ["delete"], "before": {}, "after": null, "after_unknown": {}}}));
    changes.insert(0, json!({"address": "azurerm_resource_group.not_planned", "change": "not an object"}));
    let t = import(&doc.to_string());
    assert_eq!(t.warnings, expected.warnings);
    assert_eq!(without_origins(&t.estate), without_origins(&expected.estate));
    // Had the deposed change's `after_unknown` been read, the link would be missing, not unknown.
    changes_without_unknowns(&mut doc, address);
    let t = import(&doc.to_string());
    assert_ne!(t.warnings, expected.warnings, "{:#?}", t.warnings);
}

fn changes_without_unknowns(doc: &mut Value, address: &str) {
    for c in doc["resource_changes"].as_array_mut().unwrap() {
        if c["address"] == address && c.get("deposed").is_none() {
            c["change"]["after_unknown"] = json!({});
        }
    }
}
