//! Azure Firewall rule processing (domain notes §7.2–7.4): DNAT, then every network rule
//! collection, then every application rule collection — walking parent policy before child, rule
//! collection groups by priority, collections by priority — then default deny. Network rules do
//! not SNAT private destinations; application rules always SNAT.

use crate::address::{is_private, DestAddr};
use crate::tags::ServiceTags;
use adbflow_model::{
    ids, ElementRef, Estate, Firewall, FirewallAction, FirewallPolicy, FirewallRule, PortSet, Protocol,
    RuleCollectionKind,
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

/// The ordered (policy, group, collection, rule) list of one kind.
fn ordered<'a>(
    chain: &[&'a FirewallPolicy],
    kind: RuleCollectionKind,
) -> Vec<(&'a FirewallPolicy, &'a str, &'a adbflow_model::RuleCollection, &'a FirewallRule)> {
    let mut out = Vec::new();
    for p in chain {
        let mut groups: Vec<_> = p.rule_collection_groups.iter().collect();
        groups.sort_by_key(|g| (g.priority, g.name.clone()));
        for g in groups {
            let mut cols: Vec<_> = g.rule_collections.iter().filter(|c| c.kind == kind).collect();
            cols.sort_by_key(|c| (c.priority, c.name.clone()));
            for c in cols {
                for r in &c.rules {
                    out.push((*p, g.name.as_str(), c, r));
                }
            }
        }
    }
    out
}

fn parse_addr_item(s: &str) -> Option<Ipv4Net> {
    adbflow_model::spec::parse_prefix(s).ok()
}

fn source_matches(estate: &Estate, r: &FirewallRule, src: Ipv4Addr) -> bool {
    if r.source_addresses.is_empty() && r.source_ip_groups.is_empty() {
        return true;
    }
    r.source_addresses.iter().any(|a| a == "*" || parse_addr_item(a).is_some_and(|n| n.contains(&src)))
        || r.source_ip_groups
            .iter()
            .filter_map(|g| estate.ip_group(g))
            .any(|g| g.prefixes.iter().any(|p| p.0.contains(&src)))
}

fn network_protocol_matches(r: &FirewallRule, proto: Protocol) -> bool {
    r.protocols.is_empty()
        || r.protocols.iter().any(|p| {
            let p = p.to_ascii_lowercase();
            p == "any" || p == "*" || p == proto.to_string().to_ascii_lowercase()
        })
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

/// Application rule protocol entries are written `Https:443`, `Http:80`, `Mssql:1433`.
fn app_protocol_matches(r: &FirewallRule, port: u16) -> bool {
    r.protocols.iter().any(|p| {
        let (kind, port_s) = p.split_once(':').unwrap_or((p.as_str(), ""));
        let default = match kind.to_ascii_lowercase().as_str() {
            "http" => 80,
            "https" => 443,
            "mssql" => 1433,
            _ => return false,
        };
        port_s.parse::<u16>().unwrap_or(default) == port
    })
}

fn snat_private_ranges(policy: Option<&FirewallPolicy>) -> Vec<Ipv4Net> {
    let configured = policy.map(|p| p.snat_private_ranges.clone()).unwrap_or_default();
    let mut out = Vec::new();
    if configured.is_empty() || configured.iter().any(|r| r.eq_ignore_ascii_case("IANAPrivateRanges")) {
        out.extend(crate::address::PRIVATE_RANGES.iter().filter_map(|r| r.parse::<Ipv4Net>().ok()));
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

pub fn evaluate(
    estate: &Estate,
    tags: &ServiceTags,
    fw: &Firewall,
    pkt: &FirewallPacket<'_>,
) -> FirewallDecision {
    let chain = policy_chain(estate, fw);
    let own = chain.last().copied();
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

    for (p, group, c, r) in ordered(&chain, RuleCollectionKind::Network) {
        if !network_protocol_matches(r, pkt.protocol) || !source_matches(estate, r, pkt.src) {
            continue;
        }
        if !r.destination_ports.as_ref().unwrap_or(&PortSet::Any).contains(pkt.port)
            && pkt.protocol.has_ports()
        {
            continue;
        }
        let by_addr = r.destination_addresses.iter().any(|a| {
            a == "*"
                || match parse_addr_item(a) {
                    Some(net) => pkt.dest.in_prefix(&net),
                    None => tags.contains(a, pkt.dest),
                }
        }) || r
            .destination_ip_groups
            .iter()
            .filter_map(|g| estate.ip_group(g))
            .any(|g| g.prefixes.iter().any(|pr| pkt.dest.in_prefix(&pr.0)));
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
        let private = pkt.dest.ip.is_some_and(|ip| snat_private_ranges(own).iter().any(|n| n.contains(&ip)));
        let snat = if !allowed || private { Snat::None } else { Snat::PublicIp(fw_public) };
        let verb = if allowed { "allows" } else { "denies" };
        return FirewallDecision {
            allowed,
            element: rule_el(p, group, c, r),
            detail: format!(
                "network rule {} in collection {} (priority {}, group {group}) {verb} it{}",
                r.name,
                c.name,
                c.priority,
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
        for (p, group, c, r) in ordered(&chain, RuleCollectionKind::Application) {
            if !app_protocol_matches(r, pkt.port) || !source_matches(estate, r, pkt.src) {
                continue;
            }
            let Some(fqdn) = pkt.fqdn else { continue };
            if !r.target_fqdns.iter().any(|t| fqdn_matches(t, fqdn)) {
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
                element: rule_el(p, group, c, r),
                detail: format!(
                    "application rule {} in collection {} (priority {}, group {group}) {verb} {fqdn}{}",
                    r.name,
                    c.name,
                    c.priority,
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
        Some(f) => format!("{f}:{}", pkt.port),
        None => format!("{}:{}", pkt.dest, pkt.port),
    };
    FirewallDecision {
        allowed: false,
        element,
        detail: if own.is_none() {
            format!("firewall {} has no policy: every flow is denied ({what})", fw.name)
        } else {
            format!(
                "no network or application rule of firewall {} matches {what}: denied by default",
                fw.name
            )
        },
        snat: Snat::None,
        notes,
    }
}
