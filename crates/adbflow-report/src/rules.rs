//! `adbflow rules`: effective security rules in evaluation order, defaults included, with rules
//! that can never match flagged.

use crate::table::{new_table, render};
use adbflow_model::{Access, Direction};
use adbflow_net::nsg::EffectiveRule;
use serde::Serialize;

#[derive(Serialize)]
pub struct RulesReport<'a> {
    pub schema_version: u32,
    pub subnet: &'a str,
    /// `None` when the subnet has no NSG (everything is allowed at this level).
    pub nsg: Option<&'a str>,
    pub inbound: &'a [EffectiveRule],
    pub outbound: &'a [EffectiveRule],
}

pub fn json(report: &RulesReport<'_>) -> String {
    crate::to_json(report)
}

fn direction_table(dir: Direction, rules: &[EffectiveRule]) -> String {
    let mut t = new_table(&[
        "Priority",
        "Name",
        "Access",
        "Protocol",
        "Source",
        "Src ports",
        "Destination",
        "Dst ports",
        "Note",
        "Defined at",
    ]);
    for r in rules {
        let rule = &r.rule;
        let src = match (&rule.source, rule.source_asgs.is_empty()) {
            (_, false) => format!("ASG {}", rule.source_asgs.join(",")),
            (Some(s), true) => s.to_string(),
            (None, true) => "*".into(),
        };
        let dst = match (&rule.destination, rule.destination_asgs.is_empty()) {
            (_, false) => format!("ASG {}", rule.destination_asgs.join(",")),
            (Some(s), true) => s.to_string(),
            (None, true) => "*".into(),
        };
        let mut note = Vec::new();
        if r.is_default {
            note.push("default".to_string());
        }
        if let Some(m) = &rule.managed_by {
            note.push(format!("managed by {m}"));
        }
        if let Some(s) = &r.shadowed_by {
            note.push(format!("never matches: shadowed by {s}"));
        }
        t.add_row(vec![
            rule.priority.to_string(),
            rule.name.clone(),
            if rule.access == Access::Allow { "Allow" } else { "Deny" }.to_string(),
            rule.protocol.to_string(),
            src,
            rule.source_ports.to_string(),
            dst,
            rule.destination_ports.to_string(),
            note.join("; "),
            r.element.origin.as_ref().map(|o| o.to_string()).unwrap_or_default(),
        ]);
    }
    let title = if dir == Direction::Inbound { "Inbound" } else { "Outbound" };
    format!("{title}\n{}", render(&t))
}

pub fn table(report: &RulesReport<'_>) -> String {
    match report.nsg {
        None => format!("{} has no NSG: all traffic is allowed at the subnet level.\n", report.subnet),
        Some(n) => format!(
            "Effective security rules of {} (NSG {n}), in evaluation order\n{}\n{}",
            report.subnet,
            direction_table(Direction::Inbound, report.inbound),
            direction_table(Direction::Outbound, report.outbound)
        ),
    }
}
