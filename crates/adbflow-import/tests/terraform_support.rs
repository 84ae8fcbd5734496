//! Helpers shared by the Terraform tests (included with `#[path]`): building small plan and state
//! documents in Terraform's JSON layout, and comparing estates without their origins.
#![allow(dead_code)]

use adbflow_import::terraform::{from_json, TerraformImport};
use adbflow_model::{Diagnostic, Estate, Origin};
use adbflow_net::routes::EffectiveRoute;
use serde_json::{json, Value};

pub const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers";

/// An ARM ID in resource group `rg`: `id("Microsoft.Network/virtualNetworks", "v")`.
pub fn id(provider_type: &str, names: &[&str]) -> String {
    let (ns, types) = provider_type.split_once('/').unwrap();
    let mut s = format!("{SUB}/{ns}");
    for (t, n) in types.split('/').zip(names) {
        s.push_str(&format!("/{t}/{n}"));
    }
    s
}

/// One resource instance as `terraform show -json` writes it in `values.root_module`.
pub fn res(address: &str, values: Value) -> Value {
    let (_, local) = split_address(address);
    let (rtype, rest) = local.split_once('.').unwrap();
    let (name, index) = match rest.split_once('[') {
        Some((n, k)) => (n, Some(serde_json::from_str::<Value>(k.trim_end_matches(']')).unwrap())),
        None => (rest, None),
    };
    let mut r = json!({
        "address": address, "mode": "managed", "type": rtype, "name": name,
        "provider_name": "registry.terraform.io/hashicorp/azurerm", "schema_version": 0,
        "values": values, "sensitive_values": {}
    });
    if let Some(i) = index {
        r["index"] = i;
    }
    r
}

/// `module.a["x"].azurerm_subnet.s[0]` → (`module.a["x"]`, `azurerm_subnet.s[0]`).
pub fn split_address(address: &str) -> (String, String) {
    let mut module = String::new();
    let mut rest = address;
    while let Some(r) = rest.strip_prefix("module.") {
        let end = r.find(['.', '[']).unwrap();
        let mut cut = end;
        if r[end..].starts_with('[') {
            cut = end + r[end..].find(']').unwrap() + 1;
        }
        if !module.is_empty() {
            module.push('.');
        }
        module.push_str(&format!("module.{}", &r[..cut]));
        rest = &r[cut + 1..];
    }
    (module, rest.to_string())
}

/// A state document holding `resources` (each from `res`), grouped into child modules.
pub fn state(resources: Vec<Value>) -> String {
    json!({"format_version": "1.0", "terraform_version": "1.9.5", "values": {"root_module": tree(resources)}})
        .to_string()
}

fn tree(resources: Vec<Value>) -> Value {
    let mut root = json!({"resources": [], "child_modules": []});
    for r in resources {
        let (module, _) = split_address(r["address"].as_str().unwrap());
        let mut node = &mut root;
        let mut so_far = String::new();
        for step in module_steps(&module) {
            so_far = if so_far.is_empty() { step } else { format!("{so_far}.{step}") };
            let kids = node["child_modules"].as_array_mut().unwrap();
            let pos = match kids.iter().position(|k| k["address"] == so_far.as_str()) {
                Some(p) => p,
                None => {
                    kids.push(json!({"address": so_far, "resources": [], "child_modules": []}));
                    kids.len() - 1
                }
            };
            node = &mut node["child_modules"][pos];
        }
        node["resources"].as_array_mut().unwrap().push(r);
    }
    root
}

fn module_steps(module: &str) -> Vec<String> {
    if module.is_empty() {
        return Vec::new();
    }
    module
        .split(".module.")
        .map(|s| if s.starts_with("module.") { s.to_string() } else { format!("module.{s}") })
        .collect()
}

/// A plan: `resources` are (planned value entry, after_unknown); `config` is
/// `configuration.root_module`.
pub fn plan(resources: Vec<(Value, Value)>, config: Value) -> String {
    let changes: Vec<Value> = resources
        .iter()
        .map(|(r, unknown)| {
            json!({
                "address": r["address"], "mode": "managed", "type": r["type"], "name": r["name"],
                "change": {"actions": ["create"], "before": null, "after": r["values"], "after_unknown": unknown}
            })
        })
        .collect();
    json!({
        "format_version": "1.2", "terraform_version": "1.9.5",
        "planned_values": {"root_module": tree(resources.into_iter().map(|(r, _)| r).collect())},
        "resource_changes": changes,
        "configuration": {"root_module": config}
    })
    .to_string()
}

/// A configuration resource: `cfg("azurerm_subnet.host", json!({...expressions}))`.
pub fn cfg(address: &str, expressions: Value) -> Value {
    let (rtype, name) = address.split_once('.').unwrap();
    json!({"address": address, "mode": "managed", "type": rtype, "name": name,
           "provider_config_key": "azurerm", "expressions": expressions})
}

pub fn refs(r: &[&str]) -> Value {
    json!({ "references": r })
}

pub fn import(text: &str) -> TerraformImport {
    from_json(text, "main.json").unwrap_or_else(|e| panic!("{e}"))
}

pub fn at(address: &str) -> Option<Origin> {
    Some(Origin::Address { file: "main.json".into(), address: address.into() })
}

/// The estate as JSON with every `origin` removed, for comparing with a native estate.
pub fn without_origins(e: &Estate) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.remove("origin");
                o.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(e).unwrap();
    strip(&mut v);
    v
}

/// Messages of the warnings with `code`.
pub fn codes(ws: &[Diagnostic], code: &str) -> Vec<String> {
    ws.iter().filter(|w| w.code == code).map(|w| w.message.clone()).collect()
}

/// Does some warning with `code` mention every one of `parts`?
pub fn warned(ws: &[Diagnostic], code: &str, parts: &[&str]) -> bool {
    ws.iter().any(|w| w.code == code && parts.iter().all(|p| w.message.contains(p) || w.element.contains(p)))
}

/// Routes as comparable rows: everything but the element's origin.
pub fn route_rows(routes: &[EffectiveRoute]) -> Vec<String> {
    routes
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {:?} {} {} {:?}",
                r.source,
                r.state,
                r.prefix,
                r.next_hop_type,
                r.next_hop_ip,
                r.name,
                r.element.id,
                r.invalid_reason
            )
        })
        .collect()
}
