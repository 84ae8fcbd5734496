//! Where in the JSON text a Terraform error is: the mapper works on parsed values and names a JSON
//! path or a resource address and attribute; this finds that spot's line and column, so every
//! error points into the file like the native reader's do.

use super::error::TerraformError;
use crate::json_scan::scan;
use crate::position::LineIndex;

/// `error` with its position in `text` when one can be found; unchanged otherwise.
pub(crate) fn locate(text: &str, error: TerraformError) -> TerraformError {
    let offset = match &error {
        TerraformError::Structure { path, .. } => {
            let s = scan(text, true);
            // The path itself, else the nearest enclosing container that was recorded.
            let mut p = path.as_str();
            loop {
                if let Some(m) = s.values.get(p) {
                    break Some(m.key.unwrap_or(m.value));
                }
                match p.rfind(['.', '[']) {
                    Some(i) => p = &p[..i],
                    None => break None,
                }
            }
        }
        TerraformError::Resource { address, attribute, .. } => resource_offset(text, address, attribute),
        TerraformError::UnsupportedVersion { .. } => {
            scan(text, true).values.get("format_version").map(|m| m.value)
        }
        _ => None,
    };
    match offset {
        Some(o) => {
            let (line, column) = LineIndex::new(text).position(o);
            TerraformError::Located { line: line as usize, column: column as usize, error: Box::new(error) }
        }
        None => error,
    }
}

/// The attribute's value inside the first resource object whose `address` is `address` (planned
/// values or state come before resource changes in Terraform's output), else that `address` value.
fn resource_offset(text: &str, address: &str, attribute: &str) -> Option<usize> {
    let s = scan(text, true);
    let quoted = serde_json::to_string(address).ok()?;
    let mut found: Option<(&str, usize)> = None;
    for (path, m) in &s.values {
        let Some(resource) = path.strip_suffix(".address") else { continue };
        if text.get(m.value..).is_some_and(|t| t.starts_with(&quoted))
            && found.is_none_or(|(_, o)| m.value < o)
        {
            found = Some((resource, m.value));
        }
    }
    let (resource, at) = found?;
    let head = attribute.split(['.', '[']).next().unwrap_or(attribute);
    [format!("{resource}.values.{attribute}"), format!("{resource}.values.{head}")]
        .iter()
        .find_map(|p| s.values.get(p.as_str()).map(|m| m.value))
        .or(Some(at))
}
