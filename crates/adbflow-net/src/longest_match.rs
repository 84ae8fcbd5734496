//! Longest-prefix match in one binary search.
//!
//! Prefixes grouped by length answer "the longest prefix holding this address" with a binary
//! search per length, longest first, until one holds it. The routes a subnet shares from the tag
//! file (`Storage.EastUS2` and `AzureActiveDirectory`: ~340 prefixes of ~15 lengths) hold few of
//! the addresses a check asks about (private ones, the region's control plane), and for each of
//! those every length was searched in memory no other step of the walk touches.
//!
//! CIDR prefixes are nested or disjoint, never overlapping otherwise, so they cut the address
//! space into consecutive ranges in each of which one prefix (or none) is the longest holding
//! every address. [`LongestMatch`] keeps those ranges by their first address; a lookup is one
//! search for the range an address falls in. Built once per tag section; a subnet's own routes
//! keep the search per length, since building a map per subnet cost more than its ~30 lookups
//! saved (twentieth round, docs/performance.md).

use ipnet::Ipv4Net;

/// The longest of a set of distinct prefixes holding an address, with the value kept for it.
#[derive(Debug, Clone, Default)]
pub(crate) struct LongestMatch<V> {
    /// The ranges' first addresses, ascending, the first 0: each range runs to the next one's.
    starts: Vec<u32>,
    /// The longest prefix holding a range's addresses (its length and value), by range.
    answers: Vec<Option<(u8, V)>>,
}

impl<V: Copy + PartialEq> LongestMatch<V> {
    /// The map of `prefixes`, each with its value. When two are equal the first is kept (callers
    /// give distinct prefixes; equal ones could only tie).
    pub(crate) fn new(prefixes: impl IntoIterator<Item = (Ipv4Net, V)>) -> Self {
        let mut sorted: Vec<(u32, u8, u64, V)> = prefixes
            .into_iter()
            .map(|(net, v)| {
                (u32::from(net.network()), net.prefix_len(), u64::from(u32::from(net.broadcast())), v)
            })
            .collect();
        // Outer before inner: by first address, then shorter first. A stable sort keeps the
        // first of equal prefixes first.
        sorted.sort_by_key(|&(start, len, _, _)| (start, len));
        sorted.dedup_by_key(|&mut (start, len, _, _)| (start, len));
        let mut map = LongestMatch { starts: Vec::new(), answers: Vec::new() };
        // The prefixes holding the address reached so far, outermost first: (last address, answer).
        let mut open: Vec<(u64, (u8, V))> = Vec::new();
        let mut at: u64 = 0;
        for (start, len, end, v) in sorted {
            let start = u64::from(start);
            map.close_before(&mut open, &mut at, start);
            if at < start {
                map.push(at, open.last().map(|&(_, a)| a));
            }
            at = start;
            open.push((end, (len, v)));
        }
        map.close_before(&mut open, &mut at, u64::from(u32::MAX) + 1);
        if at <= u64::from(u32::MAX) {
            map.push(at, None);
        }
        map
    }

    /// Ends the open prefixes that end before `next`: the range from `at` to each one's end is
    /// answered by it, and `at` moves past it.
    fn close_before(&mut self, open: &mut Vec<(u64, (u8, V))>, at: &mut u64, next: u64) {
        while let Some(&(end, answer)) = open.last() {
            if end >= next {
                break;
            }
            if *at <= end {
                self.push(*at, Some(answer));
                *at = end + 1;
            }
            open.pop();
        }
    }

    /// A range starting at `start`, merged with the one before when they answer alike.
    fn push(&mut self, start: u64, answer: Option<(u8, V)>) {
        if self.answers.last() == Some(&answer) {
            return;
        }
        // `start` is an address: the ranges only run past the last address when it is closed.
        let Ok(start) = u32::try_from(start) else { return };
        self.starts.push(start);
        self.answers.push(answer);
    }

    /// The longest prefix holding `ip`: its length and value.
    pub(crate) fn get(&self, ip: u32) -> Option<(u8, V)> {
        let i = self.starts.partition_point(|&s| s <= ip);
        self.answers.get(i.checked_sub(1)?).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a scan of every prefix answers: the longest holding `ip`, the first of equal ones.
    fn scanned(prefixes: &[(Ipv4Net, u32)], ip: u32) -> Option<(u8, u32)> {
        let mut best: Option<(u8, u32)> = None;
        for (net, v) in prefixes {
            if net.contains(&std::net::Ipv4Addr::from(ip)) && best.is_none_or(|(l, _)| net.prefix_len() > l) {
                best = Some((net.prefix_len(), *v));
            }
        }
        best
    }

    fn net(s: &str) -> Ipv4Net {
        s.parse::<Ipv4Net>().map(|n| n.trunc()).unwrap()
    }

    #[test]
    fn nested_prefixes_answer_the_innermost_and_the_outer_around_it() {
        let m = LongestMatch::new([(net("10.0.0.0/8"), 1), (net("10.1.0.0/16"), 2), (net("10.1.2.0/24"), 3)]);
        let at = |s: &str| m.get(u32::from(s.parse::<std::net::Ipv4Addr>().unwrap()));
        assert_eq!(at("9.255.255.255"), None);
        assert_eq!(at("10.0.0.0"), Some((8, 1)));
        assert_eq!(at("10.1.0.0"), Some((16, 2)));
        assert_eq!(at("10.1.2.255"), Some((24, 3)));
        assert_eq!(at("10.1.3.0"), Some((16, 2)));
        assert_eq!(at("10.2.0.0"), Some((8, 1)));
        assert_eq!(at("11.0.0.0"), None);
    }

    #[test]
    fn the_whole_space_and_its_last_address() {
        let m = LongestMatch::new([(net("0.0.0.0/0"), 7), (net("255.255.255.255/32"), 8)]);
        assert_eq!(m.get(0), Some((0, 7)));
        assert_eq!(m.get(u32::MAX - 1), Some((0, 7)));
        assert_eq!(m.get(u32::MAX), Some((32, 8)));
        let empty: LongestMatch<u32> = LongestMatch::new([]);
        assert_eq!(empty.get(0), None);
        assert_eq!(empty.get(u32::MAX), None);
    }

    #[test]
    fn the_first_of_equal_prefixes_is_kept() {
        let m = LongestMatch::new([(net("10.0.0.0/8"), 1), (net("10.0.0.0/8"), 2)]);
        assert_eq!(m.get(u32::from(std::net::Ipv4Addr::new(10, 9, 9, 9))), Some((8, 1)));
    }

    fn prefixes() -> impl Strategy<Value = Vec<(Ipv4Net, u32)>> {
        // Addresses from a small space, so that prefixes nest and touch often.
        let one = (0u32..64, 0u8..=32).prop_map(|(a, len)| {
            let addr = std::net::Ipv4Addr::from(0x0a00_0000 | (a << 2) | (a >> 3));
            Ipv4Net::new(addr, len).map(|n| n.trunc()).unwrap()
        });
        prop::collection::vec(one, 0..24).prop_map(|nets| (0u32..).zip(nets).map(|(v, n)| (n, v)).collect())
    }

    proptest! {
        #[test]
        fn answers_as_a_scan_of_every_prefix(prefixes in prefixes(), probes in prop::collection::vec(any::<u32>(), 32)) {
            let m = LongestMatch::new(prefixes.iter().copied());
            // Every range's edges, and addresses anywhere.
            let mut ips: Vec<u32> = probes;
            for (n, _) in &prefixes {
                let (a, b) = (u32::from(n.network()), u32::from(n.broadcast()));
                ips.extend([a, b, a.wrapping_sub(1), b.wrapping_add(1)]);
            }
            for ip in ips {
                prop_assert_eq!(m.get(ip), scanned(&prefixes, ip), "{:?} at {}", prefixes, ip);
            }
        }
    }
}
