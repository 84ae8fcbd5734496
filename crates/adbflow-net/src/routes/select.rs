//! Route selection (domain notes §1.6): which Active route carries a packet, over any list of
//! routes by position — the full list Azure shows or a subnet's compact one.
//!
//! Owner: routes. This is the linear reference; `route_index` answers the same without scanning.

use super::{tag_class, EffectiveRoute, RoutePrefix, RouteSource};
use crate::address::DestAddr;
use crate::tags::{ServiceTags, TagPrefixes};
use adbflow_model::NextHopType;
use ipnet::Ipv4Net;

/// How well a route matches a destination; larger wins. Field order is the comparison order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct MatchRank {
    /// Prefix length of the match (tag matches: see `tag_specificity`).
    specificity: u8,
    /// An explicit CIDR beats a tag on an exact tie (§1.4).
    explicit: bool,
    tag_class: u8,
    precedence: u8,
}

/// What route selection reads of a subnet's routes, by position: the displayed list
/// (`[EffectiveRoute]`) and the compact one the walk uses ([`SubnetRoutes`](super::SubnetRoutes)) answer
/// alike.
pub trait RouteList {
    fn route_count(&self) -> usize;
    fn prefix(&self, i: usize) -> &RoutePrefix;
    fn is_active(&self, i: usize) -> bool;
    /// Equal-prefix precedence (as `precedence` in this module ranks it).
    fn precedence(&self, i: usize) -> u8;
}

impl RouteList for [EffectiveRoute] {
    fn route_count(&self) -> usize {
        self.len()
    }

    fn prefix(&self, i: usize) -> &RoutePrefix {
        &self[i].prefix
    }

    fn is_active(&self, i: usize) -> bool {
        self[i].is_active()
    }

    fn precedence(&self, i: usize) -> u8 {
        precedence(&self[i])
    }
}

/// Equal-prefix precedence of Active routes, for inputs that were not settled by
/// `effective_routes` (§1.6 order; service-endpoint routes first).
fn precedence(r: &EffectiveRoute) -> u8 {
    precedence_of(r.source, r.next_hop_type)
}

pub(super) fn precedence_of(source: RouteSource, next_hop_type: NextHopType) -> u8 {
    match (source, next_hop_type) {
        (_, NextHopType::VirtualNetworkServiceEndpoint) => 4,
        (RouteSource::User, _) => 3,
        (RouteSource::VirtualNetworkGateway, _) => 2,
        (RouteSource::Default, _) => 1,
    }
}

/// Does a CIDR route carry `dest`? Exact IPs by containment. A symbolic destination is somewhere in
/// its declared tags: with tag data, a route that holds a whole published block of one of those tags
/// carries it (so service-endpoint CIDRs expanded from the data still catch symbolic storage
/// addresses); otherwise only 0.0.0.0/0 is known to.
///
/// `dest_tags` are the destination's declared tags resolved in the data file (for a symbolic
/// destination only), looked up once per `select` rather than once per route.
fn cidr_matches(net: &Ipv4Net, dest: &DestAddr, dest_tags: &[TagPrefixes<'_>]) -> bool {
    if dest.in_prefix(net) {
        return true;
    }
    dest.ip.is_none() && dest_tags.iter().any(|t| t.any_within(net))
}

/// Specificity of a matching tag route: with tag data and an exact IP, the length of the tag's
/// longest prefix holding the IP; otherwise 1, so a tag match beats only 0.0.0.0/0.
fn tag_specificity(tag: &str, dest: &DestAddr, tags: &ServiceTags) -> u8 {
    match (dest.ip, tags.prefixes(tag)) {
        (Some(ip), Some(ps)) => {
            ps.iter().filter(|p| p.contains(&ip)).map(|p| p.prefix_len()).max().unwrap_or(1)
        }
        _ => 1,
    }
    .max(1)
}

/// How well route `i` of `routes` matches `dest`, or `None` when it does not.
pub(crate) fn match_rank<L: RouteList + ?Sized>(
    routes: &L,
    i: usize,
    dest: &DestAddr,
    tags: &ServiceTags,
    dest_tags: &[TagPrefixes<'_>],
) -> Option<MatchRank> {
    match routes.prefix(i) {
        RoutePrefix::Cidr(net) => {
            cidr_matches(net, dest, dest_tags).then(|| cidr_rank(routes.precedence(i), net.prefix_len()))
        }
        RoutePrefix::Tag(t) => tags.contains(t, dest).then(|| MatchRank {
            specificity: tag_specificity(t, dest, tags),
            explicit: false,
            tag_class: tag_class(t),
            precedence: routes.precedence(i),
        }),
    }
}

/// The rank of a matching CIDR route of prefix length `len` and equal-prefix `precedence`.
pub(crate) fn cidr_rank(precedence: u8, len: u8) -> MatchRank {
    MatchRank { specificity: len, explicit: true, tag_class: 0, precedence }
}

/// The Active route that carries a packet to `dest` (longest prefix; for symbolic destinations
/// a matching service-tag route beats 0.0.0.0/0), or `None` when nothing matches.
///
/// A symbolic destination matches a CIDR route only when the route is 0.0.0.0/0 or, with tag data,
/// holds a whole published prefix of one of the destination's declared tags (so service-endpoint
/// routes expanded from the data still carry symbolic service addresses).
///
/// Ties at equal specificity: explicit CIDR over tag, then regional tag > top-level tag >
/// `AzureCloud.<region>` > `AzureCloud`, then service endpoint > user > gateway > system, then the
/// earlier route in `routes`.
pub fn select<'r>(
    routes: &'r [EffectiveRoute],
    dest: &DestAddr,
    tags: &ServiceTags,
) -> Option<&'r EffectiveRoute> {
    select_position(routes, dest, tags).map(|i| &routes[i])
}

/// `select`, as the chosen route's position in `routes`.
pub fn select_position<L: RouteList + ?Sized>(
    routes: &L,
    dest: &DestAddr,
    tags: &ServiceTags,
) -> Option<usize> {
    let dest_tags: Vec<TagPrefixes<'_>> = match dest.ip {
        None => dest.tags.iter().filter_map(|t| tags.resolve(t)).collect(),
        Some(_) => Vec::new(),
    };
    let mut best: Option<(MatchRank, usize)> = None;
    for i in (0..routes.route_count()).filter(|&i| routes.is_active(i)) {
        let Some(rank) = match_rank(routes, i, dest, tags, &dest_tags) else { continue };
        let better = match &best {
            None => true,
            Some((b, _)) => rank > *b,
        };
        if better {
            best = Some((rank, i));
        }
    }
    best.map(|(_, i)| i)
}
