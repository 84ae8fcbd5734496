//! Bad `.tf` input never panics: syntax errors, malformed blocks and unusable inputs are errors
//! naming the file, line and column; nothing is silently dropped.

#[path = "hcl_support.rs"]
mod support;

use adbflow_import::{load_path_with, ImportError, Location};
use support::*;

#[test]
fn a_syntax_error_names_the_file_line_and_column() {
    let dir = write(&[
        ("root/a.tf", "variable \"ok\" {\n  default = 1\n}\n"),
        ("root/b.tf", "resource \"azurerm_virtual_network\" \"v\" {\n  name = \"v\"\n  address_space = [\"10.0.0.0/16\"\n}\n"),
    ]);
    let e = load_err(&dir, &quiet());
    match &e {
        ImportError::Parse { file, location: Some(Location { line, .. }), .. } => {
            assert!(file.ends_with("b.tf"), "{file}");
            assert!(*line >= 3, "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("HCL syntax error"), "{e}");
}

#[test]
fn malformed_configuration_is_an_error_at_its_block() {
    let twice = "resource \"azurerm_subnet\" \"s\" {}\n\nresource \"azurerm_subnet\" \"s\" {}\n";
    let e = load_err(&write(&[("root/main.tf", twice)]), &quiet());
    assert_eq!(e.location(), Some(Location { line: 3, column: 1 }), "{e}");
    assert!(e.to_string().contains("declared twice"), "{e}");

    let labels = "resource \"azurerm_subnet\" {}\n";
    let e = load_err(&write(&[("root/main.tf", labels)]), &quiet());
    assert!(e.to_string().contains("needs 2 label"), "{e}");

    let stray = "name = \"x\"\n";
    assert!(load_err(&write(&[("root/main.tf", stray)]), &quiet()).to_string().contains("top level"));
}

#[test]
fn a_directory_without_tf_files_is_refused() {
    let dir = write(&[("root/README.md", "nothing here")]);
    let e = load_err(&dir, &quiet());
    assert!(matches!(e, ImportError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("no .tf files"), "{e}");
}

#[test]
fn variable_flags_apply_only_to_directories_and_their_files_must_be_readable() {
    let dir = write(&[("root/main.tf", "variable \"x\" {\n  default = 1\n}\n"), ("root/estate.toml", "")]);
    let mut opts = quiet();
    opts.vars = vec!["x=2".into()];
    let e = load_path_with(&dir.join("estate.toml"), &opts).unwrap_err();
    assert!(e.to_string().contains("directory of .tf files"), "{e}");

    let mut opts = quiet();
    opts.var_files = vec![dir.join("missing.tfvars")];
    let e = load_err(&dir, &opts);
    assert!(matches!(e, ImportError::Io { .. }), "{e:?}");

    let bad = write(&[("root/main.tf", "variable \"x\" {}\n"), ("root/terraform.tfvars", "x = [1,\n")]);
    let e = load_err(&bad, &quiet());
    assert!(e.to_string().contains("terraform.tfvars"), "{e}");
}

#[test]
fn a_module_with_a_syntax_error_is_reported_in_its_own_file() {
    let dir = write(&[
        ("root/main.tf", "module \"m\" {\n  source = \"../mod\"\n}\n"),
        ("mod/main.tf", "resource \"x\" \"y\" {\n  a = \n}\n"),
    ]);
    let e = load_err(&dir, &quiet());
    assert!(e.file().ends_with("mod/main.tf"), "{e}");
}

#[test]
fn a_value_azure_would_reject_points_at_the_resource_block() {
    let text = r#"
resource "azurerm_virtual_network" "v" {
  name                = "v"
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = ["10.0.0.5/16"]
}
"#;
    let e = load_err(&write(&[("root/main.tf", text)]), &quiet());
    assert!(e.file().ends_with("main.tf"), "{e}");
    assert_eq!(e.location().map(|l| l.line), Some(2), "{e}");
    assert!(e.to_string().contains("azurerm_virtual_network.v"), "{e}");
}

#[test]
fn hostile_expressions_are_bounded_and_reported() {
    let dir = write(&[
        ("root/self.tftpl", "${templatefile(\"${path}/self.tftpl\", { path = path })}"),
        (
            "root/main.tf",
            r#"
locals {
  looped = templatefile("${path.module}/self.tftpl", { path = path.module })
  wide   = format("%99999999d", 1)
  bits   = cidrsubnet("10.0.0.0/8", 4294967297, 0)
  pad    = indent(100000000, "x")
}
resource "azurerm_network_security_group" "many" {
  count               = 100000000000
  name                = "n${count.index}"
  location            = "eastus2"
  resource_group_name = "rg"
}
resource "azurerm_network_security_group" "n" {
  name                = "n"
  location            = "eastus2"
  resource_group_name = "rg"
  tags = {
    a = local.looped
    b = local.wide
    c = local.bits
    d = local.pad
  }
}
"#,
        ),
    ]);
    let l = load(&dir, &quiet());
    assert_eq!(l.estate.nsgs.len(), 1, "the huge count is refused, the other NSG is kept");
    assert_eq!(warnings_with(&l, "terraform-hcl-instances-unknown").len(), 1);
    let not_evaluated = warnings_with(&l, "terraform-hcl-not-evaluated");
    assert_eq!(
        not_evaluated.len(),
        4,
        "one per local, none for the tags built from them: {not_evaluated:#?}"
    );
    assert!(not_evaluated.iter().any(|w| w.message.contains("nest more than")));
}
