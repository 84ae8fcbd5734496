//! Azure Firewall rule processing (domain notes §7.2–7.4): DNAT, then every network rule
//! collection, then every application rule collection — walking parent policy before child, rule
//! collection groups by priority, collections by priority — then default deny. Network rules do
//! not SNAT private destinations; application rules always SNAT.

use crate::address::{is_private, DestAddr};
use crate::fast_map::FastMap;
use crate::kept;
use crate::tags::ServiceTags;
use crate::text;
use adbflow_model::{
    ids, ElementRef, Estate, Firewall, FirewallAction, FirewallPolicy, FirewallRule, PortRange, PortSet,
    Protocol, RuleCollectionKind,
};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// The packet as the firewall sees it.
#[derive(Debug, Clone)]
pub struct FirewallPacket<'a> {
    pub src: Ipv4Addr,
    pub dest: &'a DestAddr,
    /// The name the client asked for (SNI / Host header for application rules).
    pub fqdn: Option<&'a str>,
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Snat {
    /// The destination sees the client's own private address.
    None,
    /// SNAT to one of the firewall's public IPs (address when known).
    PublicIp(Option<Ipv4Addr>),
    /// SNAT to a firewall instance's private address (application rules to private destinations).
    PrivateIp(Ipv4Addr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallDecision {
    pub allowed: bool,
    /// The rule (or the firewall's default deny) that decided.
    pub element: ElementRef,
    pub detail: String,
    pub snat: Snat,
    /// Things the evaluation could not use, said out loud (e.g. an FQDN network rule without DNS proxy).
    pub notes: Vec<String>,
}

/// Policies from the root parent down to the firewall's own policy (parent collections of a kind
/// are processed before the child's).
fn policy_chain<'a>(estate: &'a Estate, fw: &Firewall) -> Vec<&'a FirewallPolicy> {
    let mut chain = Vec::new();
    let mut next = fw.policy.as_deref();
    while let Some(name) = next {
        let Some(p) = estate.firewall_policy(name) else { break };
        if chain.iter().any(|c: &&FirewallPolicy| c.name == p.name) {
            break; // a parent cycle; validation reports it
        }
        chain.push(p);
        next = p.parent.as_deref();
    }
    chain.reverse();
    chain
}

fn parse_addr_item(s: &str) -> Option<Ipv4Net> {
    adbflow_model::spec::parse_prefix(s).ok()
}

/// `*.pypi.org` matches `files.pypi.org` but not `pypi.org` (domain notes §7.4).
pub fn fqdn_matches(pattern: &str, fqdn: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let fqdn = fqdn.trim_end_matches('.').to_ascii_lowercase();
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(base) => fqdn.ends_with(&format!(".{base}")),
        None => pattern == fqdn,
    }
}

/// `fqdn_matches` for a pattern and name already trimmed of the final dot and lower-cased.
fn fqdn_matches_lower(pattern: &str, fqdn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(base) => {
            fqdn.len() > base.len()
                && fqdn.ends_with(base)
                && fqdn.as_bytes()[fqdn.len() - base.len() - 1] == b'.'
        }
        None => pattern == fqdn,
    }
}

/// The port an application rule protocol entry accepts: `Https:443`, `Http:80`, `Mssql:1433`,
/// the protocol's default port when none (or an unreadable one) is written; `None` for a protocol
/// application rules do not know.
fn app_protocol_port(p: &str) -> Option<u16> {
    let (kind, port_s) = p.split_once(':').unwrap_or((p, ""));
    let default = match kind.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        "mssql" => 1433,
        _ => return None,
    };
    Some(port_s.parse::<u16>().unwrap_or(default))
}

fn snat_private_ranges(policy: Option<&FirewallPolicy>) -> Vec<Ipv4Net> {
    let configured = policy.map(|p| p.snat_private_ranges.clone()).unwrap_or_default();
    let mut out = Vec::new();
    if configured.is_empty() || configured.iter().any(|r| r.eq_ignore_ascii_case("IANAPrivateRanges")) {
        out.extend(crate::address::PRIVATE_RANGES);
    }
    out.extend(configured.iter().filter_map(|r| parse_addr_item(r)));
    out
}

fn rule_el(
    p: &FirewallPolicy,
    group: &str,
    c: &adbflow_model::RuleCollection,
    r: &FirewallRule,
) -> ElementRef {
    ElementRef::new(
        ids::firewall_rule(&p.name, group, &c.name, &r.name),
        r.name.clone(),
        r.origin.clone().or_else(|| c.origin.clone()),
    )
}

/// Evaluate `pkt` against `fw`'s policy. Compiles the policy each call; a caller evaluating many
/// packets keeps a [`CompiledFirewall`] instead.
pub fn evaluate(
    estate: &Estate,
    tags: &ServiceTags,
    fw: &Firewall,
    pkt: &FirewallPacket<'_>,
) -> FirewallDecision {
    CompiledFirewall::new(estate, fw).evaluate(estate, tags, fw, pkt)
}

/// Where a rule sits in the estate: indices of its policy, group, collection and the rule itself.
#[derive(Debug, Clone, Copy)]
struct At {
    policy: usize,
    group: usize,
    collection: usize,
    rule: usize,
}

impl At {
    fn get(self, estate: &Estate) -> (&FirewallPolicy, &str, &adbflow_model::RuleCollection, &FirewallRule) {
        let p = &estate.firewall_policies[self.policy];
        let g = &p.rule_collection_groups[self.group];
        let c = &g.rule_collections[self.collection];
        (p, g.name.as_str(), c, &c.rules[self.rule])
    }
}

/// One destination address entry of a network rule, parsed once.
#[derive(Debug, Clone)]
enum DestItem {
    Any,
    Net(Ipv4Net),
    Tag(String),
}

/// A rule with everything the per-packet test needs already parsed and lower-cased.
#[derive(Debug, Clone)]
struct CompiledRule {
    at: At,
    /// Lower-cased network protocols; empty matches every protocol.
    protocols: Vec<String>,
    /// Ports an application rule's protocols (`Https:443`) accept.
    app_ports: Vec<u16>,
    ports: PortSet,
    dests: Vec<DestItem>,
    dest_groups: Vec<Ipv4Net>,
    /// Trimmed, lower-cased target FQDN patterns.
    targets: Vec<String>,
    /// The reference a decision by this rule carries, made the first time one is ([`kept`]).
    reference: kept::Slot,
}

/// Rules of one kind in processing order, indexed by the source prefixes they name so a packet
/// only visits the rules whose source can hold it (the others fail the source test anyway).
#[derive(Debug, Clone, Default)]
struct RuleSet {
    rules: Vec<CompiledRule>,
    /// Rules with no source restriction (none written, or `*`).
    any_source: Vec<u32>,
    /// (network address, prefix length) → rules naming that source prefix (directly or by IP group).
    by_prefix: FastMap<(u32, u8), Vec<u32>>,
    /// The prefix lengths present in `by_prefix`, so a lookup masks the source once per length.
    lengths: Vec<u8>,
}

impl RuleSet {
    fn push(&mut self, estate: &Estate, rule: CompiledRule, r: &FirewallRule) {
        let i = self.rules.len() as u32;
        if r.source_addresses.is_empty() && r.source_ip_groups.is_empty()
            || r.source_addresses.iter().any(|a| a == "*")
        {
            self.any_source.push(i);
        } else {
            let nets = r.source_addresses.iter().filter_map(|a| parse_addr_item(a)).chain(
                r.source_ip_groups
                    .iter()
                    .filter_map(|g| estate.ip_group(g))
                    .flat_map(|g| g.prefixes.iter().map(|p| p.0)),
            );
            for n in nets {
                let key = (u32::from(n.network()), n.prefix_len());
                let list = self.by_prefix.entry(key).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
                if !self.lengths.contains(&n.prefix_len()) {
                    self.lengths.push(n.prefix_len());
                }
            }
        }
        self.rules.push(rule);
    }

    /// Indices (in processing order) of the rules whose source matches `src`.
    fn candidates(&self, src: Ipv4Addr) -> Vec<u32> {
        let mut out = self.any_source.clone();
        let ip = u32::from(src);
        for &len in &self.lengths {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
            if let Some(list) = self.by_prefix.get(&(ip & mask, len)) {
                out.extend_from_slice(list);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A firewall's policy chain flattened into ordered, pre-parsed rule lists: what every packet
/// through the firewall would otherwise recompute (sorting groups, parsing addresses, lower-casing
/// protocols and FQDNs).
#[derive(Debug, Clone)]
pub struct CompiledFirewall {
    own_policy: Option<usize>,
    network: RuleSet,
    application: RuleSet,
    snat_ranges: Vec<Ipv4Net>,
}

impl CompiledFirewall {
    /// Adds the source prefixes its rules name, directly or by IP group (see
    /// `source_class::SourceClasses`).
    pub(crate) fn source_prefixes(&self, out: &mut Vec<Ipv4Net>) {
        for set in [&self.network, &self.application] {
            out.extend(
                set.by_prefix.keys().filter_map(|&(net, len)| Ipv4Net::new(Ipv4Addr::from(net), len).ok()),
            );
        }
    }

    /// Adds where the destination ports its rules name begin and end (see
    /// `Network::port_class`).
    pub(crate) fn port_boundaries(&self, out: &mut Vec<u16>) {
        for r in self.network.rules.iter().chain(&self.application.rules) {
            out.extend(r.ports.boundaries());
            out.extend(r.app_ports.iter().flat_map(|&p| PortRange::single(p).boundaries()));
        }
    }

    pub fn new(estate: &Estate, fw: &Firewall) -> Self {
        let chain = policy_chain(estate, fw);
        let index_of = |p: &FirewallPolicy| estate.firewall_policies.iter().position(|x| std::ptr::eq(x, p));
        let own = chain.last().copied();
        let mut out = CompiledFirewall {
            own_policy: own.and_then(index_of),
            network: RuleSet::default(),
            application: RuleSet::default(),
            snat_ranges: snat_private_ranges(own),
        };
        for kind in [RuleCollectionKind::Network, RuleCollectionKind::Application] {
            for p in &chain {
                let Some(pi) = index_of(p) else { continue };
                let mut groups: Vec<(usize, &adbflow_model::RuleCollectionGroup)> =
                    p.rule_collection_groups.iter().enumerate().collect();
                groups.sort_by(|(_, a), (_, b)| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
                for (gi, g) in groups {
                    let mut cols: Vec<(usize, &adbflow_model::RuleCollection)> =
                        g.rule_collections.iter().enumerate().filter(|(_, c)| c.kind == kind).collect();
                    cols.sort_by(|(_, a), (_, b)| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
                    for (ci, c) in cols {
                        for (ri, r) in c.rules.iter().enumerate() {
                            let at = At { policy: pi, group: gi, collection: ci, rule: ri };
                            let compiled = compile_rule(estate, at, r);
                            match kind {
                                RuleCollectionKind::Network => out.network.push(estate, compiled, r),
                                _ => out.application.push(estate, compiled, r),
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Evaluate `pkt`; `estate` and `fw` must be the ones this was compiled from.
    pub fn evaluate(
        &self,
        estate: &Estate,
        tags: &ServiceTags,
        fw: &Firewall,
        pkt: &FirewallPacket<'_>,
    ) -> FirewallDecision {
        let own = self.own_policy.map(|i| &estate.firewall_policies[i]);
        let dns_proxy = own.is_some_and(|p| p.dns_proxy);
        let fw_public = fw.public_ips.iter().filter_map(|n| estate.public_ip(n).and_then(|p| p.ip)).next();
        let mut notes = Vec::new();
        if own.is_some_and(|p| p.threat_intel_mode == adbflow_model::ThreatIntelMode::Deny) {
            // Threat intelligence runs before every rule; the twin has no feed of flagged addresses.
            notes.push(
                "threat intelligence is in Deny mode; no known-malicious addresses are modelled, so it decides nothing here"
                    .to_string(),
            );
        }
        let proto = lower_case(pkt.protocol);

        for i in self.network.candidates(pkt.src) {
            let cr = &self.network.rules[i as usize];
            let protocol_ok =
                cr.protocols.is_empty() || cr.protocols.iter().any(|p| p == "any" || p == "*" || *p == proto);
            if !protocol_ok {
                continue;
            }
            if !cr.ports.contains(pkt.port) && pkt.protocol.has_ports() {
                continue;
            }
            let (p, group, c, r) = cr.at.get(estate);
            let by_addr = cr.dests.iter().any(|d| match d {
                DestItem::Any => true,
                DestItem::Net(net) => pkt.dest.in_prefix(net),
                DestItem::Tag(t) => tags.contains(t, pkt.dest),
            }) || cr.dest_groups.iter().any(|n| pkt.dest.in_prefix(n));
            let by_fqdn = match pkt.fqdn {
                Some(f) if r.destination_fqdns.iter().any(|d| d.eq_ignore_ascii_case(f)) => {
                    if dns_proxy {
                        true
                    } else {
                        notes.push(format!(
                            "network rule {} names {f}, but FQDNs in network rules need DNS proxy, which is off on {}",
                            r.name,
                            own.map(|p| p.name.as_str()).unwrap_or(&fw.name)
                        ));
                        false
                    }
                }
                _ => false,
            };
            if !(by_addr || by_fqdn) {
                continue;
            }
            let allowed = c.action == FirewallAction::Allow;
            let private = pkt.dest.ip.is_some_and(|ip| self.snat_ranges.iter().any(|n| n.contains(&ip)));
            let snat = if !allowed || private { Snat::None } else { Snat::PublicIp(fw_public) };
            let verb = if allowed { "allows" } else { "denies" };
            return FirewallDecision {
                allowed,
                element: kept::kept(&cr.reference, || rule_el(p, group, c, r)),
                detail: text!(
                    "network rule ",
                    r.name,
                    " in collection ",
                    c.name,
                    " (priority ",
                    c.priority,
                    ", group ",
                    group,
                    ") ",
                    verb,
                    " it",
                    match &snat {
                        Snat::None if allowed => "; no SNAT for a private destination",
                        Snat::PublicIp(_) => "; SNAT to the firewall's public IP",
                        _ => "",
                    }
                ),
                snat,
                notes,
            };
        }

        let app_capable = pkt.protocol == Protocol::Tcp;
        if app_capable {
            let fqdn_lower = pkt.fqdn.map(|f| f.trim_end_matches('.').to_ascii_lowercase());
            for i in self.application.candidates(pkt.src) {
                let cr = &self.application.rules[i as usize];
                if !cr.app_ports.contains(&pkt.port) {
                    continue;
                }
                let (Some(fqdn), Some(lower)) = (pkt.fqdn, fqdn_lower.as_deref()) else { continue };
                let (p, group, c, r) = cr.at.get(estate);
                if !cr.targets.iter().any(|t| fqdn_matches_lower(t, lower)) {
                    if !r.fqdn_tags.is_empty() {
                        notes.push(format!(
                            "application rule {} uses FQDN tags ({}), whose member names are not modelled",
                            r.name,
                            r.fqdn_tags.join(", ")
                        ));
                    }
                    continue;
                }
                let allowed = c.action == FirewallAction::Allow;
                let snat = match (allowed, pkt.dest.ip) {
                    (false, _) => Snat::None,
                    (true, Some(ip)) if is_private(ip) => Snat::PrivateIp(fw.private_ip),
                    (true, _) => Snat::PublicIp(fw_public),
                };
                let verb = if allowed { "allows" } else { "denies" };
                return FirewallDecision {
                    allowed,
                    element: kept::kept(&cr.reference, || rule_el(p, group, c, r)),
                    detail: text!(
                        "application rule ",
                        r.name,
                        " in collection ",
                        c.name,
                        " (priority ",
                        c.priority,
                        ", group ",
                        group,
                        ") ",
                        verb,
                        " ",
                        fqdn,
                        if allowed { "; application rules always SNAT" } else { "" }
                    ),
                    snat,
                    notes,
                };
            }
        }

        let element = match own {
            Some(p) => ElementRef::new(ids::firewall_policy(&p.name), p.name.clone(), p.origin.clone()),
            None => ElementRef::new(ids::firewall(&fw.name), fw.name.clone(), fw.origin.clone()),
        };
        let what = match pkt.fqdn {
            Some(f) => text!(f, ":", pkt.port),
            None => text!(pkt.dest, ":", pkt.port),
        };
        FirewallDecision {
            allowed: false,
            element,
            detail: if own.is_none() {
                format!("firewall {} has no policy: every flow is denied ({what})", fw.name)
            } else {
                text!(
                    "no network or application rule of firewall ",
                    fw.name,
                    " matches ",
                    what,
                    ": denied by default"
                )
            },
            snat: Snat::None,
            notes,
        }
    }
}

/// A packet's protocol as the compiled rules spell theirs (lower-cased).
fn lower_case(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Icmp => "icmp",
        Protocol::Esp => "esp",
        Protocol::Ah => "ah",
        Protocol::Any => "*",
    }
}

fn compile_rule(estate: &Estate, at: At, r: &FirewallRule) -> CompiledRule {
    CompiledRule {
        reference: kept::Slot::new(),
        at,
        protocols: r.protocols.iter().map(|p| p.to_ascii_lowercase()).collect(),
        app_ports: r.protocols.iter().filter_map(|p| app_protocol_port(p)).collect(),
        ports: r.destination_ports.clone().unwrap_or(PortSet::Any),
        dests: r
            .destination_addresses
            .iter()
            .map(|a| {
                if a == "*" {
                    DestItem::Any
                } else {
                    match parse_addr_item(a) {
                        Some(n) => DestItem::Net(n),
                        None => DestItem::Tag(a.clone()),
                    }
                }
            })
            .collect(),
        dest_groups: r
            .destination_ip_groups
            .iter()
            .filter_map(|g| estate.ip_group(g))
            .flat_map(|g| g.prefixes.iter().map(|p| p.0))
            .collect(),
        targets: r.target_fqdns.iter().map(|t| t.trim_end_matches('.').to_ascii_lowercase()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adbflow_model::{IpGroup, Prefix};

    #[test]
    fn pre_lowered_fqdn_matching_agrees_with_fqdn_matches() {
        let names = ["pypi.org", "files.pypi.org", "a.b.pypi.org", "xpypi.org", "PyPI.org.", "org", ""];
        for pattern in ["*", "*.pypi.org", "pypi.org", "*.org", "*.PYPI.org."] {
            let lowered = pattern.trim_end_matches('.').to_ascii_lowercase();
            for name in names {
                let n = name.trim_end_matches('.').to_ascii_lowercase();
                assert_eq!(fqdn_matches_lower(&lowered, &n), fqdn_matches(pattern, name), "{pattern} {name}");
            }
        }
    }

    #[test]
    fn candidates_are_the_rules_whose_source_holds_the_address_in_order() {
        let mut estate = Estate::default();
        estate.ip_groups.push(IpGroup {
            name: "g".into(),
            prefixes: vec![Prefix("10.1.0.0/16".parse().unwrap())],
            origin: None,
        });
        let rule = |src: &[&str], groups: &[&str]| {
            let mut r: FirewallRule = serde_json::from_str(r#"{"name": "r"}"#).unwrap();
            r.source_addresses = src.iter().map(|s| s.to_string()).collect();
            r.source_ip_groups = groups.iter().map(|s| s.to_string()).collect();
            r
        };
        let rules = [
            rule(&["10.1.2.0/24"], &[]),
            rule(&[], &[]),
            rule(&["10.2.0.0/16", "not-an-address"], &[]),
            rule(&[], &["g", "missing"]),
            rule(&["*"], &[]),
            rule(&["10.1.2.3"], &[]),
        ];
        let mut set = RuleSet::default();
        for (i, r) in rules.iter().enumerate() {
            let at = At { policy: 0, group: 0, collection: 0, rule: i };
            set.push(&estate, compile_rule(&estate, at, r), r);
        }
        assert_eq!(set.candidates("10.1.2.3".parse().unwrap()), [0, 1, 3, 4, 5]);
        assert_eq!(set.candidates("10.1.9.9".parse().unwrap()), [1, 3, 4]);
        assert_eq!(set.candidates("10.2.0.1".parse().unwrap()), [1, 2, 4]);
        assert_eq!(set.candidates("192.168.0.1".parse().unwrap()), [1, 4]);
    }

    #[test]
    fn protocols_are_spelled_as_compiled_rules_spell_them() {
        for p in [Protocol::Tcp, Protocol::Udp, Protocol::Icmp, Protocol::Esp, Protocol::Ah, Protocol::Any] {
            assert_eq!(lower_case(p), p.to_string().to_ascii_lowercase());
        }
    }

    /// One compiled firewall asked again and again, its rules' references kept after the first
    /// decision naming each: every decision is a freshly compiled firewall's.
    #[test]
    fn kept_rule_references_decide_as_a_fresh_compilation() {
        let estate: Estate = serde_json::from_value(serde_json::json!({
            "firewalls": [{"name": "fw", "vnet": "hub", "private_ip": "10.0.1.4", "policy": "p"}],
            "firewall_policies": [{"name": "p", "dns_proxy": true, "rule_collection_groups": [
                {"name": "g1", "priority": 100, "rule_collections": [
                    {"name": "net", "priority": 100, "kind": "Network", "action": "Allow", "rules": [
                        {"name": "dns", "source_addresses": ["*"], "protocols": ["UDP"],
                         "destination_addresses": ["*"], "destination_ports": "53"},
                        {"name": "sql", "source_addresses": ["10.1.0.0/16"], "protocols": ["TCP"],
                         "destination_addresses": ["Sql"], "destination_ports": "1433"}]},
                    {"name": "deny", "priority": 200, "kind": "Network", "action": "Deny", "rules": [
                        {"name": "ssh", "source_addresses": ["*"], "protocols": ["Any"],
                         "destination_addresses": ["*"], "destination_ports": "22"}]}]},
                {"name": "g2", "priority": 200, "rule_collections": [
                    {"name": "web", "priority": 100, "kind": "Application", "action": "Allow", "rules": [
                        {"name": "pypi", "source_addresses": ["*"], "protocols": ["Https:443"],
                         "target_fqdns": ["*.pypi.org"]}]}]}]}]
        }))
        .unwrap();
        let fw = &estate.firewalls[0];
        let tags = ServiceTags::symbolic();
        let compiled = CompiledFirewall::new(&estate, fw);
        let public = DestAddr::ip("20.1.2.3".parse().unwrap());
        let sql = DestAddr::symbolic(vec!["Sql.EastUS2".into()], Some("eastus2".into()));
        let packets = [
            (&public, None, 53, Protocol::Udp),
            (&sql, None, 1433, Protocol::Tcp),
            (&public, None, 22, Protocol::Tcp),
            (&public, Some("files.pypi.org"), 443, Protocol::Tcp),
            (&public, Some("example.com"), 443, Protocol::Tcp),
        ];
        let mut named = std::collections::BTreeSet::new();
        for round in 0..2 {
            for &(dest, fqdn, port, protocol) in packets.iter().rev().skip(round).chain(&packets) {
                let pkt = FirewallPacket { src: "10.1.2.4".parse().unwrap(), dest, fqdn, port, protocol };
                let kept = compiled.evaluate(&estate, &tags, fw, &pkt);
                assert_eq!(kept, evaluate(&estate, &tags, fw, &pkt), "{pkt:?}");
                named.insert(kept.element.id.as_str().to_owned());
            }
        }
        // Every rule decided some packet, and the default deny one.
        assert_eq!(named.len(), 5, "{named:?}");
    }
}
