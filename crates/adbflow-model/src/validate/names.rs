//! Names: unique within their scope, and spelled the way Azure accepts.

use super::defined_at;
use crate::diagnostic::Diagnostic;
use crate::estate::Estate;
use crate::origin::{ids, Origin};
use std::collections::{BTreeMap, HashMap};

pub(super) fn check(e: &Estate, out: &mut Vec<Diagnostic>) {
    check_unique(e, out);
    check_spelling(e, out);
}

/// Within one scope a second element of the same kind and name is an error: in Azure the name is
/// the identity, so the later definition would silently replace the earlier one.
///
/// `items` are each element's name and origin; its id and the scope's words are made only for a
/// duplicate: an enterprise estate has ~100,000 named elements and almost never a duplicate,
/// and building every id and scope up front was two thirds of checking names.
fn unique<'a>(
    out: &mut Vec<Diagnostic>,
    kind: &str,
    scope: impl Fn() -> String,
    id: impl Fn(&str) -> String,
    items: impl IntoIterator<Item = (&'a str, &'a Option<Origin>)>,
) {
    let mut seen: HashMap<&str, Option<&Origin>, foldhash::fast::FixedState> = HashMap::default();
    for (name, origin) in items {
        match seen.get(name) {
            Some(first) => out.push(Diagnostic::error(
                "duplicate-name",
                id(name),
                format!(
                    "{} {kind} named '{name}' is already defined{}{}; Azure names are unique there, \
                     so this definition would replace the earlier one",
                    article(kind),
                    scope(),
                    defined_at(*first)
                ),
                origin.as_ref(),
            )),
            None => {
                seen.insert(name, origin.as_ref());
            }
        }
    }
}

/// `a` or `an` before `kind` (`an endpoint`, `an IP group`): every kind here that starts with a
/// vowel letter also starts with a vowel sound.
fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

macro_rules! top_level {
    ($out:expr, $e:expr, $field:ident, $kind:expr, $id:path) => {
        unique($out, $kind, String::new, $id, $e.$field.iter().map(|x| (x.name.as_str(), &x.origin)))
    };
}

fn check_unique(e: &Estate, out: &mut Vec<Diagnostic>) {
    top_level!(out, e, vnets, "virtual network", ids::vnet);
    top_level!(out, e, nsgs, "network security group", ids::nsg);
    top_level!(out, e, application_security_groups, "application security group", ids::asg);
    top_level!(out, e, route_tables, "route table", ids::route_table);
    top_level!(out, e, nat_gateways, "NAT gateway", ids::nat_gateway);
    top_level!(out, e, public_ips, "public IP address", ids::public_ip);
    top_level!(out, e, public_ip_prefixes, "public IP prefix", ids::public_ip_prefix);
    top_level!(out, e, load_balancers, "load balancer", ids::load_balancer);
    top_level!(out, e, gateways, "virtual network gateway", ids::gateway);
    top_level!(out, e, private_endpoints, "private endpoint", ids::private_endpoint);
    top_level!(out, e, private_dns_zones, "private DNS zone", ids::dns_zone);
    top_level!(out, e, service_endpoint_policies, "service endpoint policy", ids::service_endpoint_policy);
    top_level!(out, e, firewalls, "firewall", ids::firewall);
    top_level!(out, e, firewall_policies, "firewall policy", ids::firewall_policy);
    top_level!(out, e, ip_groups, "IP group", ids::ip_group);
    top_level!(out, e, storage_accounts, "storage account", ids::storage_account);
    unique(
        out,
        "endpoint",
        String::new,
        ids::endpoint,
        e.endpoints.iter().map(|x| (x.fqdn.as_str(), &x.origin)),
    );

    for v in &e.vnets {
        unique(
            out,
            "subnet",
            || format!(" in virtual network '{}'", v.name),
            |s| ids::subnet(&v.name, s),
            v.subnets.iter().map(|s| (s.name.as_str(), &s.origin)),
        );
    }
    // Peerings are child resources of the VNet they start from.
    let mut by_vnet: BTreeMap<&str, Vec<(&str, &Option<Origin>)>> = BTreeMap::new();
    for p in &e.peerings {
        by_vnet.entry(&p.vnet).or_default().push((&p.name, &p.origin));
    }
    for (vnet, items) in by_vnet {
        unique(out, "peering", || format!(" in virtual network '{vnet}'"), |p| ids::peering(vnet, p), items);
    }
    for n in &e.nsgs {
        unique(
            out,
            "security rule",
            || format!(" in network security group '{}'", n.name),
            |r| ids::nsg_rule(&n.name, r),
            n.rules.iter().map(|r| (r.name.as_str(), &r.origin)),
        );
    }
    for t in &e.route_tables {
        unique(
            out,
            "route",
            || format!(" in route table '{}'", t.name),
            |r| ids::route(&t.name, r),
            t.routes.iter().map(|r| (r.name.as_str(), &r.origin)),
        );
    }
    for z in &e.private_dns_zones {
        let scope = || format!(" in private DNS zone '{}'", z.name);
        unique(
            out,
            "record set",
            scope,
            |r| ids::dns_record(&z.name, r),
            z.records.iter().map(|r| (r.name.as_str(), &r.origin)),
        );
        let links = z.links.iter().map(|l| (l.vnet.as_str(), &l.origin));
        unique(out, "virtual network link to", scope, |l| ids::dns_link(&z.name, l), links);
    }
    for p in &e.firewall_policies {
        unique(
            out,
            "rule collection group",
            || format!(" in firewall policy '{}'", p.name),
            |g| format!("{}/{g}", ids::firewall_policy(&p.name)),
            p.rule_collection_groups.iter().map(|g| (g.name.as_str(), &g.origin)),
        );
        for g in &p.rule_collection_groups {
            unique(
                out,
                "rule collection",
                || format!(" in rule collection group '{}/{}'", p.name, g.name),
                |c| format!("{}/{}/{c}", ids::firewall_policy(&p.name), g.name),
                g.rule_collections.iter().map(|c| (c.name.as_str(), &c.origin)),
            );
            for c in &g.rule_collections {
                unique(
                    out,
                    "firewall rule",
                    || format!(" in rule collection '{}/{}/{}'", p.name, g.name, c.name),
                    |r| ids::firewall_rule(&p.name, &g.name, &c.name, r),
                    c.rules.iter().map(|r| (r.name.as_str(), &r.origin)),
                );
            }
        }
    }
}

/// Azure's rule for Microsoft.Network resource names (its `InvalidResourceName` message).
fn network_name_ok(name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let count = name.chars().count();
    (1..=80).contains(&count)
        && name.chars().next().is_some_and(word)
        && name.chars().last().is_some_and(word)
        && name.chars().all(|c| word(c) || c == '.' || c == '-')
}

fn spelling(out: &mut Vec<Diagnostic>, name: &str, id: String, origin: &Option<Origin>) {
    if !network_name_ok(name) {
        out.push(Diagnostic::error(
            "invalid-name",
            id,
            format!(
                "Resource name '{name}' is invalid. The name can be up to 80 characters long. It must \
                 begin with a word character, and it must end with a word character or with '_'. The \
                 name may contain word characters or '.', '-', '_'."
            ),
            origin.as_ref(),
        ));
    }
}

fn storage_name_ok(name: &str) -> bool {
    (3..=24).contains(&name.len()) && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

fn nonempty(out: &mut Vec<Diagnostic>, kind: &str, name: &str, id: String, origin: &Option<Origin>) {
    if name.trim().is_empty() {
        out.push(Diagnostic::error("invalid-name", id, format!("the {kind} name is empty"), origin.as_ref()));
    }
}

macro_rules! spell_all {
    ($out:expr, $e:expr, $field:ident, $id:path) => {
        for x in &$e.$field {
            spelling($out, &x.name, $id(&x.name), &x.origin);
        }
    };
}

fn check_spelling(e: &Estate, out: &mut Vec<Diagnostic>) {
    spell_all!(out, e, vnets, ids::vnet);
    spell_all!(out, e, nsgs, ids::nsg);
    spell_all!(out, e, application_security_groups, ids::asg);
    spell_all!(out, e, route_tables, ids::route_table);
    spell_all!(out, e, nat_gateways, ids::nat_gateway);
    spell_all!(out, e, public_ips, ids::public_ip);
    spell_all!(out, e, public_ip_prefixes, ids::public_ip_prefix);
    spell_all!(out, e, load_balancers, ids::load_balancer);
    spell_all!(out, e, gateways, ids::gateway);
    spell_all!(out, e, private_endpoints, ids::private_endpoint);
    spell_all!(out, e, service_endpoint_policies, ids::service_endpoint_policy);
    spell_all!(out, e, firewalls, ids::firewall);
    spell_all!(out, e, firewall_policies, ids::firewall_policy);
    spell_all!(out, e, ip_groups, ids::ip_group);
    for v in &e.vnets {
        for s in &v.subnets {
            spelling(out, &s.name, ids::subnet(&v.name, &s.name), &s.origin);
        }
    }
    for p in &e.peerings {
        spelling(out, &p.name, ids::peering(&p.vnet, &p.name), &p.origin);
    }
    for n in &e.nsgs {
        for r in &n.rules {
            spelling(out, &r.name, ids::nsg_rule(&n.name, &r.name), &r.origin);
        }
    }
    for t in &e.route_tables {
        for r in &t.routes {
            spelling(out, &r.name, ids::route(&t.name, &r.name), &r.origin);
        }
    }
    for s in &e.storage_accounts {
        if !storage_name_ok(&s.name) {
            out.push(Diagnostic::error(
                "invalid-name",
                ids::storage_account(&s.name),
                format!(
                    "'{}' is not a valid storage account name. Storage account name must be between 3 \
                     and 24 characters in length and use numbers and lower-case letters only.",
                    s.name
                ),
                s.origin.as_ref(),
            ));
        }
    }
    for z in &e.private_dns_zones {
        nonempty(out, "private DNS zone", &z.name, ids::dns_zone(&z.name), &z.origin);
        for r in &z.records {
            nonempty(out, "record set", &r.name, ids::dns_record(&z.name, &r.name), &r.origin);
        }
    }
    for x in &e.endpoints {
        nonempty(out, "endpoint FQDN", &x.fqdn, ids::endpoint(&x.fqdn), &x.origin);
    }
    for p in &e.firewall_policies {
        for g in &p.rule_collection_groups {
            let gid = format!("{}/{}", ids::firewall_policy(&p.name), g.name);
            nonempty(out, "rule collection group", &g.name, gid, &g.origin);
            for c in &g.rule_collections {
                let cid = format!("{}/{}/{}", ids::firewall_policy(&p.name), g.name, c.name);
                nonempty(out, "rule collection", &c.name, cid, &c.origin);
                for r in &c.rules {
                    let rid = ids::firewall_rule(&p.name, &g.name, &c.name, &r.name);
                    nonempty(out, "firewall rule", &r.name, rid, &r.origin);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::diagnostic::Severity;
    use serde_json::json;

    #[test]
    fn duplicate_vnet_names_are_an_error() {
        let e = estate(json!({"vnets": [
            {"name": "hub", "address_space": ["10.0.0.0/16"]},
            {"name": "hub", "address_space": ["10.1.0.0/16"]}
        ]}));
        expect_one(&e, "duplicate-name", Severity::Error, "vnet:hub", &["virtual network", "'hub'"]);
    }

    #[test]
    fn duplicate_subnets_only_within_one_vnet() {
        let e = estate(json!({"vnets": [
            {"name": "a", "address_space": ["10.0.0.0/16"], "subnets": [
                {"name": "s", "prefix": "10.0.1.0/24"}, {"name": "s", "prefix": "10.0.2.0/24"}]},
            {"name": "b", "address_space": ["10.1.0.0/16"], "subnets": [{"name": "s", "prefix": "10.1.1.0/24"}]}
        ]}));
        expect_one(&e, "duplicate-name", Severity::Error, "subnet:a/s", &["in virtual network 'a'"]);
    }

    #[test]
    fn duplicate_rules_routes_and_nsgs() {
        let rule = |n: &str, p: u32| json!({"name": n, "priority": p, "direction": "Inbound", "access": "Allow", "protocol": "Tcp"});
        let e = estate(json!({
            "nsgs": [{"name": "n", "rules": [rule("r", 100), rule("r", 200)]}, {"name": "n"}],
            "route_tables": [{"name": "t", "routes": [
                {"name": "x", "address_prefix": "0.0.0.0/0", "next_hop_type": "Internet"},
                {"name": "x", "address_prefix": "10.0.0.0/8", "next_hop_type": "None"}]}]
        }));
        let found = with_code(&e, "duplicate-name");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["nsg-rule:n/r", "nsg:n", "route:t/x"], "{found:#?}");
    }

    #[test]
    fn duplicate_firewall_children_and_dns_links() {
        let e = estate(json!({
            "vnets": [{"name": "hub", "address_space": ["10.0.0.0/16"]}],
            "private_dns_zones": [{"name": "privatelink.blob.core.windows.net",
                "links": [{"vnet": "hub"}, {"vnet": "hub"}]}],
            "firewall_policies": [{"name": "p", "rule_collection_groups": [
                {"name": "g", "priority": 100, "rule_collections": [
                    {"name": "c", "priority": 100, "kind": "Network", "action": "Allow",
                     "rules": [{"name": "r"}, {"name": "r"}]}]}]}]
        }));
        let found = with_code(&e, "duplicate-name");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert!(elements.contains(&"dns-link:privatelink.blob.core.windows.net/hub"), "{found:#?}");
        assert!(elements.contains(&"firewall-rule:p/g/c/r"), "{found:#?}");
    }

    #[test]
    fn nsg_rule_name_longer_than_80_is_rejected() {
        let long = "r".repeat(81);
        let ok = "r".repeat(80);
        let rule = |n: &str, p: u32| json!({"name": n, "priority": p, "direction": "Inbound", "access": "Allow", "protocol": "Tcp"});
        let e = estate(json!({"nsgs": [{"name": "n", "rules": [rule(&long, 100), rule(&ok, 101)]}]}));
        let d = expect_one(
            &e,
            "invalid-name",
            Severity::Error,
            &format!("nsg-rule:n/{long}"),
            &["80 characters"],
        );
        assert!(d.message.starts_with("Resource name"));
    }

    #[test]
    fn names_must_start_and_end_with_word_characters() {
        let e = estate(json!({"vnets": [
            {"name": "-bad", "address_space": ["10.0.0.0/16"]},
            {"name": "bad.", "address_space": ["10.1.0.0/16"]},
            {"name": "good_", "address_space": ["10.2.0.0/16"]},
            {"name": "ok.name-1", "address_space": ["10.3.0.0/16"]}
        ]}));
        let found = with_code(&e, "invalid-name");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["vnet:-bad", "vnet:bad."]);
    }

    #[test]
    fn storage_account_names_follow_azure_rules() {
        let e = estate(json!({"storage_accounts": [{"name": "Bad_Name"}, {"name": "good123"}]}));
        expect_one(&e, "invalid-name", Severity::Error, "storage-account:Bad_Name", &["lower-case"]);
    }

    #[test]
    fn empty_names_outside_microsoft_network_are_rejected() {
        let e = estate(json!({"private_dns_zones": [{"name": "", "records": [{"name": " ", "ips": []}]}],
            "endpoints": [{"fqdn": ""}]}));
        let found = with_code(&e, "invalid-name");
        let msgs: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(found.len(), 3, "{msgs:#?}");
        assert!(msgs.iter().all(|m| m.contains("name is empty")));
    }
}
