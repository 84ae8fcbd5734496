//! Route selection without scanning a subnet's whole route list.
//!
//! `routes::select` is linear in the routes, and the subnet every firewalled packet leaves from
//! (`AzureFirewallSubnet` in a hub) holds a peering route per spoke and a /32 per private endpoint,
//! so a check of every flow was quadratic in the estate. `RouteIndex` is built once per route list
//! and answers exactly what `routes::select` answers:
//!
//! - an exact IP: one binary search per distinct prefix length, longest first, plus the few
//!   tag-prefixed routes checked one by one;
//! - a symbolic destination (known only by its tags and region): the linear `select`, remembered
//!   per (tags, region), since a check asks about the same handful of Azure services from every
//!   subnet many times.

use crate::address::DestAddr;
use crate::routes::{
    self, EffectiveRoute, MatchRank, RouteList, RoutePrefix, SectionPlaces, SubnetRoutes, TagSection,
};
use crate::tags::{ServiceTags, TagPrefixes};
use ipnet::Ipv4Net;
use std::cmp::Reverse;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

/// A symbolic destination's answer: what it depends on besides the routes and the tag data (its
/// tags and region), and the position chosen. A subnet is asked about a handful of Azure services,
/// so the memo is a short list searched by comparison: no key is built or hashed to look one up.
type SymbolicAnswer = (Vec<String>, Option<String>, Option<usize>);

#[derive(Debug, Default)]
pub struct RouteIndex {
    /// Active CIDR routes grouped by prefix length, longest first: `(length, [(network, position)])`
    /// with networks sorted. Each network keeps only the route `select` would prefer among those
    /// with that exact prefix (highest precedence, then the earliest).
    by_length: Vec<(u8, Vec<(u32, usize)>)>,
    /// Positions of the Active tag-prefixed routes, in list order.
    tag_routes: Vec<usize>,
    /// `select`'s answer (a position) for symbolic destinations already asked about; shared with
    /// the copies made for twin subnets (same routes, same positions), so an answer found from
    /// either serves both.
    symbolic: Arc<Mutex<Vec<SymbolicAnswer>>>,
    /// A subnet's shared routes, indexed by their section, and where they are in the list; the
    /// fields above index the rest.
    section: Option<(Arc<TagSection>, SectionPlaces)>,
}

/// A copy for a list of the same routes (a twin subnet's), sharing the remembered answers.
impl Clone for RouteIndex {
    fn clone(&self) -> Self {
        RouteIndex {
            by_length: self.by_length.clone(),
            tag_routes: self.tag_routes.clone(),
            symbolic: Arc::clone(&self.symbolic),
            section: self.section.clone(),
        }
    }
}

fn mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

impl RouteIndex {
    pub fn new<L: RouteList + ?Sized>(routes: &L) -> Self {
        Self::of_positions(routes, 0..routes.route_count())
    }

    /// The index of a subnet's routes: its own indexed here, its section's by the section.
    pub fn of_subnet(routes: &SubnetRoutes) -> Self {
        match routes.section() {
            Some((section, places)) => {
                let mut index = Self::of_positions(routes, routes.own_positions());
                index.section = Some((Arc::clone(section), places.clone()));
                index
            }
            None => Self::new(routes),
        }
    }

    /// The index of the routes at `positions` (in order) of `routes`.
    fn of_positions<L: RouteList + ?Sized>(
        routes: &L,
        positions: impl Iterator<Item = usize> + Clone,
    ) -> Self {
        let positions = || positions.clone();
        // A bucket per prefix length, each in list order, then sorted by network and position:
        // equal prefixes stay in list order, and the sort needs no scratch buffer (a stable
        // sort's took fresh memory for every subnet).
        // Each bucket sized first: filled a push at a time, the service-endpoint routes' buckets
        // were copied as they grew, a tenth of indexing.
        let mut sizes = [0usize; 33];
        for i in positions().filter(|&i| routes.is_active(i)) {
            if let RoutePrefix::Cidr(net) = routes.prefix(i) {
                sizes[usize::from(net.prefix_len())] += 1;
            }
        }
        let mut by_len: Vec<Vec<(u32, usize)>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
        let mut tag_routes = Vec::new();
        for i in positions().filter(|&i| routes.is_active(i)) {
            match routes.prefix(i) {
                RoutePrefix::Cidr(net) => {
                    by_len[usize::from(net.prefix_len())].push((u32::from(net.network()), i))
                }
                RoutePrefix::Tag(_) => tag_routes.push(i),
            }
        }
        let mut by_length: Vec<(u8, Vec<(u32, usize)>)> = Vec::new();
        for (len, mut nets) in (0u8..=32).zip(by_len).rev() {
            if nets.is_empty() {
                continue;
            }
            nets.sort_unstable();
            // Equal prefixes differ only in precedence; on a tie the earlier route, as `select` does.
            nets.dedup_by(|later, kept| {
                if later.0 != kept.0 {
                    return false;
                }
                if routes.precedence(later.1) > routes.precedence(kept.1) {
                    kept.1 = later.1;
                }
                true
            });
            by_length.push((len, nets));
        }
        RouteIndex { by_length, tag_routes, symbolic: Arc::default(), section: None }
    }

    /// `routes::select(routes, dest, tags)`, where `routes` is the list this index was built from.
    pub fn select<'r>(
        &self,
        routes: &'r [EffectiveRoute],
        dest: &DestAddr,
        tags: &ServiceTags,
    ) -> Option<&'r EffectiveRoute> {
        self.select_position(routes, dest, tags).map(|i| &routes[i])
    }

    /// `routes::select_position(routes, dest, tags)`, where `routes` is the list this index was
    /// built from.
    pub fn select_position<L: RouteList + ?Sized>(
        &self,
        routes: &L,
        dest: &DestAddr,
        tags: &ServiceTags,
    ) -> Option<usize> {
        match dest.ip {
            Some(ip) => self.select_ip(routes, ip, dest, tags),
            None => self.select_symbolic(routes, dest, tags),
        }
    }

    fn select_ip<L: RouteList + ?Sized>(
        &self,
        routes: &L,
        ip: Ipv4Addr,
        dest: &DestAddr,
        tags: &ServiceTags,
    ) -> Option<usize> {
        let mut best: Option<(MatchRank, usize)> = self.longest_cidr(routes, ip);
        if let Some((section, places)) = &self.section {
            if let Some((len, e)) = section.longest_holding_ip(ip) {
                let i = places.position(e as usize);
                let rank = routes::cidr_rank(routes.precedence(i), len);
                // Its own routes and the section's have no prefix in common (the section's win
                // equal ones), so no two matches tie; the larger rank wins.
                if best.is_none_or(|(b, _)| rank > b) {
                    best = Some((rank, i));
                }
            }
        }
        for &i in &self.tag_routes {
            let Some(rank) = routes::match_rank(routes, i, dest, tags, &[]) else { continue };
            // The larger rank wins; on equal ranks the earlier route, as in the linear scan.
            let better = best.is_none_or(|(b, bi)| rank > b || (rank == b && i < bi));
            if better {
                best = Some((rank, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// The preferred CIDR route holding `ip` with the longest prefix, and its rank.
    fn longest_cidr<L: RouteList + ?Sized>(&self, routes: &L, ip: Ipv4Addr) -> Option<(MatchRank, usize)> {
        let ip = u32::from(ip);
        self.by_length.iter().find_map(|(len, nets)| {
            let key = ip & mask(*len);
            let i = nets.binary_search_by_key(&key, |&(n, _)| n).ok()?;
            let pos = nets[i].1;
            Some((routes::cidr_rank(routes.precedence(pos), *len), pos))
        })
    }

    fn select_symbolic<L: RouteList + ?Sized>(
        &self,
        routes: &L,
        dest: &DestAddr,
        tags: &ServiceTags,
    ) -> Option<usize> {
        let asked = |(t, r, _): &&SymbolicAnswer| *t == dest.tags && *r == dest.region;
        if let Some((_, _, hit)) = self.lock().iter().find(asked) {
            return *hit;
        }
        let answer = self.select_symbolic_uncached(routes, dest, tags);
        let mut memo = self.lock();
        // Another thread may have answered the same question meanwhile; one entry is enough.
        if !memo.iter().any(|e| asked(&e)) {
            memo.push((dest.tags.clone(), dest.region.clone(), answer));
        }
        answer
    }

    /// `routes::select_position` for a destination without an address, from the index.
    ///
    /// A CIDR route of length 1 or more carries such a destination only by holding a whole
    /// published prefix of one of its tags, and then outranks every tag route and 0.0.0.0/0
    /// (longer, or as long and explicit): the longest length with such a route decides, by
    /// precedence and then list order. Only when none holds one do 0.0.0.0/0 and the tag routes
    /// compete, ranked as the linear scan ranks them.
    fn select_symbolic_uncached<L: RouteList + ?Sized>(
        &self,
        routes: &L,
        dest: &DestAddr,
        tags: &ServiceTags,
    ) -> Option<usize> {
        let dest_tags: Vec<TagPrefixes<'_>> = dest.tags.iter().filter_map(|t| tags.resolve(t)).collect();
        if !dest_tags.is_empty() {
            let preferred =
                |a: usize, b: usize| (routes.precedence(a), Reverse(a)) > (routes.precedence(b), Reverse(b));
            let own = self.by_length.iter().filter(|(len, _)| *len > 0).find_map(|(len, nets)| {
                let holding = nets
                    .iter()
                    .filter(|&&(network, _)| {
                        Ipv4Net::new(Ipv4Addr::from(network), *len)
                            .is_ok_and(|net| dest_tags.iter().any(|t| t.any_within(&net)))
                    })
                    .map(|&(_, pos)| pos);
                holding
                    .reduce(|best, pos| if preferred(pos, best) { pos } else { best })
                    .map(|pos| (*len, pos))
            });
            let shared = self.section.as_ref().and_then(|(section, places)| {
                section
                    .holding_tags(&dest.tags, &dest_tags)
                    .map(|(len, e)| (len, places.position(e as usize)))
            });
            // The longest length holding one decides; at equal lengths, as within one length.
            let decided = match (own, shared) {
                (Some((lo, o)), Some((ls, s))) if lo == ls => Some(if preferred(s, o) { s } else { o }),
                (Some((lo, o)), Some((ls, s))) => Some(if ls > lo { s } else { o }),
                (own, shared) => own.or(shared).map(|(_, pos)| pos),
            };
            if decided.is_some() {
                return decided;
            }
        }
        let mut rest: Vec<usize> = self
            .by_length
            .iter()
            .filter(|(len, _)| *len == 0)
            .flat_map(|(_, nets)| nets.iter().map(|&(_, pos)| pos))
            .chain(self.tag_routes.iter().copied())
            .collect();
        rest.sort_unstable();
        let mut best: Option<(MatchRank, usize)> = None;
        for i in rest {
            let Some(rank) = routes::match_rank(routes, i, dest, tags, &dest_tags) else { continue };
            // The larger rank wins; on equal ranks the earlier route, as in the linear scan.
            if best.is_none_or(|(b, _)| rank > b) {
                best = Some((rank, i));
            }
        }
        best.map(|(_, i)| i)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SymbolicAnswer>> {
        // A panic elsewhere cannot leave the memo half-written: every entry is inserted whole.
        self.symbolic.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{RouteSource, RouteState};
    use adbflow_model::{ElementRef, NextHopType};
    use ipnet::Ipv4Net;

    fn route(i: usize, prefix: &str, source: RouteSource, hop: NextHopType, active: bool) -> EffectiveRoute {
        let prefix = match prefix.parse::<Ipv4Net>() {
            Ok(n) => RoutePrefix::Cidr(n),
            Err(_) => RoutePrefix::Tag(prefix.to_string()),
        };
        EffectiveRoute {
            source,
            state: if active { RouteState::Active } else { RouteState::Invalid },
            prefix,
            next_hop_type: hop,
            next_hop_ip: None,
            name: format!("r{i}").into(),
            element: ElementRef::new("test", "test", None),
            invalid_reason: None,
        }
    }

    /// A small deterministic generator, so the comparison covers many shapes without a dependency.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    fn random_routes(g: &mut Lcg) -> Vec<EffectiveRoute> {
        const PREFIXES: [&str; 14] = [
            "0.0.0.0/0",
            "10.0.0.0/8",
            "10.1.0.0/16",
            "10.1.2.0/24",
            "10.1.2.3/32",
            "10.1.2.0/25",
            "10.1.0.0/16",
            "20.0.0.0/8",
            "20.38.0.0/16",
            "20.38.1.0/24",
            "10.1.2.77/16",
            "Storage",
            "Storage.EastUS2",
            "AzureCloud",
        ];
        const SOURCES: [RouteSource; 3] =
            [RouteSource::Default, RouteSource::User, RouteSource::VirtualNetworkGateway];
        const HOPS: [NextHopType; 4] = [
            NextHopType::VnetLocal,
            NextHopType::VirtualAppliance,
            NextHopType::VirtualNetworkServiceEndpoint,
            NextHopType::None,
        ];
        (0..g.next(12) as usize)
            .map(|i| {
                let p = PREFIXES[g.next(PREFIXES.len() as u64) as usize];
                let s = SOURCES[g.next(3) as usize];
                let h = HOPS[g.next(4) as usize];
                route(i, p, s, h, g.next(5) > 0)
            })
            .collect()
    }

    fn destinations() -> Vec<DestAddr> {
        let mut out: Vec<DestAddr> =
            ["10.1.2.3", "10.1.2.200", "10.9.9.9", "20.38.1.1", "8.8.8.8", "10.1.0.1"]
                .iter()
                .map(|a| DestAddr::ip(a.parse().unwrap_or(Ipv4Addr::UNSPECIFIED)))
                .collect();
        let mut tagged = DestAddr::ip(Ipv4Addr::new(20, 38, 1, 1));
        tagged.tags = vec!["Storage.EastUS2".into()];
        out.push(tagged);
        out.push(DestAddr::symbolic(vec!["Storage.EastUS2".into()], Some("eastus2".into())));
        out.push(DestAddr::symbolic(vec!["Sql.WestEurope".into()], Some("westeurope".into())));
        out.push(DestAddr::symbolic(Vec::new(), None));
        out
    }

    /// Tag data whose prefixes the random routes' CIDRs hold, contain or miss.
    fn exact_tags() -> ServiceTags {
        let tag = |name: &str, prefixes: &str| {
            format!(
                r#"{{"name": "{name}", "id": "{name}", "properties": {{"addressPrefixes": [{prefixes}]}}}}"#
            )
        };
        let json = format!(
            r#"{{"changeNumber": 1, "cloud": "Public", "values": [{}, {}, {}]}}"#,
            tag("Storage.EastUS2", r#""20.38.1.0/24", "20.38.0.0/16", "10.1.2.0/25""#),
            tag("Storage", r#""20.38.0.0/16", "20.0.0.0/8", "52.0.0.0/8""#),
            tag("Sql.WestEurope", r#""10.1.2.3/32", "40.0.0.0/8""#),
        );
        ServiceTags::from_json("tags.json", &json).unwrap()
    }

    // The index must answer exactly what the linear scan answers, the same element included,
    // with symbolic tags and with tag data.
    #[test]
    fn agrees_with_linear_select() {
        for tags in [ServiceTags::symbolic(), exact_tags()] {
            agrees_with_linear_select_under(&tags);
        }
    }

    fn agrees_with_linear_select_under(tags: &ServiceTags) {
        let mut g = Lcg(7);
        for _ in 0..3000 {
            let routes = random_routes(&mut g);
            let ix = RouteIndex::new(routes.as_slice());
            for dest in destinations() {
                for _ in 0..2 {
                    let want = routes::select(&routes, &dest, tags).map(|r| r as *const EffectiveRoute);
                    let got = ix.select(&routes, &dest, tags).map(|r| r as *const EffectiveRoute);
                    assert_eq!(got, want, "{dest} in {routes:#?}");
                }
            }
        }
    }
}
