//! DNS resolution from a VNet's point of view (domain notes §6.1, PEDNS): Azure-provided DNS sees
//! the private zones linked to the VNet; a firewall DNS proxy or custom DNS server changes whose
//! links count. A public name of a resource with a private endpoint CNAMEs into its privatelink
//! zone; a linked zone answers with the endpoint's IP, an unlinked one leaves the public answer,
//! and a linked zone without the record fails (NXDOMAIN).

use crate::address::DestAddr;
use crate::resources::{NamedEndpoint, Names};
use crate::text;
use crate::trace::DnsAnswer;
use adbflow_model::{
    ids, ElementRef, Estate, PrivateDnsZone, PrivateEndpoint, ResolutionPolicy, SharedStr, VNet,
};
use std::net::Ipv4Addr;

/// Who answers a VNet's queries, and whose zone links it sees. It borrows nothing, so a network
/// works it out once per VNet ([`crate::Network::resolver`]) for every walk from it.
#[derive(Debug, Clone)]
pub struct Resolver {
    /// The name of the VNet whose private-zone links are visible; `None` when only public DNS is
    /// visible.
    pub view: Option<SharedStr>,
    /// A sentence naming the resolver.
    pub description: SharedStr,
    /// The element that made this the resolver (VNet DNS settings, firewall policy, …).
    pub element: ElementRef,
    /// True when the resolver's behaviour is assumed, not known from the estate.
    pub inferred: bool,
    /// Set when the configured resolver cannot answer at all.
    pub broken: Option<String>,
    /// A custom DNS server's address: the walk checks that queries can reach it.
    pub custom_server: Option<Ipv4Addr>,
}

/// Decide which resolver serves clients in `vnet`.
pub fn resolver_for(estate: &Estate, vnet: &VNet) -> Resolver {
    let vnet_el = ElementRef::new(ids::vnet(&vnet.name), vnet.name.clone(), vnet.origin.clone());
    let Some(&server) = vnet.dns_servers.first() else {
        return Resolver {
            view: Some(vnet.name.as_str().into()),
            description: text!(
                "Azure-provided DNS (168.63.129.16) with the private zones linked to ",
                vnet.name
            )
            .into(),
            element: vnet_el,
            inferred: false,
            broken: None,
            custom_server: None,
        };
    };
    if let Some(fw) = estate.firewalls.iter().find(|f| f.private_ip == server) {
        let policy = fw.policy.as_deref().and_then(|p| estate.firewall_policy(p));
        let fw_el = match policy {
            Some(p) => ElementRef::new(ids::firewall_policy(&p.name), p.name.clone(), p.origin.clone()),
            None => ElementRef::new(ids::firewall(&fw.name), fw.name.clone(), fw.origin.clone()),
        };
        if !policy.is_some_and(|p| p.dns_proxy) {
            return Resolver {
                view: None,
                description: format!("firewall {} at {server}", fw.name).into(),
                element: fw_el,
                inferred: false,
                broken: Some(format!(
                    "{} uses firewall {} ({server}) as its DNS server, but the firewall's DNS proxy is not enabled, so nothing answers on port 53",
                    vnet.name, fw.name
                )),
                custom_server: None,
            };
        }
        return Resolver {
            view: estate.vnet(&fw.vnet).map(|v| v.name.as_str().into()),
            description: text!(
                "firewall ",
                fw.name,
                " DNS proxy (",
                server,
                "), forwarding to Azure DNS with the zones linked to ",
                fw.vnet
            )
            .into(),
            element: fw_el,
            inferred: false,
            broken: None,
            custom_server: None,
        };
    }
    if let Some(host_vnet) = estate.vnet_containing(server) {
        return Resolver {
            view: Some(host_vnet.name.as_str().into()),
            description: format!(
                "custom DNS server {server} in {}, assumed to forward to Azure DNS with the zones linked to {}",
                host_vnet.name, host_vnet.name
            )
            .into(),
            element: vnet_el,
            inferred: true,
            broken: None,
            custom_server: Some(server),
        };
    }
    Resolver {
        view: None,
        description: format!(
            "custom DNS server {server} outside the modelled VNets (e.g. on-premises), assumed to resolve public names only: it sees no private zone unless it forwards privatelink zones to Azure DNS"
        )
        .into(),
        element: vnet_el,
        inferred: true,
        broken: None,
        custom_server: Some(server),
    }
}

/// The result of resolving a name.
#[derive(Debug, Clone)]
pub enum Outcome<'a> {
    Resolved {
        dest: DestAddr,
        /// What the estate knows about the name the client asked for.
        endpoint: Option<NamedEndpoint<'a>>,
        /// The private endpoint whose IP the answer is.
        private_endpoint: Option<&'a PrivateEndpoint>,
        /// The element whose data gave the final answer (zone record, endpoint, storage account).
        answered_by: ElementRef,
        /// True when the name is not modelled and assumed to be a public internet address.
        assumed_public: bool,
    },
    Failed {
        element: ElementRef,
        message: String,
    },
}

#[derive(Debug, Clone)]
pub struct Resolution<'a> {
    pub resolver: Resolver,
    pub answers: Vec<DnsAnswer>,
    pub outcome: Outcome<'a>,
}

fn zone_el(z: &PrivateDnsZone) -> ElementRef {
    ElementRef::new(ids::dns_zone(&z.name), z.name.clone(), z.origin.clone())
}

/// The most specific linked private zone that is authoritative for `name`.
/// The zone answering `name` for `view` (with its position in `estate.private_dns_zones`): the
/// longest linked zone that is `name` or a suffix of it.
fn authoritative_zone<'a>(
    estate: &'a Estate,
    view: Option<&str>,
    name: &str,
) -> Option<(usize, &'a PrivateDnsZone, ResolutionPolicy)> {
    let view = view?;
    estate
        .private_dns_zones
        .iter()
        .enumerate()
        .filter_map(|(i, z)| {
            let link = z.links.iter().find(|l| l.vnet == view)?;
            within_zone(name, &z.name).then_some((i, z, link.resolution_policy))
        })
        .max_by_key(|(_, z, _)| z.name.len())
}

/// `name` is `zone` lower-cased, or a name under it (compared in place: this runs for every
/// linked zone at every lookup).
fn within_zone(name: &str, zone: &str) -> bool {
    let (n, z) = (name.as_bytes(), zone.as_bytes());
    let is_zone = |a: &[u8]| a.len() == z.len() && a.iter().zip(z).all(|(a, z)| *a == z.to_ascii_lowercase());
    is_zone(n) || (n.len() > z.len() && n[n.len() - z.len() - 1] == b'.' && is_zone(&n[n.len() - z.len()..]))
}

fn relative(name: &str, zone: &str) -> String {
    if name == zone {
        "@".to_string()
    } else {
        name[..name.len() - zone.len() - 1].to_string()
    }
}

/// Resolve `fqdn` for a client whose VNet uses `resolver`.
pub fn resolve<'a>(estate: &'a Estate, resolver: Resolver, fqdn: &str) -> Resolution<'a> {
    resolve_in(&Names::new(estate), estate, resolver, fqdn)
}

/// `resolve` with the estate's names already indexed (`names` must be built from `estate`).
pub fn resolve_in<'a>(names: &Names, estate: &'a Estate, resolver: Resolver, fqdn: &str) -> Resolution<'a> {
    let asked = fqdn.trim_end_matches('.').to_ascii_lowercase();
    let endpoint = names.lookup(estate, &asked);
    let mut answers = Vec::new();
    if let Some(msg) = &resolver.broken {
        let outcome = Outcome::Failed { element: resolver.element.clone(), message: msg.clone() };
        return Resolution { resolver, answers, outcome };
    }
    let mut name = asked.clone();
    // A CNAME chain is at most: public name → privatelink name → answer.
    for _ in 0..4 {
        if let Some((zone_ix, zone, policy)) = authoritative_zone(estate, resolver.view.as_deref(), &name) {
            let rel = relative(&name, &zone.name.to_ascii_lowercase());
            if let Some(rec) = names.zone_record(estate, zone_ix, &rel) {
                answers.push(DnsAnswer {
                    name: name.clone(),
                    record_type: "A",
                    data: rec.ips.iter().map(|i| text!(i)).collect(),
                    source: text!("private DNS zone ", zone.name).into(),
                });
                let answered_by = ElementRef::new(
                    ids::dns_record(&zone.name, &rec.name),
                    text!(rec.name, ".", zone.name),
                    rec.origin.clone().or_else(|| zone.origin.clone()),
                );
                let ip = rec.ips.first().copied();
                let pe = ip.and_then(|ip| names.private_endpoint_at(estate, ip));
                let dest = match ip {
                    Some(ip) => dest_for_ip_in(names, estate, ip),
                    None => DestAddr::default(),
                };
                let outcome = Outcome::Resolved {
                    dest,
                    endpoint,
                    private_endpoint: pe,
                    answered_by,
                    assumed_public: false,
                };
                return Resolution { resolver, answers, outcome };
            }
            if policy == ResolutionPolicy::Default {
                let message = format!(
                    "{name} is inside private DNS zone {} linked to {}, which has no record '{rel}': NXDOMAIN",
                    zone.name,
                    resolver.view.as_deref().unwrap_or("?")
                );
                let outcome = Outcome::Failed { element: zone_el(zone), message };
                return Resolution { resolver, answers, outcome };
            }
            // NxDomainRedirect: fall back to public resolution.
        }
        // The name asked was looked up above; a name it led to (a CNAME target) was not. The
        // endpoint is borrowed to look at, and moved into the outcome when it answers.
        let target = if name == asked { None } else { names.lookup(estate, &name) };
        let public = target.as_ref().or(endpoint.as_ref());
        if let Some(ep) = public {
            let has_pe = match (&ep.resource, &ep.subresource) {
                (Some(r), Some(s)) => names.has_private_endpoint(r, s),
                _ => false,
            };
            if has_pe && name == ep.fqdn {
                if let Some(pl) = ep.private_link_fqdn() {
                    answers.push(DnsAnswer {
                        name: name.clone(),
                        record_type: "CNAME",
                        data: vec![pl.clone()],
                        source: "public DNS (the resource has a private endpoint)".into(),
                    });
                    name = pl;
                    continue;
                }
            }
            answers.push(DnsAnswer {
                name: ep.fqdn.clone(),
                record_type: "A",
                data: if ep.ips.is_empty() {
                    vec![text!(
                        "<public address in ",
                        ep.tags.first().map(String::as_str).unwrap_or("Internet"),
                        ">"
                    )]
                } else {
                    ep.ips.iter().map(|i| text!(i)).collect()
                },
                source: "public DNS".into(),
            });
            let dest =
                DestAddr { ip: ep.ips.first().copied(), tags: ep.tags.clone(), region: ep.region.clone() };
            let answered_by = ep.element.clone();
            let outcome = Outcome::Resolved {
                dest,
                answered_by,
                endpoint: target.or(endpoint),
                private_endpoint: None,
                assumed_public: false,
            };
            return Resolution { resolver, answers, outcome };
        }
        answers.push(DnsAnswer {
            name: name.clone(),
            record_type: "A",
            data: vec!["<public internet address>".into()],
            source: "public DNS (name not modelled)".into(),
        });
        let outcome = Outcome::Resolved {
            dest: DestAddr::symbolic(Vec::new(), None),
            endpoint: None,
            private_endpoint: None,
            answered_by: ElementRef::new(format!("dns-name:{name}"), name.clone(), None),
            assumed_public: true,
        };
        return Resolution { resolver, answers, outcome };
    }
    let outcome = Outcome::Failed {
        element: resolver.element.clone(),
        message: format!("CNAME chain for {asked} is too long"),
    };
    Resolution { resolver, answers, outcome }
}

/// What the estate knows about a literal address: a known endpoint's tags and region, or bare.
pub fn dest_for_ip(estate: &Estate, ip: Ipv4Addr) -> DestAddr {
    dest_for_ip_in(&Names::new(estate), estate, ip)
}

/// `dest_for_ip` with the estate's names already indexed.
pub fn dest_for_ip_in(names: &Names, estate: &Estate, ip: Ipv4Addr) -> DestAddr {
    match names.lookup_ip(estate, ip) {
        Some(ep) => DestAddr { ip: Some(ip), tags: ep.tags, region: ep.region },
        None => DestAddr::ip(ip),
    }
}

#[cfg(test)]
mod tests {
    use super::within_zone;
    use proptest::prelude::*;

    /// What `within_zone` replaces: the zone lower-cased, then compared.
    fn lowered(name: &str, zone: &str) -> bool {
        let zn = zone.to_ascii_lowercase();
        name == zn || name.ends_with(&format!(".{zn}"))
    }

    #[test]
    fn names_in_and_out_of_a_zone() {
        let zone = "privatelink.Blob.core.windows.net";
        for (name, inside) in [
            ("privatelink.blob.core.windows.net", true),
            ("sa1.privatelink.blob.core.windows.net", true),
            ("SA1.privatelink.blob.core.windows.net", true),
            ("sa1.privatelink.Blob.core.windows.net", false),
            ("xprivatelink.blob.core.windows.net", false),
            ("blob.core.windows.net", false),
            ("", false),
            ("é.privatelink.blob.core.windows.net", true),
        ] {
            assert_eq!(within_zone(name, zone), inside, "{name}");
            assert_eq!(lowered(name, zone), inside, "{name}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_comparing_the_lowered_zone(name in "[a-zA-Z.é]{0,12}", zone in "[a-zA-Z.é]{0,6}") {
            prop_assert_eq!(within_zone(&name, &zone), lowered(&name, &zone));
        }
    }
}
