//! Every kind of named element, defined twice in its scope, is an error that names the second
//! definition's id and the scope, and points at the first definition.

use adbflow_import::{load_path, Format};
use adbflow_model::validate::validate;
use adbflow_model::Estate;
use std::path::Path;

fn every_element() -> Estate {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/every-element.toml");
    let loaded = load_path(&path).unwrap();
    assert_eq!(loaded.format, Format::NativeToml);
    loaded.estate
}

/// A duplicate-name error: the element it names and its message.
type Found = Vec<(String, String)>;

/// The duplicate-name errors of the estate with the first element of one list defined twice.
fn twice(edit: impl FnOnce(&mut Estate)) -> Found {
    let mut e = every_element();
    edit(&mut e);
    validate(&e)
        .into_iter()
        .filter(|d| d.code == "duplicate-name")
        .map(|d| (d.element.clone(), d.message.clone()))
        .collect()
}

fn dup<T: Clone>(list: &mut Vec<T>) {
    let first = list[0].clone();
    list.push(first);
}

#[test]
fn each_scope_names_its_duplicates() {
    let cases: Vec<(Found, &str, &str)> = vec![
        (twice(|e| dup(&mut e.vnets)), "vnet:", "a virtual network named"),
        (twice(|e| dup(&mut e.vnets[0].subnets)), "subnet:", " in virtual network '"),
        (twice(|e| dup(&mut e.peerings)), "peering:", " in virtual network '"),
        (twice(|e| dup(&mut e.nsgs[0].rules)), "nsg-rule:", " in network security group '"),
        (twice(|e| dup(&mut e.route_tables[0].routes)), "route:", " in route table '"),
        (twice(|e| dup(&mut e.private_dns_zones[0].records)), "dns-record:", " in private DNS zone '"),
        (twice(|e| dup(&mut e.private_dns_zones[0].links)), "dns-link:", "a virtual network link to named"),
        (twice(|e| dup(&mut e.endpoints)), "endpoint:", "an endpoint named"),
        (twice(|e| dup(&mut e.ip_groups)), "ip-group:", "an IP group named"),
        (twice(|e| dup(&mut e.nat_gateways)), "nat-gateway:", "a NAT gateway named"),
        (
            twice(|e| dup(&mut e.firewall_policies[0].rule_collection_groups)),
            "firewall-policy:",
            " in firewall policy '",
        ),
        (
            twice(|e| dup(&mut e.firewall_policies[0].rule_collection_groups[0].rule_collections)),
            "firewall-policy:",
            " in rule collection group '",
        ),
        (
            twice(|e| dup(&mut e.firewall_policies[0].rule_collection_groups[0].rule_collections[0].rules)),
            "firewall-rule:",
            " in rule collection '",
        ),
    ];
    for (found, id, words) in cases {
        assert_eq!(found.len(), 1, "{id}: {found:?}");
        let (element, message) = &found[0];
        assert!(element.starts_with(id), "{element} should start with {id}");
        assert!(message.contains(words), "{message}");
        assert!(message.contains("is already defined"), "{message}");
        assert!(message.contains("every-element.toml:"), "points at the first definition: {message}");
    }
}
