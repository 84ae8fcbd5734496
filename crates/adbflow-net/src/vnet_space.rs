//! The address space the `VirtualNetwork` tag stands for in one subnet's NSG rules, asked "does it
//! hold this address?" by binary search.
//!
//! Owner: nsg (membership only; which prefixes belong is `nsg::virtual_network_prefixes`).
//!
//! A hub peered with thousands of spokes holds thousands of ranges, and every packet an NSG in the
//! hub looked at scanned them all, for `VirtualNetwork` and again for `Internet`: with 5,000 spokes
//! that made NSG evaluation grow with the estate in every flow reaching the hub.

use crate::address::DestAddr;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VirtualNetworkSpace {
    /// Every prefix but 0.0.0.0/0 as first and last address, overlapping and adjacent ones merged,
    /// sorted.
    spans: Vec<(u32, u32)>,
    /// Whether a 0.0.0.0/0 is among the prefixes (a default UDR puts it there).
    has_default: bool,
}

impl VirtualNetworkSpace {
    /// The space of `prefixes` (as `nsg::virtual_network_prefixes` returns them).
    pub fn new(prefixes: &[Ipv4Net]) -> Self {
        let mut ranges: Vec<(u32, u32)> = prefixes
            .iter()
            .filter(|p| p.prefix_len() > 0)
            .map(|p| (u32::from(p.network()), u32::from(p.broadcast())))
            .collect();
        ranges.sort_unstable();
        let mut spans: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (first, last) in ranges {
            match spans.last_mut() {
                Some(open) if u64::from(first) <= u64::from(open.1) + 1 => open.1 = open.1.max(last),
                _ => spans.push((first, last)),
            }
        }
        let has_default = prefixes.iter().any(|p| p.prefix_len() == 0);
        VirtualNetworkSpace { spans, has_default }
    }

    /// Whether some prefix covers `addr` (`DestAddr::in_prefix` of any of them): a symbolic
    /// public address only when 0.0.0.0/0 is among them.
    pub fn covers(&self, addr: &DestAddr) -> bool {
        self.has_default || self.covers_without_default(addr)
    }

    /// `covers`, leaving 0.0.0.0/0 out: a default route redirects traffic, it does not make the
    /// internet part of the VNet (see `Internet` in nsg).
    pub fn covers_without_default(&self, addr: &DestAddr) -> bool {
        addr.ip.is_some_and(|ip| self.holds(ip))
    }

    fn holds(&self, ip: Ipv4Addr) -> bool {
        let ip = u32::from(ip);
        let after = self.spans.partition_point(|&(first, _)| first <= ip);
        after > 0 && self.spans.get(after - 1).is_some_and(|&(_, last)| ip <= last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn net(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    #[test]
    fn nested_adjacent_and_default_prefixes() {
        let space = VirtualNetworkSpace::new(&[net("10.0.0.0/16"), net("10.0.4.0/24"), net("10.1.0.0/16")]);
        let at = |s: &str| DestAddr::ip(s.parse().unwrap());
        assert!(space.covers(&at("10.0.4.9")));
        // Past the nested /24: still inside the /16 that holds it.
        assert!(space.covers(&at("10.0.200.1")));
        assert!(space.covers(&at("10.1.255.255")));
        assert!(!space.covers(&at("10.2.0.0")));
        assert!(!space.covers(&at("9.255.255.255")));
        assert!(!space.covers(&DestAddr::symbolic(vec!["Storage".into()], None)));
        let forced = VirtualNetworkSpace::new(&[net("0.0.0.0/0"), net("10.0.0.0/16")]);
        assert!(forced.covers(&at("8.8.8.8")));
        assert!(!forced.covers_without_default(&at("8.8.8.8")));
        assert!(forced.covers_without_default(&at("10.0.1.1")));
        assert!(forced.covers(&DestAddr::symbolic(Vec::new(), None)));
        assert!(!forced.covers_without_default(&DestAddr::symbolic(Vec::new(), None)));
    }

    #[test]
    fn the_top_of_the_address_space_is_held() {
        let space = VirtualNetworkSpace::new(&[net("255.255.255.0/24"), net("255.255.255.255/32")]);
        assert!(space.covers(&DestAddr::ip(Ipv4Addr::BROADCAST)));
        assert!(!space.covers(&DestAddr::ip(Ipv4Addr::new(255, 255, 254, 255))));
    }

    proptest! {
        /// The binary search answers what scanning every prefix answers.
        #[test]
        fn agrees_with_scanning_every_prefix(
            raw in proptest::collection::vec((any::<u32>(), 1u8..=32), 0..40),
            with_default in any::<bool>(),
            probes in proptest::collection::vec(any::<u32>(), 1..40),
        ) {
            let mut prefixes: Vec<Ipv4Net> = raw
                .iter()
                // Clustered in a /8 and its neighbour so that prefixes overlap and touch.
                .map(|&(a, len)| Ipv4Net::new(Ipv4Addr::from(0x0a00_0000 | (a & 0x01ff_ffff)), len).unwrap().trunc())
                .collect();
            if with_default {
                prefixes.push(Ipv4Net::default());
            }
            prefixes.sort();
            prefixes.dedup();
            let space = VirtualNetworkSpace::new(&prefixes);
            let probes = probes.iter().map(|&p| Ipv4Addr::from(0x0a00_0000 | (p & 0x01ff_ffff)));
            for ip in probes.chain([Ipv4Addr::new(9, 255, 255, 255), Ipv4Addr::new(12, 0, 0, 0)]) {
                let addr = DestAddr::ip(ip);
                prop_assert_eq!(space.covers(&addr), prefixes.iter().any(|p| addr.in_prefix(p)));
                prop_assert_eq!(
                    space.covers_without_default(&addr),
                    prefixes.iter().any(|p| p.prefix_len() > 0 && addr.in_prefix(p))
                );
            }
        }
    }
}
