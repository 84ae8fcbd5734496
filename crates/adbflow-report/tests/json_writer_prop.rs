//! The streamed JSON writer (`json/pretty.rs` underneath) must write exactly what
//! `serde_json::to_string_pretty` writes, for any value: strings with every kind of character
//! that needs escaping, floats of every magnitude, nesting, empty containers.

use adbflow_report::json::ObjectWriter;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        // Any Unicode, control characters and quotes included.
        any::<String>().prop_map(Value::String),
        "[\\x00-\\x7f\"\\\\]{0,40}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

proptest! {
    #[test]
    fn writes_what_serde_json_pretty_prints(fields in prop::collection::vec((any::<String>(), value()), 0..5), items in prop::collection::vec(value(), 0..40)) {
        let mut object: Map<String, Value> = fields.into_iter().collect();
        // After every other key, as a serde_json map (sorted) serialises it.
        let items_key = object.keys().next_back().map_or_else(|| "items".to_string(), |k| format!("{k}~"));
        let mut buf = Vec::new();
        let mut w = ObjectWriter::new(&mut buf);
        for (k, v) in &object {
            w.field(k, v).unwrap();
        }
        w.array_par(&items_key, &items).unwrap();
        w.finish().unwrap();
        object.insert(items_key, Value::Array(items));
        let expected = serde_json::to_string_pretty(&Value::Object(object)).unwrap() + "\n";
        prop_assert_eq!(String::from_utf8(buf).unwrap(), expected);
    }
}
