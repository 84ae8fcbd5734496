//! Azure Firewall and firewall policies: placement, references, policy inheritance, priorities,
//! and rules that fit their collection kind.

use super::dangling;
use crate::diagnostic::Diagnostic;
use crate::estate::Estate;
use crate::firewall::{
    Firewall, FirewallAction, FirewallPolicy, FirewallRule, RuleCollection, RuleCollectionKind,
};
use crate::lookup::Lookup;
use crate::origin::ids;
use crate::spec::parse_prefix;
use std::net::Ipv4Addr;

const PRIORITY_MIN: u32 = 100;
const PRIORITY_MAX: u32 = 65000;
const FIREWALL_SUBNET: &str = "AzureFirewallSubnet";

pub(super) fn check(lx: &Lookup<'_>, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    for fw in &e.firewalls {
        firewall(lx, fw, out);
    }
    for p in &e.firewall_policies {
        parent(e, p, out);
        for ranges in &p.snat_private_ranges {
            if ranges != "IANAPrivateRanges" {
                if let Err(why) = parse_prefix(ranges) {
                    out.push(Diagnostic::error(
                        "firewall-snat-range",
                        ids::firewall_policy(&p.name),
                        format!("snat_private_ranges entry {why}; write a CIDR prefix or IANAPrivateRanges"),
                        p.origin.as_ref(),
                    ));
                }
            }
        }
        for g in &p.rule_collection_groups {
            let gid = format!("{}/{}", ids::firewall_policy(&p.name), g.name);
            priority(out, "rule collection group", &g.name, g.priority, gid, g.origin.as_ref());
            for c in &g.rule_collections {
                let cid = format!("{}/{}/{}", ids::firewall_policy(&p.name), g.name, c.name);
                priority(out, "rule collection", &c.name, c.priority, cid.clone(), c.origin.as_ref());
                action(c, cid, out);
                for r in &c.rules {
                    let rid = ids::firewall_rule(&p.name, &g.name, &c.name, &r.name);
                    rule(e, p, c, r, &rid, out);
                }
            }
        }
    }
}

fn firewall(lx: &Lookup<'_>, fw: &Firewall, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    let id = || ids::firewall(&fw.name);
    let origin = fw.origin.as_ref();
    match lx.vnet(&fw.vnet) {
        None => dangling(out, id(), origin, "vnet", "virtual network", &fw.vnet),
        Some(v) => match v.subnets.iter().find(|s| s.name == FIREWALL_SUBNET) {
            None => out.push(Diagnostic::error(
                "firewall-subnet-missing",
                id(),
                format!(
                    "Azure Firewall '{}' needs a subnet named '{FIREWALL_SUBNET}' in virtual network '{}'; \
                     Azure rejects a firewall without it",
                    fw.name, v.name
                ),
                origin,
            )),
            Some(s) if !s.prefix.0.contains(&fw.private_ip) => out.push(Diagnostic::warning(
                "firewall-private-ip",
                id(),
                format!(
                    "private_ip {} is not inside {FIREWALL_SUBNET} ({}) of virtual network '{}'; Azure assigns \
                     the firewall's private IP from that subnet",
                    fw.private_ip, s.prefix, v.name
                ),
                origin,
            )),
            Some(_) => {}
        },
    }
    if let Some(p) = &fw.policy {
        if e.firewall_policy(p).is_none() {
            dangling(out, id(), origin, "policy", "firewall policy", p);
        }
    }
    for p in &fw.public_ips {
        if e.public_ip(p).is_none() {
            dangling(out, id(), origin, "public_ips", "public IP address", p);
        }
    }
}

fn parent(e: &Estate, p: &FirewallPolicy, out: &mut Vec<Diagnostic>) {
    let id = || ids::firewall_policy(&p.name);
    let Some(first) = &p.parent else { return };
    if e.firewall_policy(first).is_none() {
        dangling(out, id(), p.origin.as_ref(), "parent", "firewall policy", first);
        return;
    }
    let mut chain = vec![p.name.as_str()];
    let mut next = Some(first.as_str());
    while let Some(name) = next {
        if name == p.name {
            chain.push(name);
            out.push(Diagnostic::error(
                "firewall-policy-cycle",
                id(),
                format!(
                    "firewall policy '{}' inherits from itself ({}); Azure rejects circular parent policies",
                    p.name,
                    chain.join(" -> ")
                ),
                p.origin.as_ref(),
            ));
            return;
        }
        // A cycle further up that does not include `p` is reported on its own members.
        if chain.contains(&name) {
            return;
        }
        chain.push(name);
        next = e.firewall_policy(name).and_then(|x| x.parent.as_deref());
    }
}

fn priority(
    out: &mut Vec<Diagnostic>,
    kind: &str,
    name: &str,
    value: u32,
    id: String,
    origin: Option<&crate::Origin>,
) {
    if !(PRIORITY_MIN..=PRIORITY_MAX).contains(&value) {
        out.push(Diagnostic::error(
            "firewall-priority",
            id,
            format!(
                "{kind} '{name}' has priority {value}; Azure Firewall priorities must be between {PRIORITY_MIN} \
                 and {PRIORITY_MAX}"
            ),
            origin,
        ));
    }
}

fn action(c: &RuleCollection, id: String, out: &mut Vec<Diagnostic>) {
    let ok = match c.kind {
        RuleCollectionKind::Dnat => c.action == FirewallAction::Dnat,
        RuleCollectionKind::Network | RuleCollectionKind::Application => c.action != FirewallAction::Dnat,
    };
    if !ok {
        let allowed = match c.kind {
            RuleCollectionKind::Dnat => "Dnat",
            _ => "Allow or Deny",
        };
        out.push(Diagnostic::error(
            "firewall-collection-action",
            id,
            format!(
                "rule collection '{}' of kind {:?} has action {:?}; a {:?} rule collection supports only the \
                 {allowed} action",
                c.name, c.kind, c.action, c.kind
            ),
            c.origin.as_ref(),
        ));
    }
}

fn rule(
    e: &Estate,
    p: &FirewallPolicy,
    c: &RuleCollection,
    r: &FirewallRule,
    id: &str,
    out: &mut Vec<Diagnostic>,
) {
    let origin = r.origin.as_ref();
    for (field, list) in
        [("source_ip_groups", &r.source_ip_groups), ("destination_ip_groups", &r.destination_ip_groups)]
    {
        for g in list {
            if e.ip_group(g).is_none() {
                dangling(out, id.to_string(), origin, field, "IP group", g);
            }
        }
    }
    let mut error = |code: &'static str, message: String| {
        out.push(Diagnostic::error(code, id.to_string(), message, origin));
    };
    for proto in &r.protocols {
        if !protocol_ok(c.kind, proto) {
            let expected = match c.kind {
                RuleCollectionKind::Network => "TCP, UDP, ICMP or Any",
                RuleCollectionKind::Dnat => "TCP or UDP",
                RuleCollectionKind::Application => "Http, Https or Mssql, optionally with a port (Https:443)",
            };
            error(
                "firewall-rule-protocol",
                format!("protocol '{proto}' is not valid in a {:?} rule; expected {expected}", c.kind),
            );
        }
    }
    let dest_tags_ok = c.kind == RuleCollectionKind::Network;
    for (field, list, tags_ok) in [
        ("source_addresses", &r.source_addresses, false),
        ("destination_addresses", &r.destination_addresses, dest_tags_ok),
    ] {
        for a in list {
            if let Err(why) = address_ok(a, tags_ok) {
                error("firewall-rule-address", format!("`{field}` entry {why}"));
            }
        }
    }
    if r.source_addresses.is_empty() && r.source_ip_groups.is_empty() {
        error(
            "firewall-rule-incomplete",
            "the rule has no source_addresses or source_ip_groups; Azure requires a source".into(),
        );
    }
    if r.protocols.is_empty() {
        error("firewall-rule-incomplete", "the rule has no protocols; Azure requires at least one".into());
    }
    match c.kind {
        RuleCollectionKind::Network | RuleCollectionKind::Dnat => {
            if r.destination_addresses.is_empty()
                && r.destination_ip_groups.is_empty()
                && r.destination_fqdns.is_empty()
            {
                error(
                    "firewall-rule-incomplete",
                    "the rule has no destination (addresses, IP groups or FQDNs); Azure requires one".into(),
                );
            }
            if r.destination_ports.is_none() {
                error(
                    "firewall-rule-incomplete",
                    "the rule has no destination_ports; Azure requires them".into(),
                );
            }
        }
        RuleCollectionKind::Application => {
            if r.target_fqdns.is_empty() && r.fqdn_tags.is_empty() {
                error(
                    "firewall-rule-incomplete",
                    "the application rule has no target_fqdns or fqdn_tags; Azure requires one".into(),
                );
            }
        }
    }
    if c.kind == RuleCollectionKind::Dnat && r.translated_address.is_none() {
        error(
            "firewall-rule-incomplete",
            "the DNAT rule has no translated_address; Azure requires it".into(),
        );
    }
    if c.kind == RuleCollectionKind::Network {
        for f in r.destination_fqdns.iter().filter(|f| f.contains('*')) {
            error(
                "firewall-rule-fqdn",
                format!("network rules do not support wildcard FQDNs ('{f}'); use an application rule"),
            );
        }
        if !r.destination_fqdns.is_empty() && !p.dns_proxy {
            out.push(Diagnostic::warning(
                "firewall-dns-proxy",
                id.to_string(),
                format!(
                    "the network rule uses destination FQDNs but firewall policy '{}' does not enable DNS proxy; \
                     FQDNs in network rules require DNS proxy, otherwise they never match reliably",
                    p.name
                ),
                origin,
            ));
        }
    }
    ignored_fields(c.kind, r, id, out);
}

fn protocol_ok(kind: RuleCollectionKind, proto: &str) -> bool {
    let upper = proto.to_ascii_uppercase();
    match kind {
        RuleCollectionKind::Network => matches!(upper.as_str(), "TCP" | "UDP" | "ICMP" | "ANY"),
        RuleCollectionKind::Dnat => matches!(upper.as_str(), "TCP" | "UDP"),
        RuleCollectionKind::Application => {
            let (name, port) = match upper.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (upper.as_str(), None),
            };
            matches!(name, "HTTP" | "HTTPS" | "MSSQL")
                && port.iter().all(|p| p.parse::<u16>().is_ok_and(|p| p > 0))
        }
    }
}

/// `*`, an IPv4 address, a CIDR prefix, an address range `a-b`, or (network rule destinations
/// only) a service tag.
fn address_ok(a: &str, tags_ok: bool) -> Result<(), String> {
    let a = a.trim();
    if a == "*" {
        return Ok(());
    }
    if let Some((from, to)) = a.split_once('-') {
        if let (Ok(f), Ok(t)) = (from.trim().parse::<Ipv4Addr>(), to.trim().parse::<Ipv4Addr>()) {
            return if f <= t { Ok(()) } else { Err(format!("'{a}' is a reversed address range")) };
        }
    }
    if a.starts_with(|c: char| c.is_ascii_digit()) {
        return parse_prefix(a).map(|_| ());
    }
    if tags_ok && !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        return Ok(());
    }
    Err(format!(
        "'{a}' is not an IPv4 address, prefix or range{}",
        if tags_ok { " or service tag" } else { "" }
    ))
}

/// Fields the rule's collection kind does not use are reported, so nothing the user wrote is
/// silently ignored.
fn ignored_fields(kind: RuleCollectionKind, r: &FirewallRule, id: &str, out: &mut Vec<Diagnostic>) {
    let set: [(&str, bool); 7] = [
        ("destination_ip_groups", !r.destination_ip_groups.is_empty()),
        ("destination_fqdns", !r.destination_fqdns.is_empty()),
        ("destination_ports", r.destination_ports.is_some()),
        ("target_fqdns", !r.target_fqdns.is_empty()),
        ("fqdn_tags", !r.fqdn_tags.is_empty()),
        ("translated_address", r.translated_address.is_some()),
        ("translated_port", r.translated_port.is_some()),
    ];
    let unused: &[&str] = match kind {
        RuleCollectionKind::Network => {
            &["target_fqdns", "fqdn_tags", "translated_address", "translated_port"]
        }
        RuleCollectionKind::Application => &[
            "destination_ip_groups",
            "destination_fqdns",
            "destination_ports",
            "translated_address",
            "translated_port",
        ],
        RuleCollectionKind::Dnat => &["target_fqdns", "fqdn_tags"],
    };
    for (field, present) in set {
        if present && unused.contains(&field) {
            out.push(Diagnostic::warning(
                "firewall-rule-field-ignored",
                id.to_string(),
                format!("`{field}` has no effect in a {kind:?} rule and is ignored"),
                r.origin.as_ref(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::diagnostic::Severity;
    use serde_json::{json, Value};

    fn net_rule(name: &str) -> Value {
        json!({"name": name, "source_addresses": ["10.0.0.0/16"], "protocols": ["TCP"],
               "destination_addresses": ["AzureCloud"], "destination_ports": ["443"]})
    }

    fn policy(collections: Value) -> Value {
        json!({"name": "pol", "rule_collection_groups": [{"name": "g", "priority": 200, "rule_collections": collections}]})
    }

    fn hub(policies: Value) -> Value {
        json!({
            "vnets": [{"name": "hub", "address_space": ["10.100.0.0/16"], "subnets": [
                {"name": "AzureFirewallSubnet", "prefix": "10.100.0.0/26"}]}],
            "public_ips": [{"name": "fw-ip"}],
            "firewalls": [{"name": "fw", "vnet": "hub", "private_ip": "10.100.0.4", "public_ips": ["fw-ip"], "policy": "pol"}],
            "firewall_policies": policies
        })
    }

    #[test]
    fn a_complete_hub_is_clean() {
        let coll = json!([{"name": "c", "priority": 100, "kind": "Network", "action": "Allow", "rules": [net_rule("r")]}]);
        let diags = crate::validate::validate(&estate(hub(json!([policy(coll)]))));
        assert!(diags.is_empty(), "{diags:#?}");
    }

    #[test]
    fn firewall_references_and_subnet() {
        let mut v = hub(json!([]));
        v["firewalls"][0]["public_ips"] = json!(["missing-ip"]);
        let e = estate(v.clone());
        let found = with_code(&e, "dangling-reference");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found.iter().any(|d| d.message.contains("firewall policy 'pol'")));
        v["vnets"][0]["subnets"] = json!([]);
        expect_one(
            &estate(v.clone()),
            "firewall-subnet-missing",
            Severity::Error,
            "firewall:fw",
            &["AzureFirewallSubnet"],
        );
        v["firewalls"][0]["vnet"] = json!("nohub");
        assert!(with_code(&estate(v), "dangling-reference").iter().any(|d| d.message.contains("'nohub'")));
    }

    #[test]
    fn firewall_private_ip_outside_its_subnet_warns() {
        let mut v = hub(json!([policy(json!([]))]));
        v["firewalls"][0]["private_ip"] = json!("10.100.1.4");
        expect_one(
            &estate(v),
            "firewall-private-ip",
            Severity::Warning,
            "firewall:fw",
            &["AzureFirewallSubnet"],
        );
    }

    #[test]
    fn parent_policy_must_exist_and_not_cycle() {
        let e = estate(json!({"firewall_policies": [
            {"name": "a", "parent": "b"}, {"name": "b", "parent": "a"},
            {"name": "c", "parent": "a"}, {"name": "d", "parent": "ghost"}, {"name": "root"}, {"name": "leaf", "parent": "root"}]}));
        let found = with_code(&e, "firewall-policy-cycle");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["firewall-policy:a", "firewall-policy:b"]);
        assert!(found[0].message.contains("a -> b -> a"), "{}", found[0]);
        expect_one(&e, "dangling-reference", Severity::Error, "firewall-policy:d", &["'ghost'"]);
    }

    #[test]
    fn priorities_between_100_and_65000() {
        let coll = json!([
            {"name": "low", "priority": 99, "kind": "Network", "action": "Allow", "rules": [net_rule("r")]},
            {"name": "ok", "priority": 65000, "kind": "Network", "action": "Allow", "rules": [net_rule("r")]}]);
        let mut p = policy(coll);
        p["rule_collection_groups"][0]["priority"] = json!(70000);
        let found = with_code(&estate(hub(json!([p]))), "firewall-priority");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["firewall-policy:pol/g", "firewall-policy:pol/g/low"]);
    }

    #[test]
    fn collection_kind_and_action_must_match() {
        let coll = json!([
            {"name": "d", "priority": 100, "kind": "Dnat", "action": "Allow"},
            {"name": "n", "priority": 200, "kind": "Network", "action": "Dnat"},
            {"name": "a", "priority": 300, "kind": "Application", "action": "Deny"},
            {"name": "d2", "priority": 400, "kind": "Dnat", "action": "Dnat"}]);
        let found = with_code(&estate(hub(json!([policy(coll)]))), "firewall-collection-action");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["firewall-policy:pol/g/d", "firewall-policy:pol/g/n"]);
        assert!(found[0].message.contains("only the Dnat action"));
    }

    #[test]
    fn ip_groups_in_rules_must_exist() {
        let mut r = net_rule("r");
        r["destination_ip_groups"] = json!(["onprem"]);
        let coll =
            json!([{"name": "c", "priority": 100, "kind": "Network", "action": "Allow", "rules": [r]}]);
        expect_one(
            &estate(hub(json!([policy(coll)]))),
            "dangling-reference",
            Severity::Error,
            "firewall-rule:pol/g/c/r",
            &["IP group 'onprem'"],
        );
    }

    #[test]
    fn rule_protocols_addresses_and_completeness() {
        let mut bad = net_rule("bad");
        bad["protocols"] = json!(["Https:443"]);
        bad["destination_addresses"] = json!(["10.0.0.0/33"]);
        let app = json!({"name": "app", "source_addresses": ["*"], "protocols": ["Https:443", "Http"]});
        let coll = json!([
            {"name": "n", "priority": 100, "kind": "Network", "action": "Allow", "rules": [bad]},
            {"name": "a", "priority": 200, "kind": "Application", "action": "Allow", "rules": [app]}]);
        let e = estate(hub(json!([policy(coll)])));
        expect_one(
            &e,
            "firewall-rule-protocol",
            Severity::Error,
            "firewall-rule:pol/g/n/bad",
            &["'Https:443'"],
        );
        expect_one(
            &e,
            "firewall-rule-address",
            Severity::Error,
            "firewall-rule:pol/g/n/bad",
            &["10.0.0.0/33"],
        );
        expect_one(
            &e,
            "firewall-rule-incomplete",
            Severity::Error,
            "firewall-rule:pol/g/a/app",
            &["target_fqdns"],
        );
    }

    #[test]
    fn network_rule_fqdns_no_wildcards_and_need_dns_proxy() {
        let mut r = net_rule("r");
        r["destination_addresses"] = json!([]);
        r["destination_fqdns"] = json!(["*.pypi.org", "pypi.org"]);
        let coll =
            json!([{"name": "c", "priority": 100, "kind": "Network", "action": "Allow", "rules": [r]}]);
        let e = estate(hub(json!([policy(coll)])));
        expect_one(&e, "firewall-rule-fqdn", Severity::Error, "firewall-rule:pol/g/c/r", &["'*.pypi.org'"]);
        expect_one(&e, "firewall-dns-proxy", Severity::Warning, "firewall-rule:pol/g/c/r", &["DNS proxy"]);
    }

    #[test]
    fn fields_the_kind_ignores_are_reported() {
        let mut r = net_rule("r");
        r["target_fqdns"] = json!(["pypi.org"]);
        let coll =
            json!([{"name": "c", "priority": 100, "kind": "Network", "action": "Allow", "rules": [r]}]);
        expect_one(
            &estate(hub(json!([policy(coll)]))),
            "firewall-rule-field-ignored",
            Severity::Warning,
            "firewall-rule:pol/g/c/r",
            &["target_fqdns"],
        );
    }

    #[test]
    fn snat_private_ranges_must_parse() {
        let mut p = policy(json!([]));
        p["snat_private_ranges"] = json!(["IANAPrivateRanges", "0.0.0.0/0", "10.0.0.1/8"]);
        expect_one(
            &estate(hub(json!([p]))),
            "firewall-snat-range",
            Severity::Error,
            "firewall-policy:pol",
            &["host bits"],
        );
    }

    #[test]
    fn dnat_rules_need_a_translated_address() {
        let rule = json!({"name": "ssh", "source_addresses": ["*"], "protocols": ["TCP"],
            "destination_addresses": ["20.10.0.2"], "destination_ports": "22"});
        let coll = json!([{"name": "d", "priority": 100, "kind": "Dnat", "action": "Dnat", "rules": [rule]}]);
        expect_one(
            &estate(hub(json!([policy(coll)]))),
            "firewall-rule-incomplete",
            Severity::Error,
            "firewall-rule:pol/g/d/ssh",
            &["translated_address"],
        );
    }
}
