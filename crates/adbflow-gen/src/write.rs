//! The native file a generated estate is written as. Keys at their defaults (empty lists, absent
//! options) are left out, as a person writing the file would, so the file reads like real input.

use adbflow_model::Estate;
use serde_json::Value;

fn pruned(estate: &Estate) -> Value {
    let mut v = serde_json::to_value(estate).expect("the model serialises to JSON");
    prune(&mut v);
    v
}

fn prune(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !(x.is_null() || x.as_array().is_some_and(Vec::is_empty)));
            map.values_mut().for_each(prune);
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

/// Pretty JSON, one key per line, so origins (`file:line:column`) point somewhere useful.
pub fn to_native_json(estate: &Estate) -> String {
    let mut s = serde_json::to_string_pretty(&pruned(estate)).expect("a JSON value serialises");
    s.push('\n');
    s
}

/// The same estate as TOML.
pub fn to_native_toml(estate: &Estate) -> String {
    toml::to_string(&pruned(estate)).expect("a JSON value without nulls serialises to TOML")
}
