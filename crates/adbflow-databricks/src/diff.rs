//! `diff`: what a change to a deployment does — flows newly blocked or unblocked, flows whose path,
//! egress or deciding element moved, exposure gained or lost, capacity, and the monthly cost delta
//! by meter — between an old and a new side, for pull-request review. Each side is analysed the
//! way `compare` analyses a column (one preparation, one walk of every flow); meter rows come from
//! [`crate::compare::compare`]. The JSON form of [`DiffReport`] is a documented contract
//! (`schema_version` 1).

mod elements;
mod exposure;
mod flows;

pub use elements::{element_changes, ElementChange, ElementChangeKind};
pub use exposure::{Effect, EntryChange, ProbeChange};
pub use flows::{FlowChange, FlowChangeKind, FlowState};

use crate::by_workspace::{by_workspace, rows_of};
use crate::capacity::CapacityReport;
use crate::check::{CheckReport, Counts};
use crate::compare::{compare, CompareInput};
use crate::cost::{CostKind, CostOptions, CostReport, Totals};
use crate::error::CheckError;
use crate::limits::LimitTable;
use crate::security::SecurityReport;
use adbflow_model::{ids, Estate};
use adbflow_net::ServiceTags;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

pub const DIFF_SCHEMA_VERSION: u32 = 1;

fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

fn ser6<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round6(*x))
}

/// Everything `diff` needs about one side.
#[derive(Debug, Clone)]
pub struct Side {
    /// The file or `pattern:NAME`.
    pub label: String,
    /// The estate as the user wrote it (element identity is compared on this).
    pub estate: Estate,
    pub check: CheckReport,
    pub cost: CostReport,
    pub capacity: CapacityReport,
    pub security: SecurityReport,
}

/// Prepare one side once, walk its flows once, and derive cost, capacity and security from that walk.
pub fn analyse(
    label: impl Into<String>,
    estate: &Estate,
    tags: &ServiceTags,
    options: &CostOptions<'_>,
    limits: &LimitTable,
) -> Result<Side, CheckError> {
    let prepared = crate::prepare::prepare(estate, options.check.regions, options.check.workspace)?;
    let check = crate::check::check_prepared(&prepared, tags);
    let cost = crate::cost::price(&check, &prepared.estate, options.profile, options.prices);
    let capacity = crate::capacity::capacity(&check, &prepared.estate, options.profile, limits, None);
    let security = crate::security::security_of(&prepared, &check, tags);
    Ok(Side { label: label.into(), estate: estate.clone(), check, cost, capacity, security })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideSummary {
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
    pub binding: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeterDelta {
    pub meter: String,
    pub kind: CostKind,
    #[serde(serialize_with = "ser6")]
    pub old: f64,
    #[serde(serialize_with = "ser6")]
    pub new: f64,
    #[serde(serialize_with = "ser6")]
    pub delta: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostDelta {
    #[serde(serialize_with = "ser6")]
    pub old: f64,
    #[serde(serialize_with = "ser6")]
    pub new: f64,
    /// New minus old, per month.
    #[serde(serialize_with = "ser6")]
    pub delta: f64,
    /// Meters whose monthly cost changed.
    pub meters: Vec<MeterDelta>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityChange {
    pub old_max_nodes: Option<u64>,
    pub new_max_nodes: Option<u64>,
    pub old_binding: Option<String>,
    pub new_binding: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffCounts {
    /// Startup or workload flows that are blocked now and were not.
    pub newly_blocked_required: usize,
    pub newly_blocked_optional: usize,
    pub unblocked: usize,
    pub verdict_changed: usize,
    pub path_changed: usize,
    pub added: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub exposure_grown: usize,
    pub exposure_reduced: usize,
    pub elements_changed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    pub schema_version: u32,
    pub old: SideSummary,
    pub new: SideSummary,
    /// One line for a pull-request comment: `2 startup flows newly blocked, +$412.00/month`.
    pub headline: String,
    pub counts: DiffCounts,
    /// Changed flows, newly blocked first (startup before workload before optional).
    pub flows: Vec<FlowChange>,
    pub exposure: Vec<EntryChange>,
    pub exfiltration: Vec<ProbeChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<CapacityChange>,
    pub cost: CostDelta,
    pub elements: Vec<ElementChange>,
}

impl DiffReport {
    /// Nothing about flows, exposure, capacity, cost or elements differs.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
            && self.exposure.is_empty()
            && self.exfiltration.is_empty()
            && self.capacity.is_none()
            && self.cost.meters.is_empty()
            && self.elements.is_empty()
    }

    /// The reasons `fail_on` finds to fail, in the order given; empty means exit 0.
    pub fn failures(&self, fail_on: &[FailOn]) -> Vec<String> {
        let mut out = Vec::new();
        for f in fail_on {
            match *f {
                FailOn::Blocked if self.counts.newly_blocked_required > 0 => out.push(format!(
                    "{} startup or workload flow(s) newly blocked",
                    self.counts.newly_blocked_required
                )),
                FailOn::Exposure if self.counts.exposure_grown > 0 => {
                    out.push(format!("exposure grows ({})", self.counts.exposure_grown))
                }
                FailOn::Cost(limit) if round6(self.cost.delta) > limit => {
                    out.push(format!("monthly cost grows by {:.2}, over {limit}", self.cost.delta))
                }
                _ => {}
            }
        }
        out
    }
}

/// What makes `diff` exit 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailOn {
    /// A startup or workload flow becomes blocked.
    Blocked,
    /// An entry point becomes more reachable from the internet, or an exfiltration path opens.
    Exposure,
    /// The monthly cost grows by more than this amount.
    Cost(f64),
}

impl FailOn {
    /// The default: a newly blocked required flow or grown exposure.
    pub const DEFAULT: [FailOn; 2] = [FailOn::Blocked, FailOn::Exposure];

    /// `blocked`, `exposure` or `cost>N`.
    pub fn parse(s: &str) -> Result<FailOn, String> {
        match s.trim() {
            "blocked" => Ok(FailOn::Blocked),
            "exposure" => Ok(FailOn::Exposure),
            other => {
                let n = other.strip_prefix("cost>").ok_or_else(|| {
                    format!("'{other}': expected blocked, exposure or cost>N (N a monthly amount)")
                })?;
                match n.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() && x >= 0.0 => Ok(FailOn::Cost(x)),
                    _ => Err(format!("'{other}': N in cost>N must be a non-negative number")),
                }
            }
        }
    }
}

fn summary(label: &str, c: &crate::compare::InputSummary) -> SideSummary {
    SideSummary {
        label: label.to_string(),
        name: c.name.clone(),
        status: c.status,
        counts: c.counts,
        cost: c.cost,
        max_nodes: c.max_nodes,
        binding: c.binding.clone(),
    }
}

/// `host`/`container` for a workspace's cluster subnets, so sources match across re-addressing.
fn source_key<'a>(r: &'a CheckReport, single: Option<&str>) -> impl Fn(&str, &str) -> (String, String) + 'a {
    let single = single.map(str::to_string);
    // Asked for every exfiltration probe, a few per workspace: by name, the first of each.
    let by_name = by_workspace(&r.workspaces, |w| &w.name);
    move |ws: &str, subnet: &str| {
        let role = rows_of(&by_name, ws)
            .first()
            .and_then(|w| {
                if subnet == format!("{}/{}", w.vnet, w.host_subnet) {
                    Some("host")
                } else if subnet == format!("{}/{}", w.vnet, w.container_subnet) {
                    Some("container")
                } else {
                    None
                }
            })
            .map_or_else(|| subnet.to_string(), str::to_string);
        (single.clone().unwrap_or_else(|| ws.to_string()), role)
    }
}

fn money(x: f64) -> String {
    let r = round6(x);
    let sign = if r < 0.0 { "-" } else { "+" };
    format!("{sign}${:.2}/month", r.abs())
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

fn headline(counts: &DiffCounts, flows: &[FlowChange], cost: &CostDelta) -> String {
    use crate::catalog::Requirement;
    let mut parts = Vec::new();
    let mut blocked = Vec::new();
    let mut total = 0;
    for req in [Requirement::Startup, Requirement::Workload, Requirement::Optional] {
        let n =
            flows.iter().filter(|f| f.change == FlowChangeKind::NewlyBlocked && f.requirement == req).count();
        if n > 0 {
            blocked.push(format!("{n} {}", req.as_str()));
            total += n;
        }
    }
    if let Some(last) = blocked.pop() {
        let list = if blocked.is_empty() { last } else { format!("{} and {last}", blocked.join(", ")) };
        parts.push(format!("{list} flow{} newly blocked", if total == 1 { "" } else { "s" }));
    }
    if counts.unblocked > 0 {
        parts.push(format!("{} unblocked", plural(counts.unblocked, "flow")));
    }
    if counts.path_changed > 0 {
        parts.push(format!("{} re-routed", plural(counts.path_changed, "flow")));
    }
    let other = counts.verdict_changed + counts.added + counts.removed;
    if other > 0 {
        parts.push(format!("{} otherwise changed", plural(other, "flow")));
    }
    if counts.exposure_grown > 0 {
        parts.push(format!("exposure grows ({})", counts.exposure_grown));
    }
    if counts.exposure_reduced > 0 {
        parts.push(format!("exposure shrinks ({})", counts.exposure_reduced));
    }
    if !cost.meters.is_empty() {
        parts.push(money(cost.delta));
    }
    if parts.is_empty() {
        if counts.elements_changed > 0 {
            return format!(
                "{} changed; no change to flows, exposure or cost",
                plural(counts.elements_changed, "element")
            );
        }
        return "No change to flows, exposure or cost".into();
    }
    let mut s = parts.join(", ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s
}

/// The renames, plus — when each side has one workspace — its cluster subnets and their NSG and
/// route table mapped old → new: the workspace's host subnet is the same subnet to its flows even
/// when it moves to another VNet, so moving it changes a flow's path only where the path changes.
fn with_cluster_subnets(
    old: &Side,
    new: &Side,
    renames: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut m = renames.clone();
    let (Some(ow), Some(nw)) = (old.check.workspaces.first(), new.check.workspaces.first()) else { return m };
    if old.check.workspaces.len() != 1 || new.check.workspaces.len() != 1 {
        return m;
    }
    for (os, ns) in [(&ow.host_subnet, &nw.host_subnet), (&ow.container_subnet, &nw.container_subnet)] {
        m.entry(ids::subnet(&ow.vnet, os)).or_insert_with(|| ids::subnet(&nw.vnet, ns));
    }
    m.entry(ids::vnet(&ow.vnet)).or_insert_with(|| ids::vnet(&nw.vnet));
    m
}

/// What changes from `old` to `new`.
pub fn diff(old: &Side, new: &Side) -> DiffReport {
    let (elements, renames) = element_changes(&old.estate, &new.estate);
    let (flows, unchanged) =
        flows::flow_changes(&old.check, &new.check, &with_cluster_subnets(old, new, &renames));

    let single = old.check.workspaces.len() == 1 && new.check.workspaces.len() == 1;
    let new_ws = new.check.workspaces.first().map(|w| w.name.as_str()).filter(|_| single);
    let exposure = exposure::entry_changes(&old.security, &new.security, &renames);
    let exfiltration = exposure::probe_changes(
        &old.security,
        &new.security,
        &source_key(&old.check, new_ws),
        &source_key(&new.check, new_ws),
    );

    let cmp = compare(&[
        CompareInput {
            label: old.label.clone(),
            check: &old.check,
            cost: &old.cost,
            capacity: &old.capacity,
        },
        CompareInput {
            label: new.label.clone(),
            check: &new.check,
            cost: &new.cost,
            capacity: &new.capacity,
        },
    ]);
    let meters: Vec<MeterDelta> = cmp
        .meters
        .iter()
        .map(|m| MeterDelta {
            meter: m.meter.clone(),
            kind: m.kind,
            old: m.costs[0],
            new: m.costs[1],
            delta: m.costs[1] - m.costs[0],
        })
        .filter(|m| round6(m.delta) != 0.0)
        .collect();
    let cost = CostDelta {
        old: old.cost.totals.total,
        new: new.cost.totals.total,
        delta: new.cost.totals.total - old.cost.totals.total,
        meters,
    };
    let (os, ns) = (summary(&old.label, &cmp.inputs[0]), summary(&new.label, &cmp.inputs[1]));
    let capacity = (os.max_nodes != ns.max_nodes || os.binding != ns.binding).then(|| CapacityChange {
        old_max_nodes: os.max_nodes,
        new_max_nodes: ns.max_nodes,
        old_binding: os.binding.clone(),
        new_binding: ns.binding.clone(),
    });

    let count = |k: FlowChangeKind| flows.iter().filter(|f| f.change == k).count();
    let newly_required = flows
        .iter()
        .filter(|f| f.change == FlowChangeKind::NewlyBlocked && f.requirement.is_required())
        .count();
    let counts = DiffCounts {
        newly_blocked_required: newly_required,
        newly_blocked_optional: count(FlowChangeKind::NewlyBlocked) - newly_required,
        unblocked: count(FlowChangeKind::Unblocked),
        verdict_changed: count(FlowChangeKind::Verdict),
        path_changed: count(FlowChangeKind::Path),
        added: count(FlowChangeKind::Added),
        removed: count(FlowChangeKind::Removed),
        unchanged,
        exposure_grown: exposure.iter().filter(|e| e.effect == Effect::Grows).count()
            + exfiltration.iter().filter(|p| p.effect == Effect::Grows).count(),
        exposure_reduced: exposure.iter().filter(|e| e.effect == Effect::Shrinks).count()
            + exfiltration.iter().filter(|p| p.effect == Effect::Shrinks).count(),
        elements_changed: elements.len(),
    };
    let headline = headline(&counts, &flows, &cost);
    DiffReport {
        schema_version: DIFF_SCHEMA_VERSION,
        old: os,
        new: ns,
        headline,
        counts,
        flows,
        exposure,
        exfiltration,
        capacity,
        cost,
        elements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_parses_the_three_conditions_and_rejects_the_rest() {
        assert_eq!(FailOn::parse("blocked"), Ok(FailOn::Blocked));
        assert_eq!(FailOn::parse("exposure"), Ok(FailOn::Exposure));
        assert_eq!(FailOn::parse("cost>12.5"), Ok(FailOn::Cost(12.5)));
        assert_eq!(FailOn::parse("cost>0"), Ok(FailOn::Cost(0.0)));
        for bad in ["cost>-1", "cost>", "cost>lots", "cost<5", "always", "cost>NaN", "cost>inf"] {
            assert!(FailOn::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn money_in_the_headline_carries_its_sign() {
        assert_eq!(money(412.0), "+$412.00/month");
        assert_eq!(money(-34.0249), "-$34.02/month");
        assert_eq!(money(-0.0000001), "+$0.00/month");
    }

    #[test]
    fn headline_names_required_before_optional_and_joins_with_and() {
        let counts = DiffCounts { unblocked: 1, ..DiffCounts::default() };
        let cost = CostDelta { old: 1.0, new: 1.0, delta: 0.0, meters: Vec::new() };
        assert_eq!(headline(&counts, &[], &cost), "1 flow unblocked");
        assert_eq!(headline(&DiffCounts::default(), &[], &cost), "No change to flows, exposure or cost");
        let elements = DiffCounts { elements_changed: 2, ..DiffCounts::default() };
        assert_eq!(
            headline(&elements, &[], &cost),
            "2 elements changed; no change to flows, exposure or cost"
        );
    }
}
