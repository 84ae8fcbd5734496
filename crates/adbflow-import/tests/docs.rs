//! docs/format.md stays true: every TOML and JSON block in it is an estate that loads, and the
//! complete example's two spellings are the same estate.

use adbflow_import::{load_str, Format};
use serde_json::Value;
use std::path::Path;

fn blocks() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/format.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some("")) => out.extend(current.take()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

fn without_origins(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("origin");
            m.values_mut().for_each(without_origins);
        }
        Value::Array(a) => a.iter_mut().for_each(without_origins),
        _ => {}
    }
}

#[test]
fn every_estate_block_in_the_format_reference_loads() {
    let mut checked = 0;
    let mut complete = Vec::new();
    for (i, (lang, body)) in blocks().into_iter().enumerate() {
        let format = match lang.as_str() {
            "toml" => Format::NativeToml,
            "json" => Format::NativeJson,
            _ => continue,
        };
        let loaded =
            load_str(&body, &format!("format.md block {i}"), format).unwrap_or_else(|e| panic!("{e}"));
        checked += 1;
        if loaded.estate.name.as_deref() == Some("doc-example") {
            let mut v = serde_json::to_value(&loaded.estate).unwrap_or(Value::Null);
            without_origins(&mut v);
            complete.push(v);
        }
    }
    assert!(checked >= 10, "only {checked} blocks checked");
    assert_eq!(complete.len(), 2, "the complete example must appear once in TOML and once in JSON");
    assert_eq!(complete[0], complete[1]);
}
