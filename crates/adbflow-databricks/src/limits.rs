//! Azure limits and performance figures (`data/limits.toml`): SNAT ports, connection and
//! throughput limits of NAT gateways and firewalls, VM bandwidth, storage targets, latency. Every
//! row carries its source and date; assumed figures are marked `inferred`.

use crate::datafile;
use crate::regions::DataError;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../data/limits.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitRow {
    pub limit: String,
    pub value: f64,
    /// Upper end when the figure is a range (latency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    pub unit: String,
    /// The SKU or VM size the figure applies to; every SKU when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub source: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    pub as_of: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unverified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitTable {
    pub schema_version: u32,
    pub name: String,
    pub as_of: String,
    pub limits: Vec<LimitRow>,
}

// Built-in data shipped in the binary and parsed by a unit test: failing here is a build
// defect, never the user's input.
#[allow(clippy::expect_used)]
pub fn builtin() -> &'static LimitTable {
    static DATA: OnceLock<LimitTable> = OnceLock::new();
    DATA.get_or_init(|| {
        datafile::parse("limits.toml (built-in)", BUILTIN).expect("the built-in limits are checked by tests")
    })
}

impl LimitTable {
    pub fn parse(file: &str, text: &str) -> Result<LimitTable, DataError> {
        datafile::parse(file, text)
    }

    /// The row for `limit` and `sku` (a SKU-specific row before a generic one).
    pub fn get(&self, limit: &str, sku: Option<&str>) -> Option<&LimitRow> {
        let rows = self.limits.iter().filter(|r| r.limit == limit);
        let mut generic = None;
        for r in rows {
            match (&r.sku, sku) {
                (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => return Some(r),
                (None, _) => generic = generic.or(Some(r)),
                _ => {}
            }
        }
        generic
    }

    pub fn value(&self, limit: &str, sku: Option<&str>) -> Option<f64> {
        self.get(limit, sku).map(|r| r.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_limits_parse_and_carry_sources() {
        let t = builtin();
        assert!(t.limits.iter().all(|r| !r.source.is_empty() && r.as_of.len() == 10));
        assert_eq!(t.value("nat-snat-ports-per-ip", None), Some(64512.0));
        assert_eq!(t.value("nat-connections-per-ip-per-destination", None), Some(50000.0));
        assert_eq!(t.value("subnet-reserved-addresses", None), Some(5.0));
    }

    // DESIGN.md "Where the seed is wrong" 3: NAT gateway Standard is 50 Gbps, StandardV2 100.
    #[test]
    fn nat_throughput_is_azures_not_the_seeds() {
        let t = builtin();
        assert_eq!(t.value("nat-throughput", Some("Standard")), Some(50.0));
        assert_eq!(t.value("nat-throughput", Some("StandardV2")), Some(100.0));
        assert_eq!(t.value("nat-throughput", Some("Basic")), None, "no figure for a SKU the table lacks");
    }

    #[test]
    fn firewall_figures_depend_on_the_sku() {
        let t = builtin();
        assert_eq!(t.value("firewall-throughput", Some("Standard")), Some(30.0));
        assert_eq!(t.value("firewall-throughput", Some("Premium")), Some(100.0));
        assert_eq!(t.value("firewall-initial-throughput", Some("Standard")), Some(3.0));
        assert_eq!(t.value("firewall-initial-throughput", Some("Premium")), Some(18.0));
        assert_eq!(t.value("vm-bandwidth", Some("standard_ds3_v2")), Some(3.0));
        assert!(t.get("latency-control-plane", None).is_some_and(|r| r.inferred && r.max == Some(80.0)));
    }
}
