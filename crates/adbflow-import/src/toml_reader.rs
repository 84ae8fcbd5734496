//! Native TOML: parse once with spans, record where every table starts, then deserialise.

use crate::doc_tree::{DocTree, Shape, Step};
use crate::Failure;
use adbflow_model::Estate;
use serde::Deserialize;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub(crate) fn parse(text: &str) -> Result<(Estate, DocTree), Failure> {
    let root = DeTable::parse(text).map_err(|e| failure(text, e))?;
    let mut positions = DocTree::default();
    let top = positions.open(Step::Root, 0, Shape::Table);
    for (key, value) in root.get_ref().iter() {
        record(value, Step::Key(key.get_ref()), &mut positions);
    }
    positions.close(top);
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

/// Record the start of every table and array at or below `value`, reached by `step`. For an
/// `[[array]]` element the start is its header line; for an inline table, its opening brace.
fn record(value: &Spanned<DeValue<'_>>, step: Step<'_>, out: &mut DocTree) {
    match value.get_ref() {
        DeValue::Table(t) => {
            let id = out.open(step, value.span().start, Shape::Table);
            for (k, v) in t.iter() {
                record(v, Step::Key(k.get_ref()), out);
            }
            out.close(id);
        }
        DeValue::Array(a) => {
            let id = out.open(step, value.span().start, Shape::Array);
            for (i, v) in a.iter().enumerate() {
                record(v, Step::Item(i), out);
            }
            out.close(id);
        }
        _ => {}
    }
}
