//! Helpers for validation tests: estates are written as JSON (the native format's serde form),
//! which is much shorter than struct literals and exercises the same deserialisation users hit.

use crate::diagnostic::{Diagnostic, Severity};
use crate::estate::Estate;

pub fn estate(v: serde_json::Value) -> Estate {
    match serde_json::from_value(v) {
        Ok(e) => e,
        Err(err) => panic!("test estate does not deserialize: {err}"),
    }
}

/// The diagnostics with `code`, as produced by the full `validate` (so tests also prove the
/// check is wired in).
pub fn with_code(e: &Estate, code: &str) -> Vec<Diagnostic> {
    super::validate(e).into_iter().filter(|d| d.code == code).collect()
}

/// Assert exactly one diagnostic with `code`, of `severity`, about `element`, whose message
/// contains every word of `words`; returns it for further checks.
pub fn expect_one(e: &Estate, code: &str, severity: Severity, element: &str, words: &[&str]) -> Diagnostic {
    let mut found = with_code(e, code);
    assert_eq!(found.len(), 1, "expected one `{code}`, got {found:#?}");
    let d = found.remove(0);
    assert_eq!(d.severity, severity, "{d}");
    assert_eq!(d.element, element, "{d}");
    for w in words {
        assert!(d.message.contains(w), "message {:?} lacks {w:?}", d.message);
    }
    d
}

pub fn expect_none(e: &Estate, code: &str) {
    let found = with_code(e, code);
    assert!(found.is_empty(), "expected no `{code}`, got {found:#?}");
}

/// One VNet 10.0.0.0/16 with two subnets — the base most tests modify.
pub fn one_vnet() -> serde_json::Value {
    serde_json::json!({
        "vnets": [{
            "name": "spoke",
            "address_space": ["10.0.0.0/16"],
            "subnets": [
                {"name": "host", "prefix": "10.0.1.0/24"},
                {"name": "container", "prefix": "10.0.2.0/24"}
            ]
        }]
    })
}
