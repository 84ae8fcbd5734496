//! Which source addresses the estate's rules tell apart.
//!
//! Why: a workspace's two cluster subnets send the same flows, and when their settings are the
//! same, the one thing their walks can still decide differently is the source address each NIC
//! sends from. Rules match a source by prefix (NSG rules, firewall rules and their IP groups), by
//! a tag whose prefixes are known here (`VirtualNetwork`: VNet spaces, peered spaces, on-premises
//! and UDR prefixes; `Internet`: the private ranges), or by a service tag from the tag file. Two
//! addresses between which no such prefix begins or ends, and which every service tag a rule
//! names holds alike, meet every rule alike.

use crate::address::{DestAddr, AZURE_HOST_VIP, PRIVATE_RANGES};
use crate::firewall::CompiledFirewall;
use crate::tags::ServiceTags;
use adbflow_model::{AddressSpec, Estate, RouteDestination};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

pub(crate) struct SourceClasses {
    /// Where a prefix some rule can match a source by begins, and one past where it ends;
    /// sorted, each once.
    boundaries: Vec<u64>,
    /// The service tags NSG rules name as a source, other than those whose prefixes are above:
    /// their prefixes come from the tag file, so addresses are checked against them directly.
    tags: Vec<String>,
}

impl SourceClasses {
    pub(crate) fn new(estate: &Estate, firewalls: &[CompiledFirewall]) -> Self {
        let mut prefixes: Vec<Ipv4Net> = PRIVATE_RANGES.to_vec();
        prefixes.push(Ipv4Net::from(AZURE_HOST_VIP));
        // What `VirtualNetwork` may stand for in any NSG (nsg::virtual_network_prefixes_with).
        prefixes.extend(estate.vnets.iter().flat_map(|v| v.address_space.iter().map(|p| p.0)));
        prefixes.extend(estate.gateways.iter().flat_map(|g| g.onprem_prefixes.iter().map(|p| p.0)));
        for table in &estate.route_tables {
            prefixes.extend(table.routes.iter().filter_map(|r| match r.address_prefix {
                RouteDestination::Prefix(p) => Some(p),
                _ => None,
            }));
        }
        let mut tags: Vec<String> = Vec::new();
        for rule in estate.nsgs.iter().flat_map(|n| &n.rules) {
            match &rule.source {
                Some(AddressSpec::Prefixes(ps)) => prefixes.extend(ps.iter().copied()),
                Some(AddressSpec::Tag(t)) if !is_known_here(t) && !tags.iter().any(|x| x == t) => {
                    tags.push(t.clone())
                }
                _ => {}
            }
        }
        for fw in firewalls {
            fw.source_prefixes(&mut prefixes);
        }
        let mut boundaries: Vec<u64> = prefixes
            .iter()
            .flat_map(|p| {
                let start = u64::from(u32::from(p.network()));
                [start, start + (1u64 << (32 - u32::from(p.prefix_len())))]
            })
            .collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        SourceClasses { boundaries, tags }
    }

    /// Whether every rule of the estate matches `a` as a source exactly when it matches `b`.
    pub(crate) fn alike(&self, service_tags: &ServiceTags, a: Ipv4Addr, b: Ipv4Addr) -> bool {
        let (lo, hi) = (u64::from(u32::from(a.min(b))), u64::from(u32::from(a.max(b))));
        let next = self.boundaries.partition_point(|&x| x <= lo);
        let split = self.boundaries.get(next).is_some_and(|&x| x <= hi);
        !split
            && self.tags.iter().all(|t| {
                service_tags.contains(t, &DestAddr::ip(a)) == service_tags.contains(t, &DestAddr::ip(b))
            })
    }
}

/// Tags whose addresses are among the boundaries (`VirtualNetwork`, `Internet`) or are the host
/// address alone (`AzureLoadBalancer`).
fn is_known_here(tag: &str) -> bool {
    ["VirtualNetwork", "Internet", "AzureLoadBalancer"].iter().any(|k| k.eq_ignore_ascii_case(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(boundaries: &[&str]) -> SourceClasses {
        classes_with(boundaries, None)
    }

    /// Classes of an estate with a rule per prefix in `boundaries` and, when given, one naming
    /// `tag` as its source.
    fn classes_with(boundaries: &[&str], tag: Option<&str>) -> SourceClasses {
        use adbflow_model::{Access, Direction, Nsg, NsgRule, PortSet, Protocol};
        let rule = |p: &&str| NsgRule {
            name: format!("r{p}"),
            priority: 100,
            direction: Direction::Inbound,
            access: Access::Deny,
            protocol: Protocol::Any,
            source: Some(AddressSpec::Prefixes(vec![p.parse().expect("a prefix")])),
            source_asgs: vec![],
            source_ports: PortSet::Any,
            destination: None,
            destination_asgs: vec![],
            destination_ports: PortSet::Any,
            description: None,
            managed_by: None,
            origin: None,
        };
        let mut rules: Vec<NsgRule> = boundaries.iter().map(rule).collect();
        if let Some(tag) = tag {
            let mut named = rule(&"0.0.0.0/0");
            named.source = Some(AddressSpec::Tag(tag.to_string()));
            rules.push(named);
        }
        let mut estate = Estate::default();
        estate.nsgs.push(Nsg { name: "n".into(), rules, origin: None });
        SourceClasses::new(&estate, &[])
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().expect("an address")
    }

    #[test]
    fn addresses_a_rule_prefix_separates_are_not_alike() {
        let c = classes(&["10.1.0.0/26"]);
        let tags = ServiceTags::symbolic();
        assert!(c.alike(&tags, ip("10.1.0.4"), ip("10.1.0.60")), "both inside the /26");
        assert!(!c.alike(&tags, ip("10.1.0.4"), ip("10.1.0.68")), "one inside, one outside");
        assert!(c.alike(&tags, ip("10.1.0.68"), ip("10.1.0.132")), "both outside, both in 10/8");
        assert!(!c.alike(&tags, ip("10.1.0.68"), ip("11.0.0.1")), "10/8 is a private range");
        assert!(c.alike(&tags, ip("10.1.0.63"), ip("10.1.0.0")), "the prefix's own ends, either order");
    }

    // A service tag's prefixes come from the tag file: two addresses are alike only if the file
    // puts both or neither in it, whatever the boundaries say.
    #[test]
    fn a_service_tag_named_as_a_source_tells_apart_what_the_tag_file_does() {
        let json = r#"{"changeNumber": 1, "cloud": "Public", "values": [
            {"name": "Jumphosts", "id": "Jumphosts", "properties": {"addressPrefixes": ["10.1.0.0/28"]}}]}"#;
        let tags = ServiceTags::from_json("tags.json", json).expect("a tag file");
        let c = classes_with(&[], Some("Jumphosts"));
        assert!(!c.alike(&tags, ip("10.1.0.4"), ip("10.1.0.68")), "one in the tag, one not");
        assert!(c.alike(&tags, ip("10.1.0.68"), ip("10.1.0.132")), "neither in the tag");
        assert!(
            c.alike(&ServiceTags::symbolic(), ip("10.1.0.4"), ip("10.1.0.68")),
            "no tag file: no prefixes"
        );
        let virtual_network = classes_with(&[], Some("VirtualNetwork"));
        assert!(virtual_network.tags.is_empty(), "VirtualNetwork's prefixes are among the boundaries");
    }

    #[test]
    fn the_whole_address_space_and_its_last_address_are_handled() {
        let c = classes(&["0.0.0.0/0", "255.255.255.255/32"]);
        let tags = ServiceTags::symbolic();
        assert!(!c.alike(&tags, ip("255.255.255.254"), ip("255.255.255.255")));
        assert!(c.alike(&tags, ip("203.0.113.1"), ip("203.0.113.200")));
    }
}
