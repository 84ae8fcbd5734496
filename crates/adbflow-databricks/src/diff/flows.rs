//! Which flows a change affects: matched by (workspace, flow, instance, source role), compared on
//! verdict, egress, the deciding element and the path of deciding elements — with renamed
//! elements mapped first, so a pure rename does not count as a path change.

use crate::catalog::{FlowId, Phase, Requirement};
use crate::check::{CheckFlow, CheckReport, FlowVerdict};
use crate::plan::SourceRole;
use adbflow_model::ElementRef;
use adbflow_net::HopKind;
use serde::Serialize;
use std::collections::BTreeMap;

/// Ordered as reported: what breaks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowChangeKind {
    /// Blocked now, and was not (or did not exist).
    NewlyBlocked,
    /// Delivered now, and was blocked.
    Unblocked,
    /// Another verdict change (e.g. blocked → blocked-by-design).
    Verdict,
    /// Same verdict, another egress, deciding element or path.
    Path,
    /// A flow only the new side has, not blocked.
    Added,
    Removed,
}

impl FlowChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowChangeKind::NewlyBlocked => "newly-blocked",
            FlowChangeKind::Unblocked => "unblocked",
            FlowChangeKind::Verdict => "verdict",
            FlowChangeKind::Path => "path",
            FlowChangeKind::Added => "added",
            FlowChangeKind::Removed => "removed",
        }
    }
}

/// One side's answer for a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowState {
    pub subnet: String,
    pub verdict: FlowVerdict,
    pub egress: String,
    /// The element that stopped the flow; for a delivered flow the firewall rule or egress device
    /// that let it out, else the element that decided its last hop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<ElementRef>,
    /// IDs of the elements that decided each hop, in order.
    pub path: Vec<String>,
    pub meters: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symptom: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowChange {
    pub change: FlowChangeKind,
    pub workspace: String,
    pub id: FlowId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub title: &'static str,
    pub requirement: Requirement,
    pub source_role: SourceRole,
    /// What differs: `verdict`, `egress`, `decided-by`, `path`, `meters`.
    pub aspects: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<FlowState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<FlowState>,
    #[serde(skip)]
    pub phase: Phase,
}

type Key = (String, FlowId, Option<String>, SourceRole);

fn state(f: &CheckFlow, renames: &BTreeMap<String, String>) -> FlowState {
    let map = |id: &str| renames.get(id).cloned().unwrap_or_else(|| id.to_string());
    let decided_by = match &f.blocked_by {
        Some(b) => Some(b.element.clone()),
        // What a reviewer asks of a delivered flow is what let it out: the firewall rule, else the
        // egress device, else whatever decided the last hop.
        None => [HopKind::Firewall, HopKind::Egress]
            .iter()
            .find_map(|k| f.hops.iter().rev().find(|h| h.kind == *k))
            .or(f.hops.last())
            .map(|h| h.decided_by.clone()),
    }
    .map(|mut e| {
        e.id = map(&e.id).into();
        e
    });
    let mut path: Vec<String> = f.hops.iter().map(|h| map(&h.decided_by.id)).collect();
    path.dedup();
    FlowState {
        subnet: f.subnet.as_str().to_owned(),
        verdict: f.verdict,
        egress: f.egress.clone(),
        decided_by,
        path,
        meters: f.meters.iter().map(|m| m.to_string()).collect(),
        symptom: f.symptom.as_ref().map(|s| s.message.clone()),
        fix: f.fix.as_ref().map(|x| x.action.clone()),
    }
}

fn aspects(o: &FlowState, n: &FlowState) -> Vec<&'static str> {
    let mut a = Vec::new();
    if o.verdict != n.verdict {
        a.push("verdict");
    }
    if o.egress != n.egress {
        a.push("egress");
    }
    if o.decided_by.as_ref().map(|e| &e.id) != n.decided_by.as_ref().map(|e| &e.id) {
        a.push("decided-by");
    }
    if o.path != n.path {
        a.push("path");
    }
    if o.meters != n.meters {
        a.push("meters");
    }
    a
}

fn index<'a>(r: &'a CheckReport, ws: &dyn Fn(&str) -> String) -> BTreeMap<Key, &'a CheckFlow> {
    let mut m = BTreeMap::new();
    for f in &r.flows {
        m.entry((ws(&f.workspace), f.id, f.instance.clone(), f.source_role)).or_insert(f);
    }
    m
}

/// The changed flows, in report order, and how many flows did not change.
pub fn flow_changes(
    old: &CheckReport,
    new: &CheckReport,
    renames: &BTreeMap<String, String>,
) -> (Vec<FlowChange>, usize) {
    // One workspace on each side is the same workspace whatever it is called.
    let single = old.workspaces.len() == 1 && new.workspaces.len() == 1;
    let new_ws = new.workspaces.first().map(|w| w.name.clone()).unwrap_or_default();
    let ws_map = move |w: &str| if single { new_ws.clone() } else { w.to_string() };
    let olds = index(old, &ws_map);
    let news = index(new, &|w: &str| w.to_string());
    let no_renames = BTreeMap::new();

    let mut keys: Vec<&Key> = olds.keys().chain(news.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut unchanged = 0;
    let mut out = Vec::new();
    for k in keys {
        let o = olds.get(k).map(|f| state(f, renames));
        let n = news.get(k).map(|f| state(f, &no_renames));
        #[allow(clippy::expect_used)] // an internal invariant, not input
        let def = *news.get(k).or_else(|| olds.get(k)).expect("key comes from one side");
        let blocked = |s: &FlowState| s.verdict == FlowVerdict::Blocked;
        let (change, asp) = match (&o, &n) {
            (None, Some(n)) if blocked(n) => (FlowChangeKind::NewlyBlocked, vec!["verdict"]),
            (None, _) => (FlowChangeKind::Added, Vec::new()),
            (Some(_), None) => (FlowChangeKind::Removed, Vec::new()),
            (Some(o), Some(n)) => {
                let asp = aspects(o, n);
                if asp.is_empty() {
                    unchanged += 1;
                    continue;
                }
                let kind = if o.verdict == n.verdict {
                    FlowChangeKind::Path
                } else if blocked(n) {
                    FlowChangeKind::NewlyBlocked
                } else if blocked(o) && n.verdict == FlowVerdict::Delivered {
                    FlowChangeKind::Unblocked
                } else {
                    FlowChangeKind::Verdict
                };
                (kind, asp)
            }
        };
        out.push(FlowChange {
            change,
            workspace: k.0.clone(),
            id: k.1,
            instance: k.2.clone(),
            title: def.title,
            requirement: def.requirement,
            source_role: k.3,
            aspects: asp,
            old: o,
            new: n,
            phase: def.phase,
        });
    }
    out.sort_by(|a, b| {
        (a.change, a.requirement, a.phase, &a.workspace, a.id, &a.instance, a.source_role).cmp(&(
            b.change,
            b.requirement,
            b.phase,
            &b.workspace,
            b.id,
            &b.instance,
            b.source_role,
        ))
    });
    (out, unchanged)
}
