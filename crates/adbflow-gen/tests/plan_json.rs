//! The generated estate written as Terraform plan JSON reads back through adbflow's own Terraform
//! importer as the same estate, and `check` answers for it exactly as for the native file —
//! except where Terraform cannot say what the native file says (listed in `terraform_view`).

use adbflow_databricks::{check, CheckOptions, CheckReport};
use adbflow_gen::{generate, to_native_json, to_plan_json, write_plan_json, GenOptions, Generated};
use adbflow_import::{load_str, Format, Loaded};
use adbflow_model::{Estate, Libraries, NatGateway, Origin, PublicIp, Sku};
use adbflow_net::ServiceTags;
use serde_json::Value;
use std::collections::BTreeSet;

fn plan(n: usize, seed: u64) -> (Generated, String, Loaded) {
    let g = generate(&GenOptions::new(n, seed)).expect("generates");
    let text = to_plan_json(&g.estate);
    let loaded = load_str(&text, "plan.json", Format::TerraformPlan).unwrap_or_else(|e| panic!("{e}"));
    (g, text, loaded)
}

#[test]
fn one_seed_one_plan_and_streaming_writes_the_same_bytes() {
    let g = generate(&GenOptions::new(5, 42)).unwrap();
    let a = to_plan_json(&g.estate);
    let mut streamed = Vec::new();
    write_plan_json(&g.estate, &mut streamed).unwrap();
    assert!(a.as_bytes() == streamed.as_slice());
    assert!(to_plan_json(&generate(&GenOptions::new(5, 42)).unwrap().estate) == a);
    assert!(to_plan_json(&generate(&GenOptions::new(5, 43)).unwrap().estate) != a);
    let doc: Value = serde_json::from_str(&a).unwrap();
    assert_eq!(doc["format_version"], "1.2");
    assert!(adbflow_import::terraform::looks_like_terraform(&doc));
}

#[test]
fn the_plan_imports_with_only_the_warnings_terraform_forces() {
    let (g, _, loaded) = plan(12, 3);
    assert_eq!(loaded.format, Format::TerraformPlan);
    assert_eq!(loaded.estate.workspaces.len(), 12);
    // The DBFS root accounts (created by Databricks, assumed by the importer) and the routes the
    // ExpressRoute gateway learns are all a plan cannot state; nothing else is dropped or guessed.
    // Validation warnings are the planted faults' (a one-sided peering).
    let codes: BTreeSet<&str> = loaded.warnings.iter().map(|w| w.code).collect();
    let allowed: BTreeSet<&str> =
        ["terraform-assumed-value", "terraform-learned-routes-unknown", "peering-not-connected"].into();
    assert!(codes.is_subset(&allowed), "unexpected warnings: {:#?}", loaded.warnings);
    let assumed = loaded.warnings.iter().filter(|w| w.code == "terraform-assumed-value").count();
    assert_eq!(assumed, 12, "one DBFS root account per workspace");
    // Elements point at realistic resource addresses.
    let origin = |o: &Option<Origin>| match o {
        Some(Origin::Address { address, .. }) => address.clone(),
        other => panic!("not a resource address: {other:?}"),
    };
    let spoke = loaded.estate.vnet("spoke-00003").unwrap();
    assert_eq!(origin(&spoke.origin), r#"module.spoke["adb-ws-00003"].azurerm_virtual_network.spoke"#);
    let host = spoke.subnets.iter().find(|s| s.name == "host").unwrap();
    assert_eq!(origin(&host.origin), r#"module.spoke["adb-ws-00003"].azurerm_subnet.this["host"]"#);
    let hub_rule = &loaded.estate.nsg("nsg-hub-shared-services").unwrap().rules[0];
    assert_eq!(
        origin(&hub_rule.origin),
        r#"azurerm_network_security_rule.this["nsg-hub-shared-services/allow-mirror-from-spokes"]"#
    );
    assert_eq!(g.estate.workspaces.len(), 12);
}

/// The estate as a Terraform plan can describe it, without positions, for comparison:
///
/// - origins are dropped (file positions in one, resource addresses in the other);
/// - the estate's name and description are dropped (a plan has neither);
/// - an element's region equal to the estate's is dropped (the importer leaves it inherited);
/// - workspace URLs are dropped: Azure assigns them at apply time, so a plan does not know them;
/// - Hive metastore use and library repositories take the importer's defaults: no Terraform
///   resource sets them;
/// - gateways' on-premises prefixes are dropped: an ExpressRoute gateway learns them over BGP;
/// - lists of named elements are sorted by name (Terraform lists resources by address), except
///   NSG rules, routes and firewall rules, whose order the plan keeps.
fn terraform_view(estate: &Estate) -> Value {
    let mut e = estate.clone();
    e.name = None;
    e.description = None;
    let region = e.region.clone();
    for w in &mut e.workspaces {
        w.workspace_url = None;
        w.hive_metastore = true;
        w.libraries = Libraries::default();
        if w.region == region {
            w.region = None;
        }
    }
    for s in &mut e.storage_accounts {
        if s.region == region {
            s.region = None;
        }
    }
    for v in &mut e.vnets {
        if v.region == region {
            v.region = None;
        }
    }
    for g in &mut e.gateways {
        g.onprem_prefixes.clear();
    }
    let mut v = serde_json::to_value(&e).unwrap();
    normalise(&mut v, "");
    v
}

fn normalise(v: &mut Value, key: &str) {
    match v {
        Value::Object(m) => {
            m.remove("origin");
            for (k, x) in m.iter_mut() {
                normalise(x, k);
            }
        }
        Value::Array(items) => {
            items.iter_mut().for_each(|x| normalise(x, key));
            if !matches!(key, "rules" | "routes") {
                items.sort_by_key(|x| x.get("name").map(|n| n.to_string()).unwrap_or_default());
            }
        }
        _ => {}
    }
}

/// The first place two JSON values differ, for a readable failure.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{path}.{k}")),
                (p, q) => Some(format!("{path}.{k}: {p:?} vs {q:?}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {} vs {}", truncate(a), truncate(b))),
    }
}

fn truncate(v: &Value) -> String {
    let s = v.to_string();
    s.chars().take(300).collect()
}

#[test]
fn the_plan_imports_back_to_the_generated_estate() {
    // 60 workspaces plant one fault of every kind, each of which the plan must carry.
    let (g, _, loaded) = plan(60, 11);
    let want = terraform_view(&g.estate);
    let got = terraform_view(&loaded.estate);
    if let Some(d) = first_difference(&want, &got, "estate") {
        panic!("the plan does not import back to the generated estate: {d}");
    }
}

/// Flows whose answer depends on settings Terraform cannot express: (workspace, flow id) for
/// library repositories that are not the default (a mirror, or CRAN in use) and for the Hive
/// metastore when the workspace does not use it.
fn inexpressible(estate: &Estate) -> BTreeSet<(String, &'static str)> {
    let mut out = BTreeSet::new();
    let d = Libraries::default();
    for w in &estate.workspaces {
        let mut add = |id: &'static str| out.insert((w.name.clone(), id));
        if w.libraries.pypi != d.pypi {
            add("pypi");
            add("pypi-files");
        }
        if w.libraries.maven != d.maven {
            add("maven");
        }
        if w.libraries.cran != d.cran {
            add("cran");
        }
        if !w.hive_metastore {
            add("metastore");
        }
    }
    out
}

/// The report as JSON, with origins dropped and each workspace's URL replaced by the stand-in
/// the importer uses while the URL is unknown, so the two reports differ only where the inputs do.
fn report_view(r: &CheckReport, estate: &Estate, skip: &BTreeSet<(String, &'static str)>) -> Value {
    let mut text = serde_json::to_string(r).unwrap();
    for w in &estate.workspaces {
        if let Some(url) = &w.workspace_url {
            text = text.replace(url.as_str(), &format!("adb-{}.0.azuredatabricks.net", w.name));
        }
    }
    let mut v: Value = serde_json::from_str(&text).unwrap();
    normalise_report(&mut v);
    let skipped = |f: &Value, id_key: &str| {
        let ws = f["workspace"].as_str().unwrap_or_default().to_string();
        let id = f[id_key].as_str().unwrap_or_default();
        skip.iter().any(|(w, i)| *w == ws && *i == id)
    };
    let flows: Vec<Value> =
        v["flows"].as_array().unwrap().iter().filter(|f| !skipped(f, "id")).cloned().collect();
    let findings: Vec<Value> =
        v["findings"].as_array().unwrap().iter().filter(|f| !skipped(f, "flow")).cloned().collect();
    serde_json::json!({"flows": flows, "findings": findings})
}

fn normalise_report(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("origin");
            if let Some(Value::Array(notes)) = m.get_mut("notes") {
                notes.retain(|n| !n.as_str().is_some_and(|s| s.starts_with("workspace_url not given")));
            }
            m.values_mut().for_each(normalise_report);
        }
        Value::Array(items) => items.iter_mut().for_each(normalise_report),
        _ => {}
    }
}

#[test]
fn check_of_the_plan_answers_as_check_of_the_native_file() {
    let (g, _, plan) = plan(60, 11);
    let native = load_str(&to_native_json(&g.estate), "gen.json", Format::NativeJson).unwrap();
    let tags = ServiceTags::symbolic();
    let a = check(&native.estate, &tags, &CheckOptions::default()).unwrap();
    let b = check(&plan.estate, &tags, &CheckOptions::default()).unwrap();
    let skip = inexpressible(&g.estate);
    let (a, b) = (report_view(&a, &g.estate, &skip), report_view(&b, &g.estate, &skip));
    assert!(a["flows"].as_array().unwrap().len() > 2000);
    if let Some(d) = first_difference(&a, &b, "report") {
        panic!("check answers differently for the plan: {d}");
    }
}

#[test]
fn nat_gateways_with_their_public_ips_and_subnets_are_written_too() {
    // The generator plants no NAT gateway; the writer carries one in the hub and one a spoke uses.
    let mut g = generate(&GenOptions::new(2, 1)).unwrap();
    for (nat, ip) in [("nat-management", "20.1.2.3"), ("nat-spoke-00001", "20.1.2.4")] {
        g.estate.public_ips.push(PublicIp {
            name: format!("{nat}-pip"),
            ip: Some(ip.parse().unwrap()),
            sku: Sku::Standard,
            origin: None,
        });
        g.estate.nat_gateways.push(NatGateway {
            name: nat.into(),
            sku: Sku::Standard,
            public_ips: vec![format!("{nat}-pip")],
            public_ip_prefixes: Vec::new(),
            idle_timeout_minutes: 10,
            origin: None,
        });
    }
    for (vnet, subnet, nat) in [
        ("hub-vnet", "management", "nat-management"),
        ("spoke-00001", "private-endpoints", "nat-spoke-00001"),
    ] {
        let v = g.estate.vnets.iter_mut().find(|x| x.name == vnet).unwrap();
        v.subnets.iter_mut().find(|x| x.name == subnet).unwrap().nat_gateway = Some(nat.into());
    }
    let loaded = load_str(&to_plan_json(&g.estate), "plan.json", Format::TerraformPlan).unwrap();
    assert_eq!(loaded.estate.nat_gateways.len(), 2);
    if let Some(d) = first_difference(&terraform_view(&g.estate), &terraform_view(&loaded.estate), "estate") {
        panic!("NAT gateways do not import back: {d}");
    }
}
