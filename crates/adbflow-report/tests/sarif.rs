//! SARIF 2.1.0 shape: the properties the schema requires and the constraints it states (version,
//! levels, 1-based regions, rule indices), plus what GitHub code scanning needs (a physical
//! location per result, stable fingerprints).

mod common;

use adbflow_report::sarif;
use common::{assessed, broken, pattern, PATTERNS};
use serde_json::Value;
use std::collections::BTreeSet;

/// Check `doc` against the parts of the SARIF 2.1.0 schema this tool uses.
fn check_shape(doc: &Value) -> Result<(), String> {
    let obj = doc.as_object().ok_or("log is not an object")?;
    for k in obj.keys() {
        if !["$schema", "version", "runs"].contains(&k.as_str()) {
            return Err(format!("unexpected top-level property {k}"));
        }
    }
    if doc["version"] != "2.1.0" {
        return Err("version must be 2.1.0".into());
    }
    let runs = doc["runs"].as_array().ok_or("runs must be an array")?;
    for run in runs {
        let driver = &run["tool"]["driver"];
        if !driver["name"].is_string() {
            return Err("tool.driver.name is required".into());
        }
        let rules = driver["rules"].as_array().ok_or("rules array")?;
        let mut ids = BTreeSet::new();
        for r in rules {
            let id = r["id"].as_str().ok_or("rule id is required")?;
            if !ids.insert(id) {
                return Err(format!("duplicate rule {id}"));
            }
            for k in ["shortDescription", "fullDescription", "help"] {
                if !r[k]["text"].is_string() {
                    return Err(format!("rule {id}: {k}.text must be a string"));
                }
            }
            let lvl = r["defaultConfiguration"]["level"].as_str().ok_or("default level")?;
            if !["none", "note", "warning", "error"].contains(&lvl) {
                return Err(format!("rule {id}: bad level {lvl}"));
            }
        }
        for res in run["results"].as_array().ok_or("results array")? {
            let msg = res["message"]["text"].as_str().ok_or("message.text is required")?;
            if msg.is_empty() {
                return Err("empty message".into());
            }
            let rule = res["ruleId"].as_str().ok_or("ruleId")?;
            let idx = res["ruleIndex"].as_u64().ok_or("ruleIndex")? as usize;
            if rules.get(idx).and_then(|r| r["id"].as_str()) != Some(rule) {
                return Err(format!("ruleIndex {idx} does not point at {rule}"));
            }
            let lvl = res["level"].as_str().ok_or("level")?;
            if !["none", "note", "warning", "error"].contains(&lvl) {
                return Err(format!("bad level {lvl}"));
            }
            let locs = res["locations"].as_array().ok_or("locations array")?;
            if locs.is_empty() {
                return Err(format!("{rule}: no location (GitHub needs one)"));
            }
            for l in locs {
                let uri = l["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .ok_or("artifactLocation.uri")?;
                if uri.is_empty() {
                    return Err("empty uri".into());
                }
                if let Some(region) = l["physicalLocation"].get("region") {
                    for k in ["startLine", "startColumn"] {
                        if !matches!(region[k].as_u64(), Some(v) if v >= 1) {
                            return Err(format!("{k} must be ≥ 1"));
                        }
                    }
                }
                for ll in l["logicalLocations"].as_array().map(|v| v.as_slice()).unwrap_or(&[]) {
                    if !ll["fullyQualifiedName"].is_string() {
                        return Err("logical location without a name".into());
                    }
                }
            }
            if !res["partialFingerprints"].is_object() {
                return Err("partialFingerprints".into());
            }
        }
    }
    Ok(())
}

#[test]
fn check_sarif_has_the_schema_shape_for_every_pattern_and_a_broken_one() {
    for e in PATTERNS.iter().map(|p| pattern(p)).chain([broken()]) {
        let a = assessed(&e);
        let doc: Value = serde_json::from_str(&sarif::check(&a.check)).unwrap();
        check_shape(&doc).unwrap_or_else(|err| panic!("{err}\n{doc:#}"));
        let doc: Value = serde_json::from_str(&sarif::security(&a.security, &a.check)).unwrap();
        check_shape(&doc).unwrap_or_else(|err| panic!("{err}\n{doc:#}"));
    }
    // The checker rejects what the schema rejects.
    let bad: Value = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": []}},
        "results": [{"ruleId": "a", "ruleIndex": 0, "level": "fatal", "message": {"text": "m"}, "locations": []}]}]});
    assert!(check_shape(&bad).is_err());
}

#[test]
fn blocked_flow_results_point_at_the_deciding_element_in_the_input_file() {
    let a = assessed(&broken());
    let doc: Value = serde_json::from_str(&sarif::check(&a.check)).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let relay = results
        .iter()
        .find(|r| r["ruleId"] == "flow-blocked" && r["properties"]["flow"] == "scc-relay")
        .expect("scc-relay blocked");
    assert_eq!(relay["level"], "error");
    let loc = &relay["locations"][0];
    // The container subnet decided (no egress): it is defined in the pattern file.
    assert_eq!(loc["logicalLocations"][0]["fullyQualifiedName"], "subnet:adb-vnet/container");
    assert_eq!(loc["physicalLocation"]["artifactLocation"]["uri"], "pattern:non-pl");
    let line = loc["physicalLocation"]["region"]["startLine"].as_u64().unwrap();
    let text = adbflow_databricks::patterns::render("non-pl", "eastus2").unwrap();
    let at = text.lines().nth(line as usize - 1).unwrap();
    assert_eq!(at.trim(), "[[vnets.subnets]]", "line {line}");
    assert!(relay["message"]["text"].as_str().unwrap().contains("Fix: attach a NAT gateway"), "{relay}");
    let rule = &doc["runs"][0]["tool"]["driver"]["rules"][relay["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["name"], "RequiredFlowBlocked");
}

#[test]
fn security_sarif_carries_security_severity_and_the_nat_gateway() {
    let a = assessed(&pattern("non-pl"));
    let doc: Value = serde_json::from_str(&sarif::security(&a.security, &a.check)).unwrap();
    let run = &doc["runs"][0];
    let rule = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "exfiltration-path")
        .unwrap();
    assert_eq!(rule["properties"]["security-severity"], "6.5");
    assert!(rule["properties"]["tags"].as_array().unwrap().contains(&Value::from("security")));
    let nat = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["element"] == "nat-gateway:adb-nat")
        .expect("NAT exfiltration result");
    assert_eq!(nat["level"], "warning");
    assert!(nat["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() > 1);
}

#[test]
fn platform_elements_fall_back_to_the_workspace_location() {
    // Terraform-style origins are addresses; platform ones have no file at all.
    let e =
        adbflow_model::ElementRef::new("nsg-rule:x/y", "y", Some(adbflow_model::Origin::platform("Azure")));
    assert!(sarif::location(&e).is_none());
    let e = adbflow_model::ElementRef::new(
        "subnet:v/s",
        "s",
        Some(adbflow_model::Origin::Address { file: "plan.json".into(), address: "azurerm_subnet.s".into() }),
    );
    let l = sarif::location(&e).unwrap();
    assert_eq!(l["physicalLocation"]["artifactLocation"]["uri"], "plan.json");
    assert_eq!(l["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(l["logicalLocations"][0]["decoratedName"], "azurerm_subnet.s");
    // A check finding about a platform element still gets a physical location: the workspace's.
    let a = assessed(&pattern("non-pl"));
    let doc: Value = serde_json::from_str(&sarif::check(&a.check)).unwrap();
    for r in doc["runs"][0]["results"].as_array().unwrap() {
        assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string(), "{r}");
    }
}

#[test]
fn sarif_is_deterministic() {
    let a = assessed(&pattern("hub-spoke"));
    let b = assessed(&pattern("hub-spoke"));
    assert_eq!(sarif::check(&a.check), sarif::check(&b.check));
    assert_eq!(sarif::security(&a.security, &a.check), sarif::security(&b.security, &b.check));
}
