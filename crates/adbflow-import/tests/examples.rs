//! The shipped examples load, their TOML and JSON twins are the same estate, and every element
//! knows where it was written.

use adbflow_import::{load_path, Format, Loaded};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn load(name: &str) -> Loaded {
    match load_path(&example(name)) {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    }
}

/// The estate as JSON without origins, which legitimately differ between the twins.
fn without_origins(l: &Loaded) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("origin");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(&l.estate).unwrap_or(Value::Null);
    strip(&mut v);
    v
}

#[test]
fn examples_load_without_findings() {
    for name in ["non-pl-minimal.toml", "non-pl-minimal.json", "every-element.toml", "every-element.json"] {
        let l = load(name);
        assert!(l.warnings.is_empty(), "{name}: {:#?}", l.warnings);
        let expected = if name.ends_with(".toml") { Format::NativeToml } else { Format::NativeJson };
        assert_eq!(l.format, expected);
    }
}

#[test]
fn non_pl_minimal_has_the_pattern_shape() {
    let e = load("non-pl-minimal.toml").estate;
    assert_eq!(e.region(), "eastus2");
    let host = e.subnet("adb-vnet/host").map(|s| s.subnet.clone());
    let host = host.unwrap_or_else(|| panic!("no host subnet"));
    assert_eq!(host.nat_gateway.as_deref(), Some("adb-nat"));
    assert!(!host.default_outbound_access);
    assert_eq!(e.nsg("adb-nsg").map(|n| n.rules.len()), Some(6));
}

#[test]
fn toml_and_json_twins_are_the_same_estate() {
    for stem in ["non-pl-minimal", "every-element"] {
        let toml = load(&format!("{stem}.toml"));
        let json = load(&format!("{stem}.json"));
        assert_eq!(without_origins(&toml), without_origins(&json), "{stem}");
        assert_ne!(toml.estate, json.estate, "{stem}: origins should name different files");
    }
}

/// Every object in an array is an element; each must have a file origin whose position starts a
/// table and whose first identifying key there holds the element's own name.
fn check_origins(name: &str) {
    let l = load(name);
    let text = std::fs::read_to_string(example(name)).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let mut checked = 0;
    let mut stack = vec![serde_json::to_value(&l.estate).unwrap_or(Value::Null)];
    let mut first = true;
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                let origin = m.get("origin").cloned().unwrap_or(Value::Null);
                assert_eq!(origin["kind"], "file", "{name}: element without a file origin: {m:?}");
                assert_eq!(origin["file"], example(name).display().to_string());
                let line = origin["line"].as_u64().unwrap_or(0) as usize;
                let column = origin["column"].as_u64().unwrap_or(0) as usize;
                let from_line =
                    lines.get(line - 1).unwrap_or_else(|| panic!("{name}: line {line} does not exist"));
                let at: String = from_line.chars().skip(column - 1).collect();
                if first {
                    assert_eq!((line, column), (1, 1), "{name}: the estate starts the file");
                    first = false;
                } else {
                    assert!(
                        at.starts_with("[[") || at.starts_with('{'),
                        "{name}:{line}:{column} is not a table start: {at}"
                    );
                    let key =
                        ["name", "fqdn", "vnet"].into_iter().find(|k| m.contains_key(*k)).unwrap_or("name");
                    let want = m[key].as_str().unwrap_or_default().to_string();
                    let rest: String = lines[line - 1..].join("\n").chars().skip(column - 1).collect();
                    assert_eq!(
                        first_value(&rest, key).as_deref(),
                        Some(want.as_str()),
                        "{name}:{line}:{column}"
                    );
                }
                checked += 1;
                for (k, child) in m {
                    if k != "origin" {
                        stack.push(child);
                    }
                }
            }
            Value::Array(a) => stack.extend(a.into_iter().filter(Value::is_object)),
            _ => {}
        }
    }
    assert!(checked > 40, "{name}: only {checked} elements checked");
}

/// The first `key = "v"` (TOML) or `"key": "v"` (JSON) in `text`.
fn first_value(text: &str, key: &str) -> Option<String> {
    let pats = [format!("{key} = \""), format!("\"{key}\": \"")];
    let (at, pat) = pats.iter().filter_map(|p| text.find(p.as_str()).map(|i| (i, p))).min_by_key(|x| x.0)?;
    let rest = &text[at + pat.len()..];
    rest.find('"').map(|end| rest[..end].to_string())
}

#[test]
fn every_element_of_the_toml_example_has_its_origin() {
    check_origins("every-element.toml");
}

#[test]
fn every_element_of_the_json_example_has_its_origin() {
    check_origins("every-element.json");
}
