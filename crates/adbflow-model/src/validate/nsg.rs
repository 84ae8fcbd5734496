//! NSG rules: priority range and uniqueness per direction, application security group use.

use super::{dangling, defined_at};
use crate::diagnostic::Diagnostic;
use crate::estate::Estate;
use crate::nsg::{Nsg, NsgRule};
use crate::origin::ids;

const PRIORITY_MIN: u32 = 100;
const PRIORITY_MAX: u32 = 4096;

pub(super) fn check(e: &Estate, out: &mut Vec<Diagnostic>) {
    for nsg in &e.nsgs {
        for (i, rule) in nsg.rules.iter().enumerate() {
            priority(nsg, &nsg.rules[..i], rule, out);
            asgs(e, nsg, rule, out);
        }
    }
}

fn priority(nsg: &Nsg, earlier: &[NsgRule], rule: &NsgRule, out: &mut Vec<Diagnostic>) {
    let id = || ids::nsg_rule(&nsg.name, &rule.name);
    if !(PRIORITY_MIN..=PRIORITY_MAX).contains(&rule.priority) {
        out.push(Diagnostic::error(
            "nsg-rule-priority",
            id(),
            format!(
                "Security rule has invalid Priority. Value provided: {} Allowed range {PRIORITY_MIN}-{PRIORITY_MAX}.",
                rule.priority
            ),
            rule.origin.as_ref(),
        ));
    }
    let clash = earlier.iter().find(|r| r.priority == rule.priority && r.direction == rule.direction);
    if let Some(other) = clash {
        out.push(Diagnostic::error(
            "nsg-rule-priority-conflict",
            id(),
            format!(
                "Security rule {} conflicts with rule {}{}. Rules cannot have the same Priority ({}) and \
                 Direction ({:?}).",
                rule.name,
                other.name,
                defined_at(other.origin.as_ref()),
                rule.priority,
                rule.direction
            ),
            rule.origin.as_ref(),
        ));
    }
}

fn asgs(e: &Estate, nsg: &Nsg, rule: &NsgRule, out: &mut Vec<Diagnostic>) {
    let id = || ids::nsg_rule(&nsg.name, &rule.name);
    let origin = rule.origin.as_ref();
    let sides = [
        ("source", rule.source.is_some(), &rule.source_asgs),
        ("destination", rule.destination.is_some(), &rule.destination_asgs),
    ];
    for (side, has_address, list) in sides {
        for a in list.iter() {
            if e.asg(a).is_none() {
                dangling(out, id(), origin, &format!("{side}_asgs"), "application security group", a);
            }
        }
        if has_address && !list.is_empty() {
            out.push(Diagnostic::error(
                "nsg-rule-address-and-asg",
                id(),
                format!(
                    "Security rule {} specifies both a {side} address and {side} application security \
                     groups; Azure accepts only one of the two",
                    rule.name
                ),
                origin,
            ));
        }
        if list.len() > 1 {
            out.push(Diagnostic::error(
                "nsg-rule-multiple-asgs",
                id(),
                format!(
                    "Security rule {} names {} {side} application security groups; Azure allows only one \
                     application security group per side of a rule",
                    rule.name,
                    list.len()
                ),
                origin,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::diagnostic::Severity;
    use serde_json::{json, Value};

    fn rule(name: &str, priority: u32, direction: &str) -> Value {
        json!({"name": name, "priority": priority, "direction": direction, "access": "Allow", "protocol": "Tcp"})
    }

    #[test]
    fn priority_outside_100_to_4096() {
        let e = estate(json!({"nsgs": [{"name": "n", "rules": [
            rule("low", 50, "Inbound"), rule("high", 5000, "Inbound"),
            rule("min", 100, "Outbound"), rule("max", 4096, "Outbound")]}]}));
        let found = with_code(&e, "nsg-rule-priority");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["nsg-rule:n/high", "nsg-rule:n/low"]);
        assert!(found[1].message.contains("Value provided: 50 Allowed range 100-4096"), "{}", found[1]);
    }

    #[test]
    fn same_priority_same_direction_conflicts() {
        let e = estate(json!({"nsgs": [{"name": "n", "rules": [
            rule("a", 200, "Inbound"), rule("b", 200, "Outbound"), rule("c", 200, "Inbound")]}]}));
        let d = expect_one(
            &e,
            "nsg-rule-priority-conflict",
            Severity::Error,
            "nsg-rule:n/c",
            &["conflicts with rule a", "same Priority"],
        );
        assert!(d.message.contains("Inbound"));
    }

    #[test]
    fn same_priority_in_different_nsgs_is_fine() {
        let e = estate(json!({"nsgs": [
            {"name": "n1", "rules": [rule("a", 200, "Inbound")]},
            {"name": "n2", "rules": [rule("a", 200, "Inbound")]}]}));
        expect_none(&e, "nsg-rule-priority-conflict");
    }

    #[test]
    fn rule_asgs_must_exist_and_not_mix_with_addresses() {
        let mut r = rule("r", 100, "Inbound");
        r["source"] = json!("10.0.0.0/8");
        r["source_asgs"] = json!(["web"]);
        r["destination_asgs"] = json!(["ghost", "web"]);
        let e = estate(json!({"application_security_groups": [{"name": "web"}],
            "nsgs": [{"name": "n", "rules": [r]}]}));
        expect_one(
            &e,
            "dangling-reference",
            Severity::Error,
            "nsg-rule:n/r",
            &["'ghost'", "destination_asgs"],
        );
        expect_one(&e, "nsg-rule-address-and-asg", Severity::Error, "nsg-rule:n/r", &["source address"]);
        expect_one(&e, "nsg-rule-multiple-asgs", Severity::Error, "nsg-rule:n/r", &["2 destination"]);
    }
}
