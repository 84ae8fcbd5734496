//! Native TOML: parse once with spans, record where every table starts, then deserialise.

use crate::origins::{push_index, Positions, Shape};
use crate::Failure;
use adbflow_model::Estate;
use serde::Deserialize;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub(crate) fn parse(text: &str) -> Result<(Estate, Positions), Failure> {
    let root = DeTable::parse(text).map_err(|e| failure(text, e))?;
    let mut positions = Positions::default();
    positions.insert("".into(), (0, Shape::Table));
    let mut path = String::new();
    for (key, value) in root.get_ref().iter() {
        walk(value, key.get_ref(), &mut path, &mut positions);
    }
    let estate = Estate::deserialize(toml::de::Deserializer::from(root)).map_err(|e| failure(text, e))?;
    Ok((estate, positions))
}

fn failure(text: &str, e: toml::de::Error) -> Failure {
    let span = e.span();
    let mut message = e.message().trim().to_string();
    // toml hands datetimes to serde as a one-key map, so a datetime where a string belongs
    // would be reported as "invalid type: map".
    let value = span.clone().and_then(|s| text.get(s)).unwrap_or_default();
    if message.starts_with("invalid type: map") && value.trim().parse::<toml::value::Datetime>().is_ok() {
        message = message.replacen("invalid type: map", "invalid type: datetime", 1);
    }
    Failure { offset: span.map(|s| s.start), message }
}

/// Record the start of every table and array below `path.key`. For an `[[array]]` element the
/// start is its header line; for an inline table, its opening brace.
fn walk(value: &Spanned<DeValue<'_>>, key: &str, path: &mut String, out: &mut Positions) {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
    record(value, path, out);
    path.truncate(len);
}

fn record(value: &Spanned<DeValue<'_>>, path: &mut String, out: &mut Positions) {
    match value.get_ref() {
        DeValue::Table(t) => {
            out.insert(path.as_str().into(), (value.span().start, Shape::Table));
            for (k, v) in t.iter() {
                walk(v, k.get_ref(), path, out);
            }
        }
        DeValue::Array(a) => {
            out.insert(path.as_str().into(), (value.span().start, Shape::Array));
            for (i, v) in a.iter().enumerate() {
                let len = path.len();
                push_index(path, i);
                record(v, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}
