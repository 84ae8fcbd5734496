//! What Azure Databricks needs from the network: the flow catalog (every connection a classic
//! cluster and its users open, with stable IDs), per-region endpoint data, the Databricks-managed
//! NSG rules, the built-in reference patterns, and `check` — each flow walked through the twin,
//! with the symptom a user would see and the smallest fix. Knows nothing about file formats or
//! output formats.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod acceptance;
pub mod block;
pub mod by_workspace;
pub mod capacity;
pub mod catalog;
pub mod check;
pub mod compare;
pub mod cost;
mod datafile;
pub mod devices;
pub mod diagnose;
pub mod diff;
pub mod endpoints;
pub mod error;
pub mod findings;
pub mod fix;
pub mod limits;
pub mod nsg_rules;
mod ordered;
mod outcome;
pub mod patterns;
pub mod performance;
pub mod plan;
pub mod prepare;
pub mod prices;
pub mod profile;
pub mod regions;
pub mod security;
pub mod sequence;
pub mod simulate;
pub mod symptom;
mod twin_walks;
pub mod validate;

pub use block::{BlockReason, FlowBlock};
pub use catalog::{FlowDef, FlowId, Phase, Requirement, CATALOG};
pub use check::{
    check, evaluate, CheckFlow, CheckOptions, CheckReport, CheckRun, FlowVerdict, CHECK_SCHEMA_VERSION,
};
pub use error::CheckError;
pub use findings::{Finding, FindingSeverity};
pub use prepare::{prepare, prepare_owned, with_databricks, Prepared};
pub use regions::{builtin as builtin_regions, RegionData};
pub use security::{assess, security, Assessment, SecurityReport, SECURITY_SCHEMA_VERSION};
pub use sequence::{flows, sequence, FlowsReport, PhaseFlows};
