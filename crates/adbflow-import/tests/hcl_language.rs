//! The Terraform language features adbflow evaluates in `.tf` files, each with the model it must
//! produce: variables and where their values come from, locals, `count`, `for_each`, conditionals,
//! splats, `for` expressions, templates, `dynamic` blocks, `depends_on`, data sources, modules.

#[path = "hcl_support.rs"]
mod support;

use adbflow_import::{load_path, Format};
use adbflow_model::Estate;
use support::*;

const VNET: &str = r#"
resource "azurerm_virtual_network" "v" {
  name                = var.vnet_name
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = [var.cidr]
}
"#;

const VARS: &str = r#"
variable "vnet_name" {
  type    = string
  default = "from-default"
}
variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}
"#;

fn vnet_name(e: &Estate) -> String {
    e.vnets[0].name.clone()
}

#[test]
fn variable_values_come_from_defaults_files_environment_and_flags_in_terraform_order() {
    let main = format!("{VARS}{VNET}");
    let only_default = write(&[("root/main.tf", &main)]);
    assert_eq!(vnet_name(&load(&only_default, &quiet()).estate), "from-default");

    let mut env = quiet();
    env.env = vec![("TF_VAR_vnet_name".into(), "from-env".into()), ("OTHER".into(), "x".into())];
    assert_eq!(vnet_name(&load(&only_default, &env).estate), "from-env");

    let dir = write(&[
        ("root/main.tf", &main),
        ("root/terraform.tfvars", "vnet_name = \"from-tfvars\"\n"),
        ("root/b.auto.tfvars", "vnet_name = \"from-b-auto\"\n"),
        ("root/a.auto.tfvars.json", r#"{"vnet_name": "from-a-auto", "cidr": "10.9.0.0/16"}"#),
        ("extra.tfvars", "vnet_name = \"from-var-file\"\n"),
    ]);
    // terraform.tfvars < *.auto.tfvars in name order (b wins over a) < environment? no: env is lowest.
    let l = load(&dir, &env);
    assert_eq!(vnet_name(&l.estate), "from-b-auto");
    assert_eq!(l.estate.vnets[0].address_space[0].to_string(), "10.9.0.0/16", "a.auto.tfvars.json sets cidr");

    let mut opts = quiet();
    opts.var_files = vec![dir.parent().unwrap().join("extra.tfvars")];
    assert_eq!(vnet_name(&load(&dir, &opts).estate), "from-var-file");
    opts.vars = vec!["vnet_name=from-flag".into()];
    assert_eq!(vnet_name(&load(&dir, &opts).estate), "from-flag");
}

#[test]
fn command_line_values_are_read_by_the_variables_type() {
    let main = r#"
variable "n" {
  type = number
}
variable "ports" {
  type = list(string)
}
variable "rules" {
  type = map(object({
    priority = number
    access   = optional(string, "Allow")
  }))
}
resource "azurerm_network_security_group" "n" {
  name                = "nsg"
  location            = "eastus2"
  resource_group_name = "rg"
  dynamic "security_rule" {
    for_each = var.rules
    content {
      name                       = security_rule.key
      priority                   = security_rule.value.priority + var.n
      access                     = security_rule.value.access
      direction                  = "Inbound"
      protocol                   = "Tcp"
      source_port_range          = "*"
      destination_port_ranges    = var.ports
      source_address_prefix      = "*"
      destination_address_prefix = "*"
    }
  }
}
"#;
    let dir = write(&[("root/main.tf", main)]);
    let mut opts = quiet();
    opts.vars = vec![
        "n=5".into(),
        r#"ports=["443", "8443"]"#.into(),
        r#"rules={ web = { priority = 100 }, deny = { priority = 200, access = "Deny" } }"#.into(),
    ];
    let e = load(&dir, &opts).estate;
    let rules = &e.nsgs[0].rules;
    let summary: Vec<(String, u32, String)> =
        rules.iter().map(|r| (r.name.clone(), r.priority, format!("{:?}", r.access))).collect();
    assert_eq!(
        summary,
        vec![("deny".into(), 205, "Deny".into()), ("web".into(), 105, "Allow".into())],
        "optional(string, \"Allow\") fills the missing attribute; the number is added"
    );
    assert_eq!(rules[0].destination_ports.to_string(), "443,8443");
}

#[test]
fn a_variable_without_any_value_is_unknown_and_reported() {
    let text = format!("variable \"vnet_name\" {{\n  type = string\n}}\nvariable \"cidr\" {{\n  default = \"10.0.0.0/16\"\n}}\n{VNET}");
    let l = main_tf(&text);
    assert_eq!(vnet_name(&l.estate), "azurerm_virtual_network.v", "a stand-in, not a guess");
    let w = warnings_with(&l, "terraform-hcl-variable-unset");
    assert_eq!(w.len(), 1);
    assert_eq!(line_of(&w[0].origin).1, 1);
}

#[test]
fn undeclared_or_malformed_command_line_variables_are_errors() {
    let dir = write(&[("root/main.tf", &format!("{VARS}{VNET}"))]);
    let mut opts = quiet();
    opts.vars = vec!["nope=1".into()];
    let e = load_err(&dir, &opts).to_string();
    assert!(e.contains("no variable \"nope\"") && e.contains("cidr, vnet_name"), "{e}");
    opts.vars = vec!["vnet_name".into()];
    assert!(load_err(&dir, &opts).to_string().contains("NAME=VALUE"));
    let tfvars =
        write(&[("root/main.tf", &format!("{VARS}{VNET}")), ("root/terraform.tfvars", "typo = 1\n")]);
    let l = load(&tfvars, &quiet());
    assert_eq!(
        warnings_with(&l, "terraform-hcl-variable-undeclared").len(),
        1,
        "a file's stray value is a warning"
    );
}

#[test]
fn locals_count_for_each_conditionals_and_for_expressions() {
    let l = main_tf(
        r#"
locals {
  # Declared before what it uses: order does not matter.
  names   = [for s in local.subnets : upper(s.name) if s.enabled]
  subnets = [
    { name = "a", enabled = true, bits = 0 },
    { name = "b", enabled = false, bits = 1 },
    { name = "c", enabled = true, bits = 2 },
  ]
  by_name = { for s in local.subnets : s.name => s if s.enabled }
  grouped = { for s in local.subnets : (s.enabled ? "on" : "off") => s.name... }
  zones   = toset(["blob", "dfs"])
}

resource "azurerm_virtual_network" "v" {
  name                = "v"
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "s" {
  for_each             = local.by_name
  name                 = "${each.key}-${length(local.grouped["on"])}"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = [cidrsubnet("10.0.0.0/16", 8, each.value.bits)]
}

resource "azurerm_network_security_group" "n" {
  count               = length(local.names)
  name                = "nsg-${lower(local.names[count.index])}-${count.index}"
  location            = "eastus2"
  resource_group_name = "rg"
}

resource "azurerm_private_dns_zone" "z" {
  for_each            = local.zones
  name                = "privatelink.${each.value}.core.windows.net"
  resource_group_name = "rg"
}

resource "azurerm_route_table" "skipped" {
  count               = length(local.grouped["off"]) > 5 ? 1 : 0
  name                = "never"
  location            = "eastus2"
  resource_group_name = "rg"
}
"#,
    );
    let e = l.estate;
    let subnets: Vec<(String, String)> =
        e.vnets[0].subnets.iter().map(|s| (s.name.clone(), s.prefix.to_string())).collect();
    assert_eq!(subnets, vec![("a-2".into(), "10.0.0.0/24".into()), ("c-2".into(), "10.0.2.0/24".into())]);
    let nsgs: Vec<&str> = e.nsgs.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(nsgs, ["nsg-a-0", "nsg-c-1"]);
    let zones: Vec<&str> = e.private_dns_zones.iter().map(|z| z.name.as_str()).collect();
    assert_eq!(zones, ["privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net"]);
    assert!(e.route_tables.is_empty(), "count = 0 creates nothing");
}

#[test]
fn splats_templates_heredocs_and_dynamic_blocks() {
    let text = r#"
locals {
  rules = {
    https = { port = "443", priority = 100 }
    ssh   = { port = "22", priority = 110 }
  }
}

resource "azurerm_virtual_network" "v" {
  name                = "v"
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "s" {
  count                = 2
  name                 = "s${count.index}"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.${count.index}.0/24"]
}

resource "azurerm_network_security_group" "n" {
  name                = "n"
  location            = "eastus2"
  resource_group_name = "rg"

  dynamic "security_rule" {
    for_each = local.rules
    iterator = rule
    content {
      name                         = "allow-${rule.key}"
      priority                     = rule.value.priority
      direction                    = "Inbound"
      access                       = "Allow"
      protocol                     = "Tcp"
      source_port_range            = "*"
      destination_port_range       = rule.value.port
      source_address_prefixes      = flatten(azurerm_subnet.s[*].address_prefixes)
      destination_address_prefix   = "*"
      description                  = <<-EOT
        %{ if rule.key == "ssh" ~}
        admin access
        %{ else ~}
        web on ${rule.value.port}
        %{ endif ~}
      EOT
    }
  }
}
"#;
    let e = main_tf(text).estate;
    let rules = &e.nsgs[0].rules;
    assert_eq!(rules.len(), 2);
    assert_eq!((rules[0].name.as_str(), rules[0].priority), ("allow-https", 100));
    assert_eq!(rules[0].description.as_deref(), Some("web on 443\n"));
    assert_eq!(rules[1].description.as_deref(), Some("admin access\n"));
    assert_eq!(
        rules[1].source.as_ref().unwrap().to_string(),
        "10.0.0.0/24,10.0.1.0/24",
        "splat over count instances"
    );
}

#[test]
fn depends_on_and_lifecycle_are_not_attributes() {
    let l = main_tf(&format!(
        r#"{RG}
resource "azurerm_network_security_group" "n" {{
  name                = "n"
  location            = "eastus2"
  resource_group_name = azurerm_resource_group.rg.name
  depends_on          = [azurerm_resource_group.rg]
  lifecycle {{
    ignore_changes = [tags]
  }}
}}
"#
    ));
    assert_eq!(l.estate.nsgs[0].name, "n");
    assert!(l.warnings.is_empty(), "{:#?}", l.warnings);
}

#[test]
fn data_sources_are_unknown_and_links_through_them_are_reported() {
    let text = r#"
data "azurerm_subnet" "existing" {
  name                 = "shared"
  virtual_network_name = "hub"
  resource_group_name  = "net-rg"
}

resource "azurerm_network_security_group" "n" {
  name                = "n"
  location            = "eastus2"
  resource_group_name = "rg"
}

resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = data.azurerm_subnet.existing.id
  network_security_group_id = azurerm_network_security_group.n.id
}
"#;
    let l = main_tf(text);
    let w = warnings_with(&l, "terraform-hcl-data-source");
    assert_eq!(w.len(), 1);
    assert_eq!(line_of(&w[0].origin).1, line_containing(text, "data \"azurerm_subnet\""));
    assert!(
        l.warnings.iter().any(|w| w.code.starts_with("terraform-link") && w.element.contains("subnet_id")),
        "{:#?}",
        l.warnings
    );
}

#[test]
fn an_unknown_count_leaves_the_resource_out_with_a_warning() {
    let text = format!(
        r#"{RG}
resource "random_integer" "n" {{
  min = 1
  max = 3
}}
resource "azurerm_network_security_group" "n" {{
  count               = random_integer.n.result
  name                = "n${{count.index}}"
  location            = "eastus2"
  resource_group_name = "rg"
}}
"#
    );
    let l = main_tf(&text);
    assert!(l.estate.nsgs.is_empty());
    let w = warnings_with(&l, "terraform-hcl-instances-unknown");
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("count"), "{}", w[0].message);
    assert_eq!(
        line_of(&w[0].origin).1,
        line_containing(&text, "resource \"azurerm_network_security_group\"")
    );
}

#[test]
fn a_reference_cycle_is_reported_not_followed_forever() {
    let l = main_tf(
        r#"
locals {
  a = "${local.b}-x"
  b = "${local.a}-y"
}
resource "azurerm_network_security_group" "n" {
  name                = local.a
  location            = "eastus2"
  resource_group_name = "rg"
}
"#,
    );
    assert!(
        l.warnings.iter().any(|w| w.code == "terraform-hcl-not-evaluated" && w.message.contains("cycle")),
        "{:#?}",
        l.warnings
    );
    assert_eq!(l.estate.nsgs[0].name, "azurerm_network_security_group.n");
}

const NET_MODULE: &str = r#"
variable "name" {
  type = string
}
variable "subnets" {
  type = map(number)
}
resource "azurerm_virtual_network" "this" {
  name                = var.name
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "this" {
  for_each             = var.subnets
  name                 = each.key
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet("10.0.0.0/16", 8, each.value)]
}
output "subnet_ids" {
  value = { for k, s in azurerm_subnet.this : k => s.id }
}
output "vnet_name" {
  value = azurerm_virtual_network.this.name
}
"#;

#[test]
fn local_modules_pass_inputs_and_outputs_and_links_follow_them_exactly() {
    let root = r#"
module "net" {
  source   = "../modules/net"
  for_each = { east = "east-vnet", west = "west-vnet" }
  name     = each.value
  subnets  = { host = 1, container = 2 }
}

resource "azurerm_network_security_group" "n" {
  for_each            = module.net
  name                = "${each.value.vnet_name}-nsg"
  location            = "eastus2"
  resource_group_name = "rg"
}

# Only the west host subnet: the output is a map of IDs known after apply.
resource "azurerm_subnet_network_security_group_association" "west_host" {
  subnet_id                 = module.net["west"].subnet_ids["host"]
  network_security_group_id = azurerm_network_security_group.n["west"].id
}
"#;
    let dir = write(&[("root/main.tf", root), ("modules/net/main.tf", NET_MODULE)]);
    let l = load(&dir, &quiet());
    let e = &l.estate;
    let nsg = |p: &str| e.subnet(p).unwrap().subnet.nsg.clone();
    assert_eq!(nsg("west-vnet/host").as_deref(), Some("west-vnet-nsg"));
    assert_eq!(nsg("west-vnet/container"), None);
    assert_eq!(nsg("east-vnet/host"), None);
    assert!(l.warnings.iter().all(|w| !w.code.starts_with("terraform-link")), "{:#?}", l.warnings);
    let host = e.subnet("east-vnet/host").unwrap().subnet;
    assert_eq!(host.prefix.to_string(), "10.0.1.0/24");
    let (file, line) = line_of(&host.origin);
    assert_eq!(
        (file.as_str(), line),
        ("main.tf", line_containing(NET_MODULE, "resource \"azurerm_subnet\""))
    );
    match &host.origin {
        Some(adbflow_model::Origin::File { file, .. }) => {
            assert!(file.ends_with("modules/net/main.tf"), "{file}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn remote_modules_are_reported_unless_terraform_init_downloaded_them() {
    let root = r#"
module "net" {
  source  = "Azure/avm-res-network-virtualnetwork/azurerm"
  version = "0.7.1"
  name    = "vnet"
  subnets = { host = 1 }
}
"#;
    let dir = write(&[("root/main.tf", root)]);
    let l = load(&dir, &quiet());
    assert!(l.estate.vnets.is_empty());
    let w = warnings_with(&l, "terraform-hcl-remote-module");
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("Azure/avm-res-network-virtualnetwork/azurerm"), "{}", w[0].message);
    assert_eq!(w[0].element, "module.net");

    let modules_json = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"net","Source":"registry.terraform.io/Azure/avm-res-network-virtualnetwork/azurerm","Version":"0.7.1","Dir":".terraform/modules/net"}]}"#;
    let dir = write(&[
        ("root/main.tf", root),
        ("root/.terraform/modules/modules.json", modules_json),
        ("root/.terraform/modules/net/main.tf", NET_MODULE),
    ]);
    let l = load(&dir, &quiet());
    assert_eq!(l.estate.vnets[0].name, "vnet");
    assert!(warnings_with(&l, "terraform-hcl-remote-module").is_empty());
}

#[test]
fn a_directory_is_detected_as_terraform_code() {
    let dir = write(&[("root/main.tf", &format!("{VARS}{VNET}"))]);
    let l = load_path(&dir).unwrap();
    assert_eq!(l.format, Format::TerraformHcl);
    assert_eq!(l.estate.region.as_deref(), Some("eastus2"));
}

#[test]
fn per_instance_values_passed_into_modules_link_each_instance_to_its_own_target() {
    let module = r#"
variable "name" {
  type = string
}
variable "nsg_id" {
  type = string
}
resource "azurerm_virtual_network" "this" {
  name                = var.name
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "host" {
  name                 = "host"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = ["10.0.1.0/24"]
}
resource "azurerm_subnet_network_security_group_association" "host" {
  subnet_id                 = azurerm_subnet.host.id
  network_security_group_id = var.nsg_id
}
"#;
    let root = r#"
locals {
  spokes = toset(["east", "west"])
}
resource "azurerm_network_security_group" "n" {
  for_each            = local.spokes
  name                = "${each.key}-nsg"
  location            = "eastus2"
  resource_group_name = "rg"
}
module "spoke" {
  source   = "../modules/spoke"
  for_each = local.spokes
  name     = "${each.key}-vnet"
  nsg_id   = azurerm_network_security_group.n[each.key].id
}
"#;
    let dir = write(&[("root/main.tf", root), ("modules/spoke/main.tf", module)]);
    let l = load(&dir, &quiet());
    for spoke in ["east", "west"] {
        let s = l.estate.subnet(&format!("{spoke}-vnet/host")).unwrap().subnet;
        assert_eq!(s.nsg.as_deref(), Some(format!("{spoke}-nsg").as_str()));
    }
    assert!(l.warnings.iter().all(|w| !w.code.starts_with("terraform-link")), "{:#?}", l.warnings);
}

#[test]
fn provider_aliases_tell_which_workspace_a_databricks_resource_belongs_to() {
    let ws = |n: &str| {
        format!(
            r#"
resource "azurerm_virtual_network" "{n}" {{
  name                = "{n}-vnet"
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}}
resource "azurerm_subnet" "{n}" {{
  for_each             = {{ host = 0, container = 1 }}
  name                 = each.key
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.{n}.name
  address_prefixes     = [cidrsubnet("10.0.0.0/16", 8, each.value)]
  delegation {{
    name = "adb"
    service_delegation {{
      name = "Microsoft.Databricks/workspaces"
    }}
  }}
}}
resource "azurerm_databricks_workspace" "{n}" {{
  name                = "{n}"
  location            = "eastus2"
  resource_group_name = "rg"
  sku                 = "premium"
  custom_parameters {{
    virtual_network_id  = azurerm_virtual_network.{n}.id
    public_subnet_name  = azurerm_subnet.{n}["host"].name
    private_subnet_name = azurerm_subnet.{n}["container"].name
  }}
}}
"#
        )
    };
    let text = format!(
        r#"{}{}
provider "databricks" {{
  alias = "one"
  host  = azurerm_databricks_workspace.one.workspace_url
}}
provider "databricks" {{
  alias = "two"
  host  = azurerm_databricks_workspace.two.workspace_url
}}
resource "databricks_ip_access_list" "office" {{
  provider     = databricks.two
  label        = "office"
  list_type    = "ALLOW"
  ip_addresses = ["203.0.113.0/24"]
}}
"#,
        ws("one"),
        ws("two")
    );
    let l = main_tf(&text);
    let lists = |n: &str| {
        l.estate.workspace(n).unwrap().ip_access_lists.iter().map(|a| a.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(lists("two"), ["office"]);
    assert!(lists("one").is_empty());
}
