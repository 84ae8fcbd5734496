//! Workspace settings Terraform has no resource for, read from the `tags` of
//! `azurerm_databricks_workspace`: where users reach the workspace from (`adbflow-user-subnet`,
//! the native `user_subnet`) and which library repositories it installs from (`adbflow-pypi`,
//! `adbflow-maven`, `adbflow-cran`, the native `[workspaces.libraries]`). Tags are free-form and
//! change nothing in Azure, so a deployment can carry them at no cost.
//!
//! Nothing is ignored silently: a tag that looks like adbflow's (`adbflow` and a separator) but is
//! not one of these is a warning, a value known only after apply is a warning (the setting keeps its
//! default), and a value the native format would reject is an error naming the resource and tag.

use super::super::attrs::{Node, Val};
use super::super::context::Ctx;
use super::super::error::TerraformError;
use adbflow_model::{Libraries, LibrarySource};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) const USER_SUBNET: &str = "adbflow-user-subnet";
pub(crate) const PYPI: &str = "adbflow-pypi";
pub(crate) const MAVEN: &str = "adbflow-maven";
pub(crate) const CRAN: &str = "adbflow-cran";

/// Every tag adbflow reads, in the order messages list them.
const KNOWN: [&str; 4] = [USER_SUBNET, PYPI, MAVEN, CRAN];

/// What the tags of one workspace say; the native defaults where they say nothing.
#[derive(Debug, Default)]
pub(crate) struct TagSettings {
    pub user_subnet: Option<String>,
    pub libraries: Libraries,
}

/// Read the `adbflow-*` tags of workspace instance `idx`. Subnets must already be in the estate.
pub(crate) fn read(ctx: &mut Ctx, idx: usize) -> Result<TagSettings, TerraformError> {
    let mut out = TagSettings::default();
    let tags = ctx.node(idx).get("tags");
    match tags.raw() {
        Val::Known(Value::Object(_)) => {}
        Val::Known(_) => {
            ctx.uninterpreted(&tags, "expected a map of tags; adbflow-* settings keep their defaults");
            return Ok(out);
        }
        Val::Unknown => {
            ctx.warn_attr(
                "terraform-value-known-after-apply",
                &tags,
                format!(
                    "known only after apply, so adbflow cannot read its settings ({}) from them; the workspace keeps the defaults (users on the internet; PyPI and Maven public, CRAN unused)",
                    KNOWN.join(", ")
                ),
            );
            return Ok(out);
        }
        Val::Absent => return Ok(out),
    }
    // Keys with a value, and (in a plan) keys whose value is known only after apply.
    let inst = ctx.inst(idx);
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for source in [inst.values.get("tags"), inst.unknown.get("tags")] {
        if let Some(Value::Object(m)) = source {
            keys.extend(m.keys().filter(|k| is_ours(k)).cloned());
        }
    }
    // Azure treats tag names case-insensitively: `ADBFLOW-PYPI` is `adbflow-pypi`, and two
    // spellings of one setting are one setting given twice.
    let mut seen: BTreeMap<&'static str, String> = BTreeMap::new();
    for key in keys {
        let node = tags.get(&key);
        let Some(setting) = KNOWN.into_iter().find(|k| k.eq_ignore_ascii_case(&key)) else {
            let hint = match suggestion(&key) {
                Some(k) => format!("did you mean '{k}'? "),
                None => String::new(),
            };
            ctx.warn_attr(
                "terraform-adbflow-tag-unknown",
                &node,
                format!(
                    "'{key}' is not a setting adbflow knows ({hint}it reads {}); the tag is ignored",
                    KNOWN.join(", ")
                ),
            );
            continue;
        };
        if let Some(first) = seen.insert(setting, key.clone()) {
            return Err(ctx.error(
                &node,
                format!(
                    "'{first}' already sets {setting}; Azure treats tag names case-insensitively, so give it once"
                ),
            ));
        }
        let Some(value) = tag_value(ctx, &node, setting)? else { continue };
        match setting {
            USER_SUBNET => out.user_subnet = Some(user_subnet(ctx, &node, value)?),
            _ => {
                let source = LibrarySource::try_from(value).map_err(|e| ctx.error(&node, e))?;
                match setting {
                    PYPI => out.libraries.pypi = source,
                    MAVEN => out.libraries.maven = source,
                    _ => out.libraries.cran = source,
                }
            }
        }
    }
    Ok(out)
}

/// Is `key` meant for adbflow: `adbflow` alone or followed by a separator Azure allows in tag
/// names (`-`, `_`, `.`, `:`, space)? Other tags belong to the user and are not looked at.
fn is_ours(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower
        .strip_prefix("adbflow")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '_', '.', ':', ' ']))
}

/// The known tag `key` is probably a misspelling of: the same words with other separators.
fn suggestion(key: &str) -> Option<&'static str> {
    let canonical: String = key
        .to_ascii_lowercase()
        .chars()
        .map(|c| if matches!(c, '_' | '.' | ':' | ' ') { '-' } else { c })
        .collect();
    KNOWN.into_iter().find(|k| *k == canonical)
}

/// The tag's value; `None` (with a warning) when it is known only after apply.
fn tag_value(ctx: &mut Ctx, node: &Node, setting: &str) -> Result<Option<String>, TerraformError> {
    match node.raw() {
        Val::Known(Value::String(s)) => Ok(Some(s.clone())),
        Val::Known(Value::Number(n)) => Ok(Some(n.to_string())),
        Val::Known(Value::Bool(b)) => Ok(Some(b.to_string())),
        Val::Known(_) => Err(ctx.error(node, "expected a string")),
        Val::Absent => Ok(Some(String::new())),
        Val::Unknown => {
            let default = match setting {
                USER_SUBNET => "users on the internet",
                CRAN => "none",
                _ => "public",
            };
            ctx.warn_attr(
                "terraform-value-known-after-apply",
                node,
                format!("known only after apply; adbflow keeps the default ({default})"),
            );
            Ok(None)
        }
    }
}

/// `VNET/SUBNET` naming a subnet of this input, as the native `user_subnet` must.
fn user_subnet(ctx: &Ctx, node: &Node, value: String) -> Result<String, TerraformError> {
    let well_formed = value
        .split_once('/')
        .is_some_and(|(vnet, subnet)| !vnet.is_empty() && !subnet.is_empty() && !subnet.contains('/'));
    if !well_formed {
        return Err(ctx.error(
            node,
            format!(
                "'{value}' is not a subnet: write VNET/SUBNET, the names of a virtual network and one of its subnets in this input"
            ),
        ));
    }
    if ctx.estate.subnet(&value).is_none() {
        return Err(ctx.error(
            node,
            format!("subnet '{value}' is not in this input; users must sit in a subnet adbflow can see"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::{is_ours, suggestion};

    #[test]
    fn adbflow_tags_are_told_from_the_users_own() {
        for k in
            ["adbflow-pypi", "ADBFLOW-Maven", "adbflow_user_subnet", "adbflow:x", "adbflow", "adbflow.cran"]
        {
            assert!(is_ours(k), "{k}");
        }
        for k in ["adbflowish", "owner", "x-adbflow-pypi", ""] {
            assert!(!is_ours(k), "{k}");
        }
    }

    #[test]
    fn misspelt_separators_are_suggested() {
        assert_eq!(suggestion("adbflow_user_subnet"), Some("adbflow-user-subnet"));
        assert_eq!(suggestion("adbflow.pypi"), Some("adbflow-pypi"));
        assert_eq!(suggestion("adbflow-npm"), None);
    }
}
