//! `flows`: the cluster startup sequence phase by phase (the seed's phases 1–5 with their time
//! windows), each phase with its flows and their computed paths.

use crate::catalog::Phase;
use crate::check::{check, CheckFlow, CheckOptions, CheckReport, WorkspaceSummary};
use crate::error::CheckError;
use crate::findings::Finding;
use adbflow_model::Estate;
use adbflow_net::ServiceTags;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhaseFlows {
    pub id: Phase,
    pub title: &'static str,
    pub window: &'static str,
    pub start_seconds: u32,
    /// What happens in the phase outside the customer network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    pub flows: Vec<CheckFlow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowsReport {
    pub schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub workspaces: Vec<WorkspaceSummary>,
    pub phases: Vec<PhaseFlows>,
    pub findings: Vec<Finding>,
}

/// Regroup a check's flows by startup phase. Every phase appears, even one without customer traffic.
pub fn sequence(report: &CheckReport) -> FlowsReport {
    let phases =
        phases(Phase::ALL.iter().map(|&p| report.flows.iter().filter(|f| f.phase == p).cloned().collect()));
    FlowsReport {
        schema_version: report.schema_version,
        name: report.name.clone(),
        workspaces: report.workspaces.clone(),
        phases,
        findings: report.findings.clone(),
    }
}

/// [`sequence`] of a report the caller is done with: its flows are moved, not copied (at 5,000
/// workspaces a copy of every flow is over a gigabyte).
pub fn into_sequence(report: CheckReport) -> FlowsReport {
    let CheckReport { schema_version, name, workspaces, findings, flows, .. } = report;
    let mut by_phase: Vec<Vec<CheckFlow>> = Phase::ALL.iter().map(|_| Vec::new()).collect();
    for f in flows {
        if let Some(list) = Phase::ALL.iter().position(|&p| p == f.phase).and_then(|i| by_phase.get_mut(i)) {
            list.push(f);
        }
    }
    FlowsReport { schema_version, name, workspaces, phases: phases(by_phase), findings }
}

/// Every phase in order, each with its flows (`flows`: a list per phase of `Phase::ALL`).
fn phases(flows: impl IntoIterator<Item = Vec<CheckFlow>>) -> Vec<PhaseFlows> {
    Phase::ALL
        .iter()
        .zip(flows)
        .map(|(&p, flows)| PhaseFlows {
            id: p,
            title: p.title(),
            window: p.window(),
            start_seconds: p.start_seconds(),
            note: p.note(),
            flows,
        })
        .collect()
}

/// Check `estate` and group the answer by phase.
pub fn flows(
    estate: &Estate,
    tags: &ServiceTags,
    options: &CheckOptions<'_>,
) -> Result<FlowsReport, CheckError> {
    check(estate, tags, options).map(into_sequence)
}
