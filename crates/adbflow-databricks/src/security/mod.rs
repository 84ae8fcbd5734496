//! `security`: the seed document's "Attack Surface" and "Data Flow Security" tables, computed for
//! a deployment instead of written by hand — which endpoints the internet can reach and what
//! restricts them, which paths let a node send data to destinations nobody chose (exfiltration),
//! and how each flow is carried, encrypted and authenticated. The JSON form of [`SecurityReport`]
//! is a documented contract (`schema_version` 1).

mod exfil;
mod protection;
mod surface;

pub use exfil::{ExfilProbe, ExfilTarget, PROBE_ORIGIN};
pub use protection::{FlowProtection, Transport};
pub use surface::{EntryKind, EntryPoint, Exposure, Restriction};

use crate::check::{check_prepared, CheckOptions, CheckReport, CheckRun};
use crate::error::CheckError;
use crate::findings::{Finding, FindingSeverity};
use crate::prepare::{prepare, Prepared};
use adbflow_model::Estate;
use adbflow_net::ServiceTags;
use serde::Serialize;

pub const SECURITY_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityReport {
    pub schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every endpoint of the deployment with a public face, and what stands in front of it.
    pub attack_surface: Vec<EntryPoint>,
    /// For every cluster subnet: can a node reach destinations nobody allowed on purpose?
    pub exfiltration: Vec<ExfilProbe>,
    /// Per flow: how it travels, how it is encrypted, authenticated and authorised.
    pub data_flows: Vec<FlowProtection>,
    pub findings: Vec<Finding>,
}

impl SecurityReport {
    /// 1 when a finding is an error (or, with `strict`, a warning); 0 otherwise.
    pub fn exit_code(&self, strict: bool) -> i32 {
        let fails = |f: &Finding| match f.severity {
            FindingSeverity::Error => true,
            FindingSeverity::Warning => strict,
            FindingSeverity::Info => false,
        };
        i32::from(self.findings.iter().any(fails))
    }

    /// The probes that got out.
    pub fn open_paths(&self) -> impl Iterator<Item = &ExfilProbe> {
        self.exfiltration.iter().filter(|p| p.open)
    }
}

/// Everything one evaluation of a deployment yields: the estate as Databricks leaves it, the check
/// and the security answer. The HTML report and the diagrams read all three.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub prepared: Prepared,
    pub check: CheckReport,
    pub security: SecurityReport,
}

/// Prepare, check and assess `estate` once.
pub fn assess(
    estate: &Estate,
    tags: &ServiceTags,
    options: &CheckOptions<'_>,
) -> Result<Assessment, CheckError> {
    let prepared = prepare(estate, options.regions, options.workspace)?;
    let check = check_prepared(&prepared, tags);
    let security = security_of(&prepared, &check, tags);
    Ok(Assessment { prepared, check, security })
}

/// The security answer for `estate`, and its check without the flows (summaries, findings,
/// counts). The check walks the workspaces on every core and each workspace's data flows are
/// worked out where it was walked: the flows are not kept.
pub fn security(
    estate: &Estate,
    tags: &ServiceTags,
    options: &CheckOptions<'_>,
) -> Result<(SecurityReport, CheckReport), CheckError> {
    let prepared = prepare(estate, options.regions, options.workspace)?;
    let attack_surface = surface::entry_points(&prepared);
    let exfiltration = exfil::probe(&prepared, tags);
    let (check, mut data_flows) =
        CheckRun::of_prepared(prepared, tags).per_workspace(CheckRun::BATCH, |lookup, ws, flows| {
            (ws.name.clone(), protection::workspace_data_flows(lookup, &flows.iter().collect::<Vec<_>>()))
        });
    data_flows.sort_by(|a, b| a.0.cmp(&b.0));
    let data_flows = data_flows.into_iter().flat_map(|(_, rows)| rows).collect();
    let security = report(check.name.clone(), attack_surface, exfiltration, data_flows);
    Ok((security, check))
}

/// The security answer from a prepared estate and its check.
pub fn security_of(prepared: &Prepared, check: &CheckReport, tags: &ServiceTags) -> SecurityReport {
    let attack_surface = surface::entry_points(prepared);
    let exfiltration = exfil::probe(prepared, tags);
    let data_flows = protection::data_flows(prepared, check);
    report(prepared.estate.name.clone(), attack_surface, exfiltration, data_flows)
}

fn report(
    name: Option<String>,
    attack_surface: Vec<EntryPoint>,
    exfiltration: Vec<ExfilProbe>,
    data_flows: Vec<FlowProtection>,
) -> SecurityReport {
    let mut findings = surface::findings(&attack_surface);
    findings.extend(exfil::findings(&exfiltration));
    findings.sort();
    findings.dedup();
    SecurityReport {
        schema_version: SECURITY_SCHEMA_VERSION,
        name,
        attack_surface,
        exfiltration,
        data_flows,
        findings,
    }
}
