//! Timing parameters (`data/timing.toml`): how long each startup step takes on a healthy network,
//! how long Databricks waits before giving up on a blocked flow, the heartbeat interval. Every row
//! carries its source; calibrations against the seed's T+ offsets are marked `inferred`.

use crate::datafile;
use crate::regions::DataError;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../../data/timing.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingRow {
    pub name: String,
    pub value: f64,
    /// Half-width of the uniform spread around `value`, for durations that vary per node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<f64>,
    pub unit: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingTable {
    pub schema_version: u32,
    pub name: String,
    pub as_of: String,
    pub timings: Vec<TimingRow>,
}

/// Every row the engine reads; a table without one of them is refused when loaded.
pub const REQUIRED: [&str; 22] = [
    "create-accepted",
    "vm-provision",
    "node-boot",
    "tunnel-setup",
    "control-plane-calls",
    "image-setup",
    "storage-setup",
    "init-scripts",
    "spark-start",
    "library-install",
    "startup-flow-timeout",
    "nic-allocation-failure",
    "library-timeout",
    "terminate",
    "heartbeat-interval",
    "heartbeats-missed-unhealthy",
    "arrival-gap",
    "autotermination",
    "restart",
    "firewall-scale-out-trigger",
    "default-image",
    "default-libraries",
];

// Built-in data shipped in the binary and parsed by a unit test: failing here is a build
// defect, never the user's input.
#[allow(clippy::expect_used)]
pub fn builtin() -> &'static TimingTable {
    static DATA: OnceLock<TimingTable> = OnceLock::new();
    DATA.get_or_init(|| {
        TimingTable::parse("timing.toml (built-in)", BUILTIN)
            .expect("the built-in timing is checked by tests")
    })
}

impl TimingTable {
    pub fn parse(file: &str, text: &str) -> Result<TimingTable, DataError> {
        let t: TimingTable = datafile::parse(file, text)?;
        if let Some(missing) = REQUIRED.iter().find(|n| t.get(n).is_none()) {
            return Err(DataError {
                file: file.into(),
                line: 1,
                column: 1,
                message: format!("timing row `{missing}` is missing"),
            });
        }
        Ok(t)
    }

    pub fn get(&self, name: &str) -> Option<&TimingRow> {
        self.timings.iter().find(|r| r.name == name)
    }

    /// The value of a row the table is known to hold (checked by `parse`).
    pub fn value(&self, name: &str) -> f64 {
        self.get(name).map(|r| r.value).unwrap_or(0.0)
    }

    pub fn jitter(&self, name: &str) -> f64 {
        self.get(name).and_then(|r| r.jitter).unwrap_or(0.0)
    }

    /// Milliseconds of a row in seconds (or minutes).
    pub fn ms(&self, name: &str) -> u64 {
        let scale = match self.get(name).map(|r| r.unit.as_str()) {
            Some("minutes") => 60_000.0,
            _ => 1000.0,
        };
        (self.value(name) * scale).round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_timing_parses_with_sources() {
        let t = builtin();
        assert!(t.timings.iter().all(|r| !r.source.is_empty()));
        assert_eq!(t.ms("heartbeat-interval"), 30_000);
        assert_eq!(t.ms("autotermination"), 120 * 60_000);
        assert_eq!(t.value("heartbeats-missed-unhealthy"), 3.0);
    }

    // The seed's phase 2 (VM provisioning) ends by T+2min: the slowest node must fit.
    #[test]
    fn provisioning_fits_the_seeds_phase_two_window() {
        let t = builtin();
        assert!(t.value("vm-provision") + t.jitter("vm-provision") + t.value("create-accepted") <= 120.0);
    }

    #[test]
    fn a_table_without_a_required_row_is_refused() {
        let text = BUILTIN.replace("name = \"spark-start\"", "name = \"spark-begin\"");
        let e = TimingTable::parse("t.toml", &text).unwrap_err();
        assert!(e.message.contains("spark-start"), "{}", e.message);
    }
}
