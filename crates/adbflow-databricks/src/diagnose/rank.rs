//! Which of the check's blocked flows and errors explain a query, grouped by deciding element, and
//! their order. Reads the check report only; never walks a flow.

use super::knowledge::{Selector, Side, Strength};
use super::{Cause, CauseFlow, Impact, OtherFailure, Query, QueryKind, RankKey, Stage};
use crate::block::BlockReason;
use crate::check::{CheckFlow, CheckReport, FlowVerdict};
use crate::findings::FindingSeverity;
use crate::fix::Fix;
use crate::plan::SourceRole;
use crate::FlowId;
use adbflow_model::ElementRef;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

fn kind(id: &str) -> &str {
    id.split_once(':').map(|(k, _)| k).unwrap_or("")
}

fn holds(m: &Selector, f: &CheckFlow, reason: BlockReason) -> bool {
    let any =
        |list: &[toml::Spanned<String>], v: &str| list.is_empty() || list.iter().any(|x| x.get_ref() == v);
    let side = if f.source_role == SourceRole::User { Side::User } else { Side::Cluster };
    any(&m.flows, f.id.as_str())
        && any(&m.reasons, reason.as_str())
        && any(&m.requirement, f.requirement.as_str())
        && (m.side.is_empty() || m.side.contains(&side))
        && (m.element_kinds.is_empty()
            || f.blocked_by
                .as_ref()
                .is_some_and(|b| m.element_kinds.iter().any(|k| k == kind(&b.element.id))))
        && (m.fix_kinds.is_empty()
            || f.fix
                .as_ref()
                .and_then(|x| x.element.as_ref())
                .is_some_and(|e| m.fix_kinds.iter().any(|k| k == kind(&e.id))))
        && (f.verdict != FlowVerdict::BlockedByDesign || m.by_design)
}

/// Whether `f` explains the query, how well, and why.
fn matches(f: &CheckFlow, q: &Query<'_>) -> Option<(Strength, String)> {
    let b = f.blocked_by.as_ref()?;
    // A subnet without an NSG stops the deployment; its finding stands for every flow it pre-blocks.
    if f.verdict == FlowVerdict::Delivered || b.reason_code == BlockReason::SubnetNsgMissing {
        return None;
    }
    let codes = q.codes();
    let shown = f.symptom.as_ref().and_then(|s| s.termination_code);
    if let Some(code) = shown.filter(|c| codes.contains(c)) {
        return Some((Strength::Exact, format!("the check maps this block to {code}")));
    }
    let m = q.entry.matches.iter().find(|m| holds(m, f, b.reason_code))?;
    match shown {
        // The check says this block surfaces as another code: the query's meaning covers it at most.
        Some(other) if q.kind == QueryKind::Code => {
            Some((Strength::Related, format!("{}; the check expects it to surface as {other}", m.why)))
        }
        _ => Some((m.strength, m.why.clone())),
    }
}

type FlowKey = (adbflow_model::SharedStr, FlowId, Option<String>);

fn flow_key(f: &CheckFlow) -> FlowKey {
    (f.workspace.clone(), f.id, f.instance.clone())
}

/// Causes from blocked flows: one per flow, deciding element and match.
pub(super) fn flow_causes(check: &CheckReport, q: &Query<'_>) -> Vec<Cause> {
    let mut sources: BTreeMap<FlowKey, BTreeSet<&str>> = BTreeMap::new();
    let mut blocked: BTreeMap<FlowKey, BTreeSet<&str>> = BTreeMap::new();
    for f in &check.flows {
        sources.entry(flow_key(f)).or_default().insert(&f.subnet);
        if f.verdict != FlowVerdict::Delivered {
            blocked.entry(flow_key(f)).or_default().insert(&f.subnet);
        }
    }
    type Group<'a> = ((FlowKey, FlowVerdict, adbflow_model::SharedStr, Strength, String), Vec<&'a CheckFlow>);
    let mut groups: BTreeMap<_, Vec<&CheckFlow>> = BTreeMap::new();
    for f in &check.flows {
        let Some((strength, why)) = matches(f, q) else { continue };
        let el = f.blocked_by.as_ref().map(|b| b.element.id.clone()).unwrap_or_default();
        groups.entry((flow_key(f), f.verdict, el, strength, why)).or_default().push(f);
    }
    groups
        .into_iter()
        .map(|((key, verdict, _, strength, why), fs): Group<'_>| {
            let f = fs[0];
            #[allow(clippy::expect_used)] // an internal invariant, not input
            let b = f.blocked_by.as_ref().expect("matched flows are blocked");
            let mut fixes: Vec<Fix> = Vec::new();
            for x in fs.iter().filter_map(|x| x.fix.clone()) {
                if !fixes.contains(&x) {
                    fixes.push(x);
                }
            }
            let blocked_from = blocked.get(&key).map_or(0, BTreeSet::len);
            let impact = Impact::of(f.requirement);
            let by_design = verdict == FlowVerdict::BlockedByDesign;
            Cause {
                rank: 0,
                found_by: "check".into(),
                strength,
                why,
                ranked_by: Vec::new(),
                impact,
                workspace: Some(f.workspace.as_str().to_owned()),
                flow: Some(CauseFlow {
                    id: f.id,
                    instance: f.instance.clone(),
                    title: f.title,
                    phase: f.phase,
                    requirement: f.requirement,
                    verdict,
                    subnets: fs.iter().map(|x| x.subnet.as_str().to_owned()).collect(),
                    blocked_from,
                    sources: sources.get(&key).map_or(0, BTreeSet::len),
                    destination: f.destination.fqdn.as_str().to_owned(),
                    port: f.destination.port,
                    blocked_ports: f.destination.blocked_ports.clone(),
                }),
                reason_code: b.reason_code.as_str().to_string(),
                element: b.element.clone(),
                message: b.message.clone(),
                inferred: b.inferred,
                symptom: f.symptom.clone(),
                fixes,
                key: RankKey {
                    strength: Some(strength),
                    impact: Some(impact),
                    by_design,
                    phase: Some(f.phase),
                    blocked_from,
                },
            }
        })
        .collect()
}

/// The fix for an error that stops the deployment: the one the check gives the flows it pre-blocks,
/// or, for a rule holding a priority Databricks needs, moving that rule.
fn deployment_fix(check: &CheckReport, code: &str, element: &ElementRef) -> Vec<Fix> {
    let from_flows = check
        .flows
        .iter()
        .filter(|f| f.blocked_by.as_ref().is_some_and(|b| b.element.id == element.id))
        .find_map(|f| f.fix.clone());
    match (from_flows, code) {
        (Some(x), _) => vec![x],
        (None, "managed-rule-conflict") => vec![Fix {
            action: format!(
                "give rule '{}' a priority Databricks does not use (or remove it) so Databricks can add its managed rule",
                element.name
            ),
            element: Some(element.clone()),
        }],
        (None, _) => Vec::new(),
    }
}

/// Errors that stop the deployment itself: no cluster could launch, whatever the code.
pub(super) fn deployment_causes(check: &CheckReport, q: &Query<'_>) -> Vec<Cause> {
    if q.entry.stage != Stage::Launch {
        return Vec::new();
    }
    check
        .findings
        .iter()
        .filter(|f| f.severity == FindingSeverity::Error && f.flow.is_none())
        .map(|f| {
            let element = f.element.clone().unwrap_or_else(|| ElementRef::new("", "", None));
            Cause {
                rank: 0,
                found_by: "deployment".into(),
                strength: Strength::Related,
                why: "Azure would reject this deployment as modelled, so no cluster could launch; if clusters do \
                      launch, the input differs from what is deployed"
                    .into(),
                ranked_by: Vec::new(),
                impact: Impact::Deployment,
                workspace: f.workspace.clone(),
                flow: None,
                reason_code: f.code.to_string(),
                fixes: deployment_fix(check, f.code, &element),
                element,
                message: f.message.clone(),
                inferred: f.inferred,
                symptom: None,
                key: RankKey {
                    strength: Some(Strength::Related),
                    impact: Some(Impact::Deployment),
                    by_design: false,
                    phase: None,
                    blocked_from: 0,
                },
            }
        })
        .collect()
}

fn tie(c: &Cause) -> (Option<&str>, Option<FlowId>, Option<&str>, &str, &str) {
    let f = c.flow.as_ref();
    (
        c.workspace.as_deref(),
        f.map(|f| f.id),
        f.and_then(|f| f.instance.as_deref()),
        c.element.id.as_str(),
        c.found_by.as_str(),
    )
}

fn ranked_by(c: &Cause) -> Vec<String> {
    let k = &c.key;
    let mut out = Vec::new();
    if let Some(s) = k.strength {
        out.push(format!("{} match", s.as_str()));
    }
    match k.impact {
        Some(Impact::Deployment) => out.push("deployment error: nothing launches".into()),
        Some(i) => out.push(format!("{} flow", i.as_str())),
        None => {}
    }
    if k.by_design {
        out.push("blocked by design".into());
    }
    if let Some(p) = k.phase {
        out.push(format!("phase {} ({})", p.id(), p.title()));
    }
    if let Some(f) = &c.flow {
        let both = f.sources > 1 && f.blocked_from == f.sources;
        out.push(format!(
            "blocked from {} of {} sources{}",
            f.blocked_from,
            f.sources,
            if both { " (every NIC)" } else { "" }
        ));
    }
    out
}

/// Order causes by the rules of [`RankKey`] and number them.
pub(super) fn rank(causes: &mut [Cause]) {
    causes.sort_by(|a, b| {
        let ka = &a.key;
        let kb = &b.key;
        (ka.strength, ka.impact, ka.by_design, ka.phase, Reverse(ka.blocked_from), tie(a)).cmp(&(
            kb.strength,
            kb.impact,
            kb.by_design,
            kb.phase,
            Reverse(kb.blocked_from),
            tie(b),
        ))
    });
    for (i, c) in causes.iter_mut().enumerate() {
        c.rank = i + 1;
        if c.ranked_by.is_empty() {
            c.ranked_by = ranked_by(c);
        }
    }
}

/// Required flows the check finds blocked that no cause covers.
pub(super) fn other_failures(check: &CheckReport, causes: &[Cause]) -> Vec<OtherFailure> {
    let covered: BTreeSet<(Option<&str>, FlowId, Option<&str>, &str)> = causes
        .iter()
        .filter_map(|c| c.flow.as_ref().map(|f| (c, f)))
        .flat_map(|(c, f)| {
            f.subnets.iter().map(move |s| (c.workspace.as_deref(), f.id, f.instance.as_deref(), s.as_str()))
        })
        .collect();
    let mut groups: BTreeMap<(FlowKey, String, Option<&'static str>), Vec<String>> = BTreeMap::new();
    for f in check.failures() {
        if covered.contains(&(Some(f.workspace.as_str()), f.id, f.instance.as_deref(), f.subnet.as_str())) {
            continue;
        }
        let reason = f.blocked_by.as_ref().map(|b| b.reason_code.as_str().to_string()).unwrap_or_default();
        let code = f.symptom.as_ref().and_then(|s| s.termination_code);
        groups.entry((flow_key(f), reason, code)).or_default().push(f.subnet.as_str().to_owned());
    }
    groups
        .into_iter()
        .map(|(((workspace, flow, instance), reason_code, termination_code), subnets)| OtherFailure {
            workspace: workspace.into(),
            flow,
            instance,
            subnets,
            reason_code,
            termination_code,
        })
        .collect()
}
