//! `compare`: several deployments (files or built-in patterns) side by side — check summary, the
//! monthly bill by meter, capacity, and every flow whose path or verdict differs. The JSON form of
//! [`CompareReport`] is a documented contract (`schema_version` 1).

use crate::capacity::CapacityReport;
use crate::catalog::FlowId;
use crate::check::{CheckReport, Counts, FlowVerdict};
use crate::cost::{CostKind, CostReport, Totals};
use crate::findings::{Finding, FindingSeverity};
use crate::plan::SourceRole;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

pub const COMPARE_SCHEMA_VERSION: u32 = 1;

fn ser6<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    let r = (x * 1e6).round() / 1e6;
    s.serialize_f64(if r == 0.0 { 0.0 } else { r })
}

/// One deployment's answers.
pub struct CompareInput<'a> {
    /// What the column is called: the pattern name or the file.
    pub label: String,
    pub check: &'a CheckReport,
    pub cost: &'a CostReport,
    pub capacity: &'a CapacityReport,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputSummary {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ok` when no startup or workload flow is blocked.
    pub status: &'static str,
    pub counts: Counts,
    pub cost: Totals,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_speed_nodes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeterRow {
    pub meter: String,
    pub kind: CostKind,
    /// One per input, in input order (0 where the input does not use the meter).
    #[serde(serialize_with = "ser_costs")]
    pub costs: Vec<f64>,
}

fn ser_costs<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for x in v {
        let r = (x * 1e6).round() / 1e6;
        seq.serialize_element(&if r == 0.0 { 0.0 } else { r })?;
    }
    seq.end()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowCell {
    pub egress: String,
    pub verdict: FlowVerdict,
    pub meters: Vec<String>,
    #[serde(serialize_with = "ser6")]
    pub cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowDiff {
    pub id: FlowId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub source_role: SourceRole,
    /// One per input; `null` where the input has no such flow.
    pub cells: Vec<Option<FlowCell>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareReport {
    pub schema_version: u32,
    pub inputs: Vec<InputSummary>,
    /// The workload profile every input was priced with.
    pub profile: String,
    pub meters: Vec<MeterRow>,
    /// Flows whose path (egress, meters) or verdict is not the same in every input.
    pub flow_differences: Vec<FlowDiff>,
    pub notes: Vec<Finding>,
}

type FlowKey = (FlowId, Option<String>, SourceRole);

/// Everything `compare` shows about one deployment.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub check: CheckReport,
    pub cost: CostReport,
    pub capacity: CapacityReport,
}

/// Check, price and size one deployment, walking its flows once.
pub fn analyse(
    estate: &adbflow_model::Estate,
    tags: &adbflow_net::ServiceTags,
    options: &crate::cost::CostOptions<'_>,
    limits: &crate::limits::LimitTable,
    nodes: Option<u64>,
) -> Result<Analysis, crate::error::CheckError> {
    let prepared = crate::prepare::prepare(estate, options.check.regions, options.check.workspace)?;
    let check = crate::check::check_prepared(&prepared, tags);
    let cost = crate::cost::price(&check, &prepared.estate, options.profile, options.prices);
    let capacity = crate::capacity::capacity(&check, &prepared.estate, options.profile, limits, nodes);
    Ok(Analysis { check, cost, capacity })
}

pub fn compare(inputs: &[CompareInput<'_>]) -> CompareReport {
    let mut notes = Vec::new();
    let summaries = inputs
        .iter()
        .map(|i| {
            if i.check.workspaces.len() > 1 {
                notes.push(Finding::new(
                    FindingSeverity::Info,
                    "several-workspaces",
                    format!(
                        "{} has {} workspaces: flow differences show the first row of each flow, costs and capacity cover all",
                        i.label,
                        i.check.workspaces.len()
                    ),
                ));
            }
            let ws = &i.capacity.workspaces;
            InputSummary {
                label: i.label.clone(),
                name: i.check.name.clone(),
                status: if i.check.summary.blocked_required == 0 { "ok" } else { "blocked" },
                counts: i.check.summary,
                cost: i.cost.totals,
                max_nodes: ws.iter().filter_map(|w| w.max_nodes).min(),
                full_speed_nodes: ws.iter().filter_map(|w| w.full_speed_nodes).min(),
                binding: ws.iter().filter(|w| w.max_nodes.is_some() || w.binding.is_some()).find_map(|w| w.binding.clone()),
            }
        })
        .collect();

    let mut meters: BTreeMap<(CostKind, String), Vec<f64>> = BTreeMap::new();
    for (n, i) in inputs.iter().enumerate() {
        for m in &i.cost.meters {
            meters.entry((m.kind, m.meter.clone())).or_insert_with(|| vec![0.0; inputs.len()])[n] += m.cost;
        }
    }
    let mut meter_rows: Vec<MeterRow> =
        meters.into_iter().map(|((kind, meter), costs)| MeterRow { meter, kind, costs }).collect();
    meter_rows.sort_by(|a, b| b.kind.cmp(&a.kind).then_with(|| a.meter.cmp(&b.meter)));

    let mut cells: BTreeMap<FlowKey, Vec<Option<FlowCell>>> = BTreeMap::new();
    for (n, i) in inputs.iter().enumerate() {
        let cost_of: BTreeMap<FlowKey, f64> = i.cost.flows.iter().fold(BTreeMap::new(), |mut m, f| {
            *m.entry((f.id, f.instance.clone(), f.source_role)).or_default() += f.cost;
            m
        });
        for f in &i.check.flows {
            let key = (f.id, f.instance.clone(), f.source_role);
            let row = cells.entry(key.clone()).or_insert_with(|| vec![None; inputs.len()]);
            if row[n].is_none() {
                row[n] = Some(FlowCell {
                    egress: f.egress.clone(),
                    verdict: f.verdict,
                    meters: f.meters.iter().map(|m| m.to_string()).collect(),
                    cost: cost_of.get(&key).copied().unwrap_or(0.0),
                });
            }
        }
    }
    let flow_differences = cells
        .into_iter()
        .filter(|(_, row)| {
            let shapes: BTreeSet<Option<(String, FlowVerdict, Vec<String>)>> = row
                .iter()
                .map(|c| c.as_ref().map(|c| (c.egress.clone(), c.verdict, c.meters.clone())))
                .collect();
            shapes.len() > 1
        })
        .map(|((id, instance, source_role), cells)| FlowDiff { id, instance, source_role, cells })
        .collect();

    let mut profiles: Vec<&str> = inputs.iter().map(|i| i.cost.profile.name.as_str()).collect();
    profiles.dedup();
    CompareReport {
        schema_version: COMPARE_SCHEMA_VERSION,
        inputs: summaries,
        profile: profiles.join(", "),
        meters: meter_rows,
        flow_differences,
        notes,
    }
}
