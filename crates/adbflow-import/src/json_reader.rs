//! Native JSON: serde_json for the data, the scanner for positions.

use crate::doc_tree::DocTree;
use crate::json_scan::scan;
use crate::position::LineIndex;
use crate::Failure;
use adbflow_model::Estate;
use serde::Deserialize;
use serde_json::error::Category;
use serde_path_to_error::Segment;

/// The estate and where its elements start, with the text's line index (which turns any failure's
/// offset into a line and column).
pub(crate) fn parse(text: &str) -> (Result<(Estate, DocTree), Failure>, LineIndex<'_>) {
    if let Err(f) = top_level_is_object(text) {
        return (Err(f), LineIndex::new(text));
    }
    // Independent passes over the text, on two cores: the typed parse on one; on the other the
    // scan that records where each element starts (for origins) and the line index, which only
    // a failure needs before the parse ends.
    let (parsed, (positions, index)) = rayon::join(
        || {
            let mut de = serde_json::Deserializer::from_str(text);
            // Untracked: following the path of every value was a quarter of the parse, and only
            // a failure needs it (`tracked` reads the text again then).
            let estate = Estate::deserialize(&mut de).map_err(Unread::Data)?;
            de.end().map_err(Unread::Trailing)?;
            Ok(estate)
        },
        || (scan(text, false).containers, LineIndex::new(text)),
    );
    let parsed = match parsed {
        Ok(estate) => Ok((estate, positions)),
        Err(Unread::Data(e)) => {
            let (e, path) = tracked(text).map_or((e, None), |(e, path)| (e, Some(path)));
            Err(failure(text, &index, &e, path.as_deref()))
        }
        Err(Unread::Trailing(e)) => Err(failure(text, &index, &e, None)),
    };
    (parsed, index)
}

/// Why the estate was not read: its value failed, or text follows it.
enum Unread {
    Data(serde_json::Error),
    Trailing(serde_json::Error),
}

/// The parse again, following the path of each value: the same failure, and where it is. None if
/// it does not fail (it cannot: the parse is deterministic).
fn tracked(text: &str) -> Option<(serde_json::Error, String)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let e = serde_path_to_error::deserialize::<_, Estate>(&mut de).err()?;
    let path = path_string(e.path());
    Some((e.into_inner(), path))
}

/// A derived struct also deserialises from an array of its fields, which would turn
/// `[1, 2]` into a baffling "expected a string"; say what is actually wrong.
fn top_level_is_object(text: &str) -> Result<(), Failure> {
    let offset = text.len() - text.trim_start().len();
    let found = match text.as_bytes().get(offset) {
        Some(b'{') | None => return Ok(()),
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "a number",
        // Not JSON at all: serde_json's syntax error says more.
        Some(_) => return Ok(()),
    };
    Err(Failure {
        offset: Some(offset),
        message: format!("the top level of a native JSON file must be an object (the estate), found {found}"),
    })
}

/// The path in the scanner's spelling: `vnets[0].subnets[1].prefix`.
fn path_string(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            // Enum variants and unknown segments have no place in the document tree.
            _ => break,
        }
    }
    out
}

fn failure(text: &str, index: &LineIndex, e: &serde_json::Error, path: Option<&str>) -> Failure {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    // serde_json's column is that of the last byte it consumed.
    let end = index.offset(e.line(), e.column());
    let offset = match e.classify() {
        // A data error is found once a value (often its whole enclosing object) has been read;
        // the path says which value, the scanner where it starts.
        Category::Data => {
            let s = scan(text, true);
            let by_token = s.token_ends.get(&end).copied();
            // A duplicate key is reported right after the key itself, but with the object's path.
            if message.starts_with("duplicate field") {
                by_token.unwrap_or(end.saturating_sub(1))
            } else {
                let by_path = path.and_then(|p| s.values.get(p)).map(|m| {
                    if message.starts_with("unknown field") {
                        m.key.unwrap_or(m.value)
                    } else {
                        m.value
                    }
                });
                by_path.or(by_token).unwrap_or(end.saturating_sub(1))
            }
        }
        // Column 0 is the start of a line (input ended right after a newline).
        _ if e.column() == 0 => end,
        _ => end - 1,
    };
    Failure { offset: Some(offset), message }
}
