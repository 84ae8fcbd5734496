//! Which native format a text is in, when the file name does not say.

use crate::terraform::TerraformKind;
use crate::{Format, ImportError};
use serde::de::IgnoredAny;

/// `{` starts JSON; a `[` or a scalar is JSON only if the whole text parses as JSON (TOML
/// headers also start with `[`); everything else — keys, comments — is TOML.
pub fn detect(text: &str, file: &str) -> Result<Format, ImportError> {
    let text = crate::strip_bom(text);
    let Some(first) = text.trim_start().chars().next() else {
        return Err(ImportError::Empty { file: file.to_string() });
    };
    let terraform = if first == '{' { crate::terraform::terraform_kind_of_text(text) } else { None };
    let format = match first {
        '{' if terraform.is_some() => match terraform {
            Some(TerraformKind::Plan) => Format::TerraformPlan,
            _ => Format::TerraformState,
        },
        // Broken JSON that opens like `terraform show -json` output (it always prints
        // `format_version` first) goes to the Terraform reader, whose error names the syntax
        // fault's line and column instead of calling Terraform's keys unknown native fields.
        '{' if opens_with_format_version(text) => terraform_kind_of_text(text),
        '{' => Format::NativeJson,
        '[' | '"' | '-' | '0'..='9' if serde_json::from_str::<IgnoredAny>(text).is_ok() => Format::NativeJson,
        _ => Format::NativeToml,
    };
    Ok(format)
}

fn opens_with_format_version(text: &str) -> bool {
    let rest = text.trim_start().strip_prefix('{').unwrap_or("").trim_start();
    rest.starts_with("\"format_version\"")
}

/// Plan or state of a document that does not parse: by the plan's section names in the text.
fn terraform_kind_of_text(text: &str) -> Format {
    if text.contains("\"planned_values\"") || text.contains("\"resource_changes\"") {
        Format::TerraformPlan
    } else {
        Format::TerraformState
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        let d = |t: &str| detect(t, "f").ok();
        assert_eq!(d("  {\"vnets\": []}"), Some(Format::NativeJson));
        assert_eq!(d("[[vnets]]\nname = \"a\""), Some(Format::NativeToml));
        assert_eq!(d("[1, 2]"), Some(Format::NativeJson));
        assert_eq!(d("# comment\nregion = \"eastus2\""), Some(Format::NativeToml));
        assert_eq!(d("\u{feff}{}"), Some(Format::NativeJson));
        assert!(matches!(detect(" \n\t", "f"), Err(ImportError::Empty { .. })));
    }

    #[test]
    fn keys_are_read_as_json_reads_them() {
        let d = |t: &str| detect(t, "f").ok();
        // `\u005f` is `_`: the key is `format_version` though the text never spells it.
        assert_eq!(d(r#"{"format\u005fversion": "1.2", "planned_values": {}}"#), Some(Format::TerraformPlan));
        assert_eq!(
            d(r#"{"values": {"a": "\u0041"}, "format_version": "1.0"}"#),
            Some(Format::TerraformState)
        );
        // Spelled only inside a value, or below the top level, it is not the key.
        assert_eq!(d(r#"{"description": "format_version", "values": {}}"#), Some(Format::NativeJson));
        assert_eq!(d(r#"{"vnets": [{"format_version": "1.0"}], "values": {}}"#), Some(Format::NativeJson));
    }

    #[test]
    fn broken_terraform_json_is_still_terraform() {
        let d = |t: &str| detect(t, "f").ok();
        assert_eq!(
            d("{\n \"format_version\": \"1.2\", \"planned_values\": {,}}"),
            Some(Format::TerraformPlan)
        );
        assert_eq!(d("{\"format_version\": \"1.0\", \"values\": [}"), Some(Format::TerraformState));
        // Presence decides, as it does for the parsed document: a null section still names a plan.
        assert_eq!(d("{\"format_version\": \"1.2\", \"planned_values\": null}"), Some(Format::TerraformPlan));
        assert_eq!(
            d("{\"terraform_version\": \"1.9\", \"format_version\": \"1.0\"}"),
            Some(Format::TerraformState)
        );
        // A numeric format_version opens like Terraform output: its reader says what is wrong.
        assert_eq!(d("{\"format_version\": 1, \"values\": {}}"), Some(Format::TerraformState));
        assert_eq!(d("{\"vnets\": [], \"values\": {}, \"format_version\": 1}"), Some(Format::NativeJson));
        // A native file that merely mentions the key later is not Terraform.
        assert_eq!(d("{\"vnets\": [], \"format_version\": 1,}"), Some(Format::NativeJson));
    }
}
