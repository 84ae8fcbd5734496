//! A generated estate is ordinary input: it loads through the real importer, passes validation,
//! and `check` finds exactly the misconfigurations the generator planted — nothing on the clean
//! workspaces, something on every planted one.

use adbflow_databricks::{check, CheckOptions, FindingSeverity};
use adbflow_gen::{faulty_count, generate, to_native_json, to_native_toml, Fault, GenOptions};
use adbflow_import::{load_str, Format};
use adbflow_net::ServiceTags;
use std::collections::BTreeSet;

fn load(n: usize, seed: u64) -> (adbflow_gen::Generated, adbflow_import::Loaded) {
    let g = generate(&GenOptions::new(n, seed)).expect("generates");
    let text = to_native_json(&g.estate);
    let loaded = load_str(&text, "gen.json", Format::NativeJson).unwrap_or_else(|e| panic!("{e}"));
    (g, loaded)
}

#[test]
fn one_seed_one_file_and_another_seed_another() {
    let a = to_native_json(&generate(&GenOptions::new(7, 42)).unwrap().estate);
    let b = to_native_json(&generate(&GenOptions::new(7, 42)).unwrap().estate);
    let c = to_native_json(&generate(&GenOptions::new(7, 43)).unwrap().estate);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn the_estate_has_enterprise_proportions() {
    let (g, loaded) = load(20, 5);
    let e = &loaded.estate;
    assert_eq!(e.workspaces.len(), 20);
    assert_eq!(e.vnets.len(), 21, "hub plus one spoke per workspace");
    let user_rules: usize =
        e.nsgs.iter().filter(|n| n.name.starts_with("nsg-spoke")).map(|n| n.rules.len()).sum();
    assert!((40..=46).contains(&(user_rules / 20)), "about 43 user rules per spoke NSG, got {user_rules}");
    let udrs: usize = e.route_tables.iter().map(|t| t.routes.len()).sum();
    assert!((20..=21).contains(&(udrs / 20)), "about 20 UDRs per route table, got {udrs}");
    let fw_rules: usize = e.firewall_policies[0]
        .rule_collection_groups
        .iter()
        .flat_map(|g| &g.rule_collections)
        .map(|c| c.rules.len())
        .sum();
    assert!(fw_rules >= 10 * 20, "ten firewall rules per spoke, got {fw_rules}");
    assert!(!e.private_endpoints.is_empty(), "a share of spokes uses private endpoints");
    assert!(e.private_dns_zones.iter().any(|z| !z.records.is_empty()));
    assert_eq!(g.planted.len(), faulty_count(20));
    // The generated names are loaded as written, with their positions.
    assert!(e.workspaces.iter().all(|w| w.origin.is_some()));
}

#[test]
fn check_finds_exactly_the_planted_misconfigurations() {
    // 60 workspaces give six faulty ones, one of each kind.
    let (g, loaded) = load(60, 11);
    let kinds: BTreeSet<Fault> = g.planted.iter().map(|p| p.fault).collect();
    assert!(kinds.len() >= 6, "{kinds:?}");
    let report = check(&loaded.estate, &ServiceTags::symbolic(), &CheckOptions::default()).expect("checks");
    let faulty: BTreeSet<&str> = g.planted.iter().map(|p| p.workspace.as_str()).collect();
    for ws in &report.workspaces {
        let blocked = report.flows.iter().any(|f| f.workspace == ws.name && f.is_failure());
        let errors = report
            .findings
            .iter()
            .any(|f| f.workspace.as_deref() == Some(&ws.name) && f.severity == FindingSeverity::Error);
        if faulty.contains(ws.name.as_str()) {
            assert!(blocked || errors, "{}: planted {:?} but check reports nothing", ws.name, g.planted);
        } else {
            let why: Vec<_> = report
                .flows
                .iter()
                .filter(|f| f.workspace == ws.name && f.is_failure())
                .map(|f| (&f.id, &f.blocked_by))
                .collect();
            assert!(!blocked && !errors, "{} is clean but check reports {why:?}", ws.name);
        }
    }
}

/// The estate without the positions the importer filled in (they differ between formats).
fn without_origins(estate: &adbflow_model::Estate) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("origin");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(estate).unwrap();
    strip(&mut v);
    v
}

#[test]
fn json_and_toml_load_back_to_the_generated_estate() {
    let g = generate(&GenOptions::new(3, 9)).unwrap();
    let json = load_str(&to_native_json(&g.estate), "g.json", Format::NativeJson).unwrap();
    let toml = load_str(&to_native_toml(&g.estate), "g.toml", Format::NativeToml).unwrap();
    let want = without_origins(&g.estate);
    assert!(
        without_origins(&json.estate) == want,
        "the JSON file does not load back to the generated estate"
    );
    assert!(
        without_origins(&toml.estate) == want,
        "the TOML file does not load back to the generated estate"
    );
}

#[test]
fn counts_and_regions_out_of_range_are_refused() {
    assert!(generate(&GenOptions::new(0, 1)).is_err());
    assert!(generate(&GenOptions::new(adbflow_gen::MAX_WORKSPACES + 1, 1)).is_err());
    let mut o = GenOptions::new(1, 1);
    o.region = "atlantis".into();
    assert!(generate(&o).unwrap_err().to_string().contains("atlantis"));
}

#[test]
fn check_of_many_workspaces_is_identical_across_runs() {
    // Workspaces are evaluated in parallel; the report must not depend on which thread ran first.
    let (_, loaded) = load(24, 2);
    let run = || {
        let r = check(&loaded.estate, &ServiceTags::symbolic(), &CheckOptions::default()).unwrap();
        serde_json::to_string(&r).unwrap()
    };
    let first = run();
    for _ in 0..3 {
        assert!(run() == first, "two checks of one estate differ");
    }
    let names: Vec<String> = serde_json::from_str::<serde_json::Value>(&first).unwrap()["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "workspaces are reported in estate order");
}

// Preparing builds a region's Databricks names (web application, relays, managed storage, Event
// Hubs) once, for its first workspace: every region of a multi-region estate must still get all of
// them, each name once, and every workspace its own URL.
#[test]
fn every_region_of_a_multi_region_estate_gets_its_databricks_names_once() {
    let mut g = generate(&GenOptions::new(6, 2)).expect("generates");
    let moved: Vec<String> = g.estate.workspaces.iter().skip(1).step_by(2).map(|w| w.vnet.clone()).collect();
    for w in g.estate.workspaces.iter_mut().skip(1).step_by(2) {
        w.region = Some("westeurope".into());
    }
    for v in g.estate.vnets.iter_mut().filter(|v| moved.contains(&v.name)) {
        v.region = Some("westeurope".into());
    }
    let text = to_native_json(&g.estate);
    let loaded = load_str(&text, "gen.json", Format::NativeJson).unwrap_or_else(|e| panic!("{e}"));
    let regions = adbflow_databricks::builtin_regions();
    let p = adbflow_databricks::prepare(&loaded.estate, regions, None).expect("prepares");
    let count = |fqdn: &str| p.estate.endpoints.iter().filter(|e| e.fqdn.eq_ignore_ascii_case(fqdn)).count();
    for name in ["eastus2", "westeurope"] {
        let r = regions.region(name).expect("built-in region");
        let mut names: Vec<&str> = r.webapp.iter().map(|w| w.fqdn.as_str()).collect();
        names.extend(r.scc_relays.iter().map(|x| x.fqdn.as_str()));
        names.extend(r.event_hubs.iter().map(|x| x.fqdn.as_str()));
        names.extend(r.artifact_primary.iter().chain(&r.log_blob).map(|x| x.fqdn.as_str()));
        assert!(names.len() > 3, "{name}: the region data lists its names");
        for fqdn in names {
            assert_eq!(count(fqdn), 1, "{name}: {fqdn}");
        }
    }
    let urls = p.estate.endpoints.iter().filter(|e| e.subresource.as_deref() == Some("databricks_ui_api"));
    let owners: BTreeSet<&str> = urls.filter_map(|e| e.resource.as_deref()).collect();
    assert!(owners.len() >= 2, "workspace URLs and regional names carry their owners: {owners:?}");
    let fqdns: Vec<String> = p.estate.endpoints.iter().map(|e| e.fqdn.to_ascii_lowercase()).collect();
    let unique: BTreeSet<&String> = fqdns.iter().collect();
    assert_eq!(unique.len(), fqdns.len(), "no name twice");
    assert_eq!(p.workspaces.len(), 6);
}
