//! The built-in reference patterns (`non-pl`, `full-private`, `hub-spoke`): ordinary native files
//! embedded in the binary, written once for any region. `{{name}}` placeholders take the region's
//! values from the region data; lines between `# @if LIST` and `# @end` are kept only when LIST is
//! not empty. `render` gives the file `adbflow init` writes; callers read it with the same importer
//! as user files (invariant 2), so this crate never parses the native format itself.

use crate::endpoints::private_link_zone;
use crate::regions::{builtin, RegionData};
use std::collections::BTreeMap;

pub struct Pattern {
    pub name: &'static str,
    pub summary: &'static str,
    template: &'static str,
}

pub const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "non-pl",
        summary: "public control plane, SCC, NAT gateway on both subnets, storage via service endpoints",
        template: include_str!("../patterns/non-pl.toml"),
    },
    Pattern {
        name: "full-private",
        summary: "front-end, back-end and browser-auth Private Link, storage private endpoints, no egress",
        template: include_str!("../patterns/full-private.toml"),
    },
    Pattern {
        name: "hub-spoke",
        summary: "workspace in a spoke VNet, egress through Azure Firewall in the hub",
        template: include_str!("../patterns/hub-spoke.toml"),
    },
];

/// The workspace URL the patterns use until the user puts in the real one.
pub const PLACEHOLDER_WORKSPACE_ID: &str = "adb-1234567890123456.7";

#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    #[error("unknown pattern '{name}'; built-in patterns: {known}")]
    UnknownPattern { name: String, known: String },
    #[error("unknown region '{region}'; regions in the data: {known}")]
    UnknownRegion { region: String, known: String },
    #[error("the region data has no Databricks endpoints for '{0}'")]
    NoData(String),
    #[error("pattern {pattern}: unknown placeholder '{{{{{placeholder}}}}}'")]
    Placeholder { pattern: String, placeholder: String },
}

pub fn names() -> impl Iterator<Item = &'static str> {
    PATTERNS.iter().map(|p| p.name)
}

pub fn get(name: &str) -> Result<&'static Pattern, PatternError> {
    PATTERNS.iter().find(|p| p.name == name).ok_or_else(|| PatternError::UnknownPattern {
        name: name.to_string(),
        known: names().collect::<Vec<_>>().join(", "),
    })
}

fn toml_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let q: Vec<String> = items.into_iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", q.join(", "))
}

/// Placeholder values, and which `# @if` lists are non-empty.
type Values = (BTreeMap<&'static str, String>, BTreeMap<&'static str, bool>);

fn values(region: &str, data: &RegionData) -> Result<Values, PatternError> {
    let r = data.region(region).ok_or_else(|| PatternError::UnknownRegion {
        region: region.to_string(),
        known: data.names().collect::<Vec<_>>().join(", "),
    })?;
    if r.no_data || r.webapp.is_none() || r.scc_relays.is_empty() {
        return Err(PatternError::NoData(r.name.clone()));
    }
    let cloud = data.cloud(r);
    let suffix = &cloud.databricks_suffix;
    let record = |fqdn: &str| fqdn.strip_suffix(&format!(".{suffix}")).unwrap_or(fqdn).to_string();
    let webapp = r.webapp.as_ref().map(|w| w.fqdn.clone()).unwrap_or_default();
    let browser = r.browser_auth.as_ref().map(|w| w.fqdn.clone()).unwrap_or_default();
    let relay = r.pick(&r.scc_relays).map(|e| e.fqdn.clone()).unwrap_or_default();
    let webapp_ips: Vec<String> = r.webapp_ips.iter().map(|p| p.to_string()).collect();
    let ext: Vec<String> = r.extended_infra_ips.iter().map(|p| p.to_string()).collect();
    let mut v = BTreeMap::new();
    v.insert("region", r.name.clone());
    v.insert("databricks_suffix", suffix.clone());
    v.insert("storage_suffix", cloud.storage_suffix.clone());
    v.insert("privatelink_zone", private_link_zone(cloud));
    v.insert("workspace_url", format!("{PLACEHOLDER_WORKSPACE_ID}.{suffix}"));
    v.insert("workspace_record", PLACEHOLDER_WORKSPACE_ID.to_string());
    v.insert("scc_relay_record", record(&relay));
    v.insert("webapp_record", record(&webapp));
    v.insert("browser_auth_record", record(&browser));
    v.insert("webapp_ips", toml_list(webapp_ips.iter().map(String::as_str)));
    v.insert("extended_infra_ips", toml_list(ext.iter().map(String::as_str)));
    v.insert("scc_relay_fqdns", toml_list(r.scc_relays.iter().map(|e| e.fqdn.as_str())));
    v.insert("metastore_fqdns", toml_list(r.metastores.iter().map(|e| e.fqdn.as_str())));
    v.insert("eventhub_fqdns", toml_list(r.event_hubs.iter().map(|e| e.fqdn.as_str())));
    v.insert("databricks_storage_fqdns", toml_list(r.storage_endpoints().map(|e| e.fqdn.as_str())));
    let mut present = BTreeMap::new();
    present.insert("extended_infra_ips", !ext.is_empty());
    present.insert("metastore_fqdns", !r.metastores.is_empty());
    present.insert("eventhub_fqdns", !r.event_hubs.is_empty());
    Ok((v, present))
}

/// The pattern's native file for `region`, as `adbflow init` writes it.
pub fn render(name: &str, region: &str) -> Result<String, PatternError> {
    render_with(name, region, builtin())
}

pub fn render_with(name: &str, region: &str, data: &RegionData) -> Result<String, PatternError> {
    let p = get(name)?;
    let (vals, present) = values(region, data)?;
    let mut out = String::with_capacity(p.template.len() * 2);
    let mut keep = true;
    for line in p.template.lines() {
        let t = line.trim();
        if let Some(cond) = t.strip_prefix("# @if ") {
            keep = present.get(cond.trim()).copied().unwrap_or(false);
            continue;
        }
        if t == "# @end" {
            keep = true;
            continue;
        }
        if keep {
            out.push_str(&substitute(p.name, line, &vals)?);
            out.push('\n');
        }
    }
    Ok(out)
}

fn substitute(
    pattern: &str,
    line: &str,
    vals: &BTreeMap<&'static str, String>,
) -> Result<String, PatternError> {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| PatternError::Placeholder {
            pattern: pattern.to_string(),
            placeholder: after.to_string(),
        })?;
        let key = &after[..end];
        let v = vals.get(key).ok_or_else(|| PatternError::Placeholder {
            pattern: pattern.to_string(),
            placeholder: key.to_string(),
        })?;
        out.push_str(v);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use adbflow_model::Estate;

    #[test]
    fn every_pattern_renders_and_parses_for_every_region_with_data() {
        for r in builtin().regions.iter() {
            for p in names() {
                match render(p, &r.name) {
                    Ok(text) => {
                        let e: Estate =
                            toml::from_str(&text).unwrap_or_else(|e| panic!("{p} in {}: {e}", r.name));
                        assert_eq!(e.region(), r.name);
                        assert_eq!(e.workspaces.len(), 1, "{p} {}", r.name);
                    }
                    Err(PatternError::NoData(_)) => assert!(r.no_data, "{p} {}", r.name),
                    Err(e) => panic!("{p} in {}: {e}", r.name),
                }
            }
        }
    }

    #[test]
    fn rendering_is_deterministic_and_fills_every_placeholder() {
        for p in names() {
            let a = render(p, "westeurope").unwrap();
            assert_eq!(a, render(p, "westeurope").unwrap());
            assert!(!a.contains("{{") && !a.contains("@if") && !a.contains("@end"), "{p}");
            assert!(a.contains("region = \"westeurope\""));
        }
    }

    #[test]
    fn region_values_reach_the_firewall_rules_and_dns_records() {
        let hs = render("hub-spoke", "westeurope").unwrap();
        assert!(hs.contains("tunnel.westeuropec2.azuredatabricks.net"));
        assert!(hs.contains("ucstprdwesteu.dfs.core.windows.net"), "system tables storage where known");
        assert!(hs.contains("20.73.215.48/28"), "extended infrastructure");
        let q = render("hub-spoke", "qatarcentral").unwrap();
        assert!(!q.contains("extended-infra"), "no extended infrastructure range for qatarcentral");
        let fp = render("full-private", "uksouth").unwrap();
        assert!(fp.contains("name = \"tunnel.ukwest\""), "uksouth's relay lives in ukwest");
        let cn = render("full-private", "chinaeast2").unwrap();
        assert!(
            cn.contains("privatelink.databricks.azure.cn")
                && cn.contains("privatelink.blob.core.chinacloudapi.cn")
        );
    }

    #[test]
    fn unknown_names_and_regions_are_clear_errors() {
        let e = render("nope", "eastus2").unwrap_err().to_string();
        assert!(e.contains("non-pl, full-private, hub-spoke"), "{e}");
        let e = render("non-pl", "atlantis").unwrap_err().to_string();
        assert!(e.contains("atlantis") && e.contains("eastus2"), "{e}");
        assert!(matches!(render("non-pl", "eastus2euap"), Err(PatternError::NoData(_))));
    }

    #[test]
    fn placeholders_must_be_known() {
        let v = BTreeMap::from([("region", "x".to_string())]);
        assert_eq!(substitute("p", "a {{region}} b", &v).unwrap(), "a x b");
        assert!(matches!(substitute("p", "{{nope}}", &v), Err(PatternError::Placeholder { .. })));
        assert!(matches!(substitute("p", "{{region", &v), Err(PatternError::Placeholder { .. })));
    }
}
