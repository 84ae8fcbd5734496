//! New or removed exposure: entry points whose reachability from the internet changed (matched by
//! element ID, renames mapped) and exfiltration probes that opened or closed.

use crate::security::{ExfilTarget, Exposure, SecurityReport};
use adbflow_model::ElementRef;
use serde::Serialize;
use std::collections::BTreeMap;

/// Whether a change lets the internet reach more, less, or just something different.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    Grows,
    Shrinks,
    /// Neither: e.g. a new outbound-only device.
    Neutral,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Grows => "grows",
            Effect::Shrinks => "shrinks",
            Effect::Neutral => "neutral",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryChange {
    pub element: ElementRef,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Exposure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Exposure>,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeChange {
    pub workspace: String,
    /// The probe's source: `host` or `container` (the subnet's path when it is neither).
    pub source: String,
    pub target: ExfilTarget,
    pub description: String,
    /// Whether the probe got out on each side (`null` where the side has no such probe).
    pub old_open: Option<bool>,
    pub new_open: Option<bool>,
    /// What carries it out on the new side, when it gets out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<ElementRef>,
    pub effect: Effect,
}

/// Reached from an arbitrary internet address (open or from allowed ranges).
fn public(e: Exposure) -> bool {
    matches!(e, Exposure::Open | Exposure::Restricted)
}

pub fn entry_changes(
    old: &SecurityReport,
    new: &SecurityReport,
    renames: &BTreeMap<String, String>,
) -> Vec<EntryChange> {
    let mut rows: BTreeMap<
        String,
        (Option<&crate::security::EntryPoint>, Option<&crate::security::EntryPoint>),
    > = BTreeMap::new();
    for e in &old.attack_surface {
        let id = renames.get(e.element.id.as_str()).cloned().unwrap_or_else(|| e.element.id.to_string());
        rows.entry(id).or_default().0.get_or_insert(e);
    }
    for e in &new.attack_surface {
        rows.entry(e.element.id.to_string()).or_default().1.get_or_insert(e);
    }
    rows.into_values()
        .filter_map(|(o, n)| {
            let (oe, ne) = (o.map(|e| e.exposure), n.map(|e| e.exposure));
            if oe == ne {
                return None;
            }
            // Exposure is ordered most exposed first.
            let effect = match (oe, ne) {
                (None, Some(n)) if public(n) => Effect::Grows,
                (Some(o), None) if public(o) => Effect::Shrinks,
                (Some(o), Some(n)) if public(o) || public(n) => {
                    if n < o {
                        Effect::Grows
                    } else {
                        Effect::Shrinks
                    }
                }
                _ => Effect::Neutral,
            };
            #[allow(clippy::expect_used)] // an internal invariant, not input
            let e = n.or(o).expect("a row has at least one side");
            Some(EntryChange { element: e.element.clone(), name: e.name.clone(), old: oe, new: ne, effect })
        })
        .collect()
}

/// `key_old`/`key_new` name a probe's (workspace, source) the same way on both sides: the cluster
/// subnet's role rather than its path, so a re-addressed or renamed subnet is the same source.
pub fn probe_changes(
    old: &SecurityReport,
    new: &SecurityReport,
    key_old: &dyn Fn(&str, &str) -> (String, String),
    key_new: &dyn Fn(&str, &str) -> (String, String),
) -> Vec<ProbeChange> {
    type Row<'a> = (Option<&'a crate::security::ExfilProbe>, Option<&'a crate::security::ExfilProbe>);
    let mut rows: BTreeMap<(String, String, ExfilTarget), Row<'_>> = BTreeMap::new();
    for p in &old.exfiltration {
        let (w, s) = key_old(&p.workspace, &p.subnet);
        rows.entry((w, s, p.target)).or_default().0.get_or_insert(p);
    }
    for p in &new.exfiltration {
        let (w, s) = key_new(&p.workspace, &p.subnet);
        rows.entry((w, s, p.target)).or_default().1.get_or_insert(p);
    }
    rows.into_iter()
        .filter_map(|((workspace, source, target), (o, n))| {
            let (oo, no) = (o.map(|p| p.open), n.map(|p| p.open));
            // A probe that stays closed, or exists on one side only and is closed, says nothing new.
            if oo.unwrap_or(false) == no.unwrap_or(false) {
                return None;
            }
            #[allow(clippy::expect_used)] // an internal invariant, not input
            let p = n.or(o).expect("a row has at least one side");
            Some(ProbeChange {
                workspace,
                source,
                target,
                description: p.description.clone(),
                old_open: oo,
                new_open: no,
                via: n.filter(|p| p.open).and_then(|p| p.via.clone()),
                effect: if no == Some(true) { Effect::Grows } else { Effect::Shrinks },
            })
        })
        .collect()
}
