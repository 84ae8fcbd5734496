//! Malformed input: each error names the file and the place (line:column for JSON syntax, the JSON
//! path or resource address for structure), and nothing panics.

#[path = "terraform_support.rs"]
mod support;

use adbflow_import::terraform::{
    from_json, looks_like_terraform, looks_like_terraform_text, TerraformError, TerraformKind,
};
use serde_json::json;
use support::*;

fn err(text: &str) -> TerraformError {
    match from_json(text, "plan.json") {
        Ok(_) => panic!("expected an error for {text}"),
        Err(e) => e,
    }
}

#[test]
fn json_syntax_errors_give_line_and_column() {
    let text = "{\n  \"format_version\": \"1.2\",\n  \"planned_values\": {,\n}\n";
    let e = err(text);
    assert_eq!(e.position(), Some((3, 22)));
    let msg = e.to_string();
    assert!(msg.starts_with("plan.json:3:22: invalid JSON: "), "{msg}");
    assert!(!msg.contains(" at line "), "serde_json's own position text is not repeated: {msg}");
    assert_eq!(e.file(), "plan.json");
}

#[test]
fn empty_and_truncated_input_are_syntax_errors() {
    assert!(matches!(err(""), TerraformError::Syntax { line: 1, .. }));
    let e = err("{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {");
    assert!(matches!(e, TerraformError::Syntax { line: 1, .. }), "{e}");
}

#[test]
fn json_that_is_not_terraform_output_is_refused() {
    let native = r#"{"vnets": [{"name": "v", "address_space": ["10.0.0.0/16"]}]}"#;
    let e = err(native);
    assert!(matches!(e, TerraformError::NotTerraform { .. }));
    assert!(e.to_string().contains("format_version") && e.to_string().contains("vnets"), "{e}");
    assert!(matches!(err("[1, 2]"), TerraformError::NotTerraform { .. }));
    // `terraform providers schema -json` has a format_version but no plan or state.
    let e = err(r#"{"format_version": "1.0", "provider_schemas": {}}"#);
    assert!(e.to_string().contains("provider_schemas"), "{e}");
}

#[test]
fn format_version_two_is_unsupported() {
    let e = err(r#"{"format_version": "2.0", "planned_values": {}}"#);
    assert_eq!(e, TerraformError::UnsupportedVersion { file: "plan.json".into(), version: "2.0".into() });
    assert!(e.to_string().contains("format_version 2.0") && e.to_string().contains("1.x"), "{e}");
    assert!(from_json(r#"{"format_version": "1.9", "terraform_version": "1.12.0", "values": {}}"#, "s.json")
        .is_ok());
}

#[test]
fn structural_errors_name_the_json_path() {
    let e = err(r#"{"format_version": 1.2, "planned_values": {}}"#);
    assert!(e.to_string().starts_with("plan.json: format_version: "), "{e}");
    let e = err(r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": {}}}}"#);
    assert_eq!(
        e.to_string(),
        "plan.json: planned_values.root_module.resources: expected an array, found an object"
    );
    let e = err(&json!({"format_version": "1.2", "planned_values": {"root_module": {"child_modules": [
        {"address": "module.a", "resources": [{"address": "module.a.x.y", "name": "y", "values": {}}]}]}}})
    .to_string());
    assert_eq!(
        e.to_string(),
        "plan.json: planned_values.root_module.child_modules[0].resources[0]: a resource needs a string `type`"
    );
    let e = err(r#"{"format_version": "1.0", "values": {"root_module": []}}"#);
    assert!(e.to_string().starts_with("plan.json: values.root_module: expected an object"), "{e}");
}

#[test]
fn values_azure_rejects_name_the_resource_and_attribute() {
    let text = state(vec![
        res("azurerm_virtual_network.v", json!({"name": "v", "address_space": ["10.0.0.0/16"]})),
        res(
            "module.net.azurerm_subnet.s[0]",
            json!({"name": "s", "virtual_network_name": "v", "address_prefixes": ["10.0.1.5/24"]}),
        ),
    ]);
    let e = from_json(&text, "state.json").unwrap_err();
    assert_eq!(
        e.to_string(),
        "state.json: module.net.azurerm_subnet.s[0]: address_prefixes: '10.0.1.5/24' has host bits set; the prefix is 10.0.1.0/24"
    );
}

#[test]
fn detection_accepts_plans_and_states_only() {
    assert!(looks_like_terraform(&json!({"format_version": "1.2", "planned_values": {}})));
    assert!(looks_like_terraform(&json!({"format_version": "1.2", "resource_changes": []})));
    assert!(looks_like_terraform(&json!({"format_version": "1.0", "values": {}})));
    assert!(!looks_like_terraform(&json!({"vnets": []})));
    assert!(
        !looks_like_terraform(&json!({"resource": {"azurerm_subnet": {}}})),
        "a .tf.json configuration is not output"
    );
    assert!(!looks_like_terraform(&json!({"format_version": 1, "values": {}})));
    assert!(looks_like_terraform_text(r#"{"format_version": "1.0", "terraform_version": "1.9.5"}"#));
    assert!(!looks_like_terraform_text("name = \"toml\""));
}

#[test]
fn an_empty_state_is_an_empty_estate() {
    let t = from_json(r#"{"format_version": "1.0", "terraform_version": "1.9.5"}"#, "s.json").unwrap();
    assert_eq!(t.kind, TerraformKind::State);
    assert!(t.estate.vnets.is_empty() && t.warnings.is_empty());
}

#[test]
fn an_errored_or_incomplete_plan_is_flagged() {
    let t = from_json(
        r#"{"format_version": "1.2", "planned_values": {}, "errored": true, "complete": false}"#,
        "p.json",
    )
    .unwrap();
    assert_eq!(t.kind, TerraformKind::Plan);
    let notes = codes(&t.warnings, "terraform-incomplete-plan");
    assert_eq!(notes.len(), 2, "{notes:?}");
}

#[test]
fn wrong_value_types_do_not_panic() {
    // Hand-edited or truncated output: a list where a string belongs, numbers as strings.
    let text = state(vec![
        res("azurerm_virtual_network.v", json!({"name": ["v"], "address_space": "10.0.0.0/16"})),
        res("azurerm_nat_gateway.n", json!({"name": "n", "idle_timeout_in_minutes": "7"})),
    ]);
    let t = from_json(&text, "s.json").unwrap();
    assert_eq!(t.estate.nat_gateway("n").unwrap().idle_timeout_minutes, 7);
    let v = &t.estate.vnets[0];
    assert_eq!(v.name, "azurerm_virtual_network.v", "an unreadable name falls back to the address");
    assert!(warned(&t.warnings, "terraform-attribute-not-interpreted", &["expected a string"]));
}

// Through the loader, structural and resource errors point at the line and column of what they name.
#[test]
fn loaded_errors_point_at_the_path_or_the_resource_attribute() {
    use adbflow_import::{load_str, Format};
    let plan = "{\n  \"format_version\": \"1.2\",\n  \"planned_values\": {\n    \"root_module\": {\n      \"resources\": [\n        {\n          \"address\": \"azurerm_virtual_network.v\",\n          \"mode\": \"managed\",\n          \"type\": \"azurerm_virtual_network\",\n          \"name\": \"v\",\n          \"values\": {\n            \"name\": \"v\",\n            \"location\": \"eastus2\",\n            \"address_space\": [\"10.0.0.0/33\"]\n          }\n        }\n      ]\n    }\n  }\n}\n";
    let e = load_str(plan, "plan.json", Format::TerraformPlan).expect_err("a bad CIDR is an error");
    let shown = e.to_string();
    assert!(shown.starts_with("plan.json:14:30: azurerm_virtual_network.v: address_space: "), "{shown}");
    assert_eq!(e.location().map(|l| (l.line, l.column)), Some((14, 30)));

    let wrong =
        "{\"format_version\": \"1.2\",\n \"planned_values\": {\"root_module\": {\"resources\": \"nope\"}}}";
    let e = load_str(wrong, "plan.json", Format::TerraformPlan).expect_err("a string is not a list");
    assert!(e.to_string().starts_with("plan.json:2:37: planned_values.root_module.resources: "), "{e}");

    let v2 = "{\"format_version\": \"2.0\", \"planned_values\": {}}";
    let e = load_str(v2, "plan.json", Format::TerraformPlan).expect_err("format 2 is refused");
    assert!(e.to_string().starts_with("plan.json:1:20: Terraform JSON format_version 2.0"), "{e}");
}

#[test]
fn resource_changes_must_be_a_list_of_addressed_changes() {
    let with_changes = |changes: &str| {
        err(&format!(r#"{{"format_version": "1.2", "planned_values": {{}}, "resource_changes": {changes}}}"#))
            .to_string()
    };
    for (changes, found) in [("{}", "an object"), ("\"x\"", "a string"), ("null", "null"), ("7", "a number")]
    {
        assert_eq!(
            with_changes(changes),
            format!("plan.json: resource_changes: expected an array, found {found}")
        );
    }
    for changes in [
        r#"[{"address": "a.b"}, {"change": {}}]"#,
        r#"[{"address": "a.b"}, {"address": ""}]"#,
        r#"[{"address": "a.b"}, {"address": ["a.b"]}]"#,
        r#"[{"address": "a.b"}, 5]"#,
        r#"[{"address": "a.b"}, ["a.b"]]"#,
    ] {
        assert_eq!(
            with_changes(changes),
            "plan.json: resource_changes[1]: a resource needs a string `address`",
            "{changes}"
        );
    }
}

#[test]
fn syntax_errors_inside_skipped_change_values_are_still_found() {
    let text = "{\"format_version\": \"1.2\", \"planned_values\": {},\n \"resource_changes\": [\n  {\"address\": \"a.b\", \"change\": {\"before\": {\"x\": [1,, 2]}}}]}";
    let e = err(text);
    assert_eq!(e.position(), Some((3, 52)), "{e}");
    assert!(e.to_string().starts_with("plan.json:3:52: invalid JSON: "), "{e}");
}
