//! Terraform's built-in functions, each evaluated in `fixtures/hcl/functions/main.tf` and carried
//! into the model as an NSG rule's description, so every expected value below is read back from
//! the estate. Expected values follow Terraform's documented results for each function.

#[path = "hcl_support.rs"]
mod support;

use std::collections::BTreeMap;
use support::*;

fn descriptions() -> (BTreeMap<String, Option<String>>, Vec<adbflow_model::Diagnostic>) {
    let l = load(&fixture("functions"), &quiet());
    let nsg = l.estate.nsgs.iter().find(|n| n.name == "fn-nsg").unwrap();
    (nsg.rules.iter().map(|r| (r.name.clone(), r.description.clone())).collect(), l.warnings)
}

#[test]
fn every_function_gives_terraforms_result() {
    let expected: &[(&str, &str)] = &[
        ("cidrsubnet", "10.1.2.0/24"),
        ("cidrhost", "10.1.2.5"),
        ("cidrnetmask", "255.255.240.0"),
        ("cidrsubnets", "10.1.0.0/20,10.1.16.0/20,10.1.32.0/24"),
        ("format", "rule-007"),
        ("formatlist", "a=1,b=2"),
        ("lower", "eastus2"),
        ("upper", "NSG"),
        ("title", "Private Endpoint"),
        ("replace", "a-b-c"),
        ("replace-re", "subnet-host"),
        ("join", "vnet/subnet"),
        ("split", "x|y|z"),
        ("concat", "a,b,c"),
        ("merge", r#"{"a":1,"b":3}"#),
        ("lookup", "10.1.0.0/24"),
        ("lookup-dflt", "none"),
        ("try", "fallback"),
        ("can", "false"),
        ("coalesce", "second"),
        ("length", "2"),
        ("element", "b"),
        ("keys", "container,host"),
        ("values", "10.1.1.0/24,10.1.0.0/24"),
        ("toset", "a,b"),
        ("tolist", "y,z"),
        ("tomap", r#"{"k":"v"}"#),
        ("flatten", "a,b,c"),
        ("distinct", "a,b"),
        ("contains", "true"),
        ("jsondecode", "privatelink.blob.core.windows.net"),
        ("jsonencode", r#"{"ports":[443,8443]}"#),
        ("file", r#"{"zone": "privatelink.blob.core.windows.net", "ttl": 300}"#),
        ("templatefile", "Hello, adb!\nport 443\nport 8443\n"),
        ("substr", "data"),
        ("trimspace", "padded"),
        ("regex", "42"),
        ("regexall", "3"),
        ("startswith", "true"),
        ("endswith", "true"),
        ("min-max", "1..9"),
        ("sum-range", "10"),
        ("zipmap", r#"{"a":1,"b":2}"#),
        ("slice", "b,c"),
        ("reverse", "b,a"),
        ("sort", "a,b,c"),
        ("compact", "a,b"),
        ("index", "1"),
        ("one", "only"),
        ("setunion", "a,b"),
        ("setsubtract", "b"),
        ("trim-fix", "zone/zone"),
        ("strcontains", "true"),
        ("tonumber", "43"),
        ("base64", "round trip"),
        ("alltrue", "true"),
        ("parseint", "255"),
    ];
    let (got, warnings) = descriptions();
    assert!(warnings.iter().all(|w| !w.code.starts_with("terraform-hcl")), "{warnings:#?}");
    for (name, want) in expected {
        assert_eq!(got.get(*name).cloned().flatten().as_deref(), Some(*want), "{name}");
    }
    assert_eq!(got.len(), expected.len(), "every rule in the fixture is checked");
}

#[test]
fn an_unknown_function_is_an_unknown_value_and_a_warning_at_its_line() {
    let text = r#"
resource "azurerm_network_security_group" "n" {
  name                = "n"
  location            = "eastus2"
  resource_group_name = "rg"
  security_rule {
    name                       = "r"
    description                = sha512("not evaluated")
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}
"#;
    let l = main_tf(text);
    let rule = &l.estate.nsgs[0].rules[0];
    assert_eq!(rule.name, "r", "the resource is kept");
    assert_eq!(rule.description, None, "the value is unknown, not guessed");
    let w = warnings_with(&l, "terraform-hcl-not-evaluated");
    assert_eq!(w.len(), 1, "{:#?}", l.warnings);
    assert!(w[0].message.contains("sha512"), "{}", w[0].message);
    assert_eq!(line_of(&w[0].origin), ("main.tf".into(), line_containing(text, "sha512")));
}

#[test]
fn functions_of_values_known_only_after_apply_stay_unknown() {
    let l = main_tf(&format!(
        r#"{RG}
resource "random_string" "suffix" {{
  length = 4
}}
resource "azurerm_network_security_group" "n" {{
  name                = "nsg-${{upper(random_string.suffix.result)}}"
  location            = "eastus2"
  resource_group_name = azurerm_resource_group.rg.name
}}
"#
    ));
    let nsg = &l.estate.nsgs[0];
    assert_eq!(nsg.name, "azurerm_network_security_group.n", "the name is a stand-in, not a guess");
    assert_eq!(warnings_with(&l, "terraform-name-known-after-apply").len(), 1);
}
