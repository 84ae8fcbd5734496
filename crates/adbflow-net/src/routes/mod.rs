//! Effective routes per subnet (domain notes §1); which of them carries a packet is `select`.
//!
//! Owner: routes. See the module contract in ARCHITECTURE.md.
//!
//! A subnet's route set is built from every source Azure documents (system routes adjusted for the
//! VNet's address space, peering ranges, gateway prefixes, service-endpoint prefixes, private
//! endpoint /32s, user routes), then conflicts are settled the way Azure shows them: the loser of an
//! equal-prefix conflict stays in the list as `Invalid`, with the reason naming the winner.

use crate::address::PRIVATE_RANGES;
use crate::index::{self, EstateIndex};
use crate::tags::{self, ServiceTags};
use adbflow_model::{
    ids, ElementRef, Estate, NextHopType, Origin, RouteDestination, RouteTable, SharedStr, SubnetRef,
};
use ipnet::Ipv4Net;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::net::Ipv4Addr;
use std::sync::{Arc, LazyLock};

mod section;
mod select;

pub use section::TagSections;
use section::{Block, BlockKind, Place, SectionRef};
pub(crate) use section::{SectionPlaces, TagSection};
use select::precedence_of;
pub(crate) use select::{cidr_rank, match_rank, MatchRank};
pub use select::{select, select_position, RouteList};

/// Who added a route, as Azure's effective-route view names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum RouteSource {
    Default,
    User,
    VirtualNetworkGateway,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum RouteState {
    Active,
    Invalid,
}

/// What a route matches: a CIDR, or a service tag (service-endpoint routes without a data file,
/// and UDRs written with a tag).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum RoutePrefix {
    Cidr(Ipv4Net),
    Tag(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectiveRoute {
    pub source: RouteSource,
    pub state: RouteState,
    pub prefix: RoutePrefix,
    pub next_hop_type: NextHopType,
    pub next_hop_ip: Option<Ipv4Addr>,
    /// The UDR's name for user routes; empty for system routes.
    pub name: SharedStr,
    /// The element that put the route there (the UDR, the VNet address space, the peering, the
    /// gateway, the subnet's service endpoint, the private endpoint).
    pub element: ElementRef,
    /// Why an Invalid route lost, e.g. "overridden by user route Default-NVA".
    pub invalid_reason: Option<String>,
}

impl EffectiveRoute {
    pub fn is_active(&self) -> bool {
        self.state == RouteState::Active
    }
}

impl RouteSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteSource::Default => "Default",
            RouteSource::User => "User",
            RouteSource::VirtualNetworkGateway => "VirtualNetworkGateway",
        }
    }
}

impl fmt::Display for RouteSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl RouteState {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteState::Active => "Active",
            RouteState::Invalid => "Invalid",
        }
    }
}

impl fmt::Display for RouteState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for RoutePrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoutePrefix::Cidr(n) => n.fmt(f),
            RoutePrefix::Tag(t) => f.write_str(t),
        }
    }
}

/// Switches for behaviour Azure documents inconsistently (domain notes §1.8 quirks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteOptions {
    /// Microsoft's worked example shows the 10/8, 172.16/12, 192.168/16 and 100.64/10 `None`
    /// routes as absent (here: Invalid) once a 0.0.0.0/0 UDR exists. Default true, as documented.
    pub drop_reserved_none_routes_under_default_udr: bool,
}

impl Default for RouteOptions {
    fn default() -> Self {
        RouteOptions { drop_reserved_none_routes_under_default_udr: true }
    }
}

/// The service tag whose prefixes a service endpoint injects as routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceEndpointTag {
    pub tag: String,
    /// Microsoft does not say which tag a given endpoint type injects; `true` marks the choices
    /// made here without any documented hint (the regional `Storage.<Region>` for
    /// `Microsoft.Storage`, and the tag guessed from the name of an endpoint type not in the table).
    pub inferred: bool,
}

/// Endpoint types whose prefixes are the whole top-level tag: these services accept service
/// endpoint traffic from any region, so no regional narrowing applies.
const TOP_LEVEL_SE_TAGS: [(&str, &str); 8] = [
    ("Microsoft.Storage.Global", "Storage"),
    ("Microsoft.EventHub", "EventHub"),
    ("Microsoft.KeyVault", "AzureKeyVault"),
    ("Microsoft.ServiceBus", "ServiceBus"),
    ("Microsoft.AzureCosmosDB", "AzureCosmosDB"),
    ("Microsoft.AzureActiveDirectory", "AzureActiveDirectory"),
    ("Microsoft.Web", "AppService"),
    ("Microsoft.ContainerRegistry", "AzureContainerRegistry"),
];

/// Which service tag's prefixes the service endpoint `service` (e.g. `Microsoft.Storage`) adds to
/// a subnet in `region`. Azure only says the prefixes are those of "the corresponding service tag".
///
/// - `Microsoft.Storage` → `Storage.<Region>`: **inferred**. The endpoint reaches same-region
///   accounts (older docs: plus the paired region); the paired region's prefixes are not added.
/// - `Microsoft.Sql` → `Sql.<Region>`: SQL service endpoints reach the same region only.
/// - the rest → their top-level tag (see `TOP_LEVEL_SE_TAGS`); an unknown `Microsoft.X` → tag `X`,
///   inferred from the name.
pub fn service_endpoint_tag(service: &str, region: &str) -> ServiceEndpointTag {
    if service.eq_ignore_ascii_case("Microsoft.Storage") {
        return ServiceEndpointTag { tag: tags::regional_tag("Storage", region), inferred: true };
    }
    if service.eq_ignore_ascii_case("Microsoft.Sql") {
        return ServiceEndpointTag { tag: tags::regional_tag("Sql", region), inferred: false };
    }
    if let Some((_, tag)) = TOP_LEVEL_SE_TAGS.iter().find(|(s, _)| s.eq_ignore_ascii_case(service)) {
        return ServiceEndpointTag { tag: tag.to_string(), inferred: false };
    }
    let guess = match service.get(..10) {
        Some(p) if p.eq_ignore_ascii_case("Microsoft.") => &service[10..],
        _ => service,
    };
    ServiceEndpointTag { tag: guess.to_string(), inferred: true }
}

/// What produced a route; drives equal-prefix precedence and display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    VnetLocal,
    Peering,
    Internet,
    Reserved,
    ServiceEndpoint,
    PrivateEndpoint,
    Gateway,
    User,
}

impl Kind {
    /// Equal-prefix precedence (§1.6): UDR > BGP > system, except that service-endpoint routes
    /// can't be overridden (2024 doc). VNet, peering and PE routes outrank 0/0 and the reserved
    /// `None` routes when they collide (a peered range equal to 10/8): Azure does not document this
    /// collision, and a reachable address space beating a blanket drop is the only sane reading.
    fn rank(self) -> u8 {
        match self {
            Kind::ServiceEndpoint => 5,
            Kind::User => 4,
            Kind::Gateway => 3,
            Kind::VnetLocal | Kind::Peering | Kind::PrivateEndpoint => 2,
            Kind::Internet | Kind::Reserved => 1,
        }
    }

    fn source(self) -> RouteSource {
        match self {
            Kind::User => RouteSource::User,
            Kind::Gateway => RouteSource::VirtualNetworkGateway,
            _ => RouteSource::Default,
        }
    }
}

/// Facts about a private endpoint needed for the /32 invalidation rule (§1.7).
#[derive(Debug, Clone)]
struct PeInfo {
    ip: Ipv4Addr,
    subnet: String,
    route_table_policy: bool,
    /// The PE VNet's address range holding the PE IP.
    vnet_range: Option<Ipv4Net>,
}

/// What the routes one element adds have in common: who added them and where they lead. A
/// service endpoint adds hundreds of routes that differ only in prefix; each route refers to its
/// origin instead of carrying a copy.
#[derive(Debug, Clone)]
struct RouteOrigin {
    kind: Kind,
    next_hop_type: NextHopType,
    next_hop_ip: Option<Ipv4Addr>,
    /// The UDR's name for user routes; empty for system routes.
    name: SharedStr,
    element: ElementRef,
    /// The tag a UDR was written with, when its CIDRs come from the tag data file.
    from_tag: Option<SharedStr>,
    pe: Option<PeInfo>,
}

/// One route of a subnet: its prefix, its state and its origin (a position in `origins`).
#[derive(Debug, Clone)]
struct CompactRoute {
    prefix: RoutePrefix,
    /// Its origin's kind, copied: settling and ordering read it for every route.
    kind: Kind,
    origin: u32,
    state: RouteState,
    /// Why an Invalid route lost. Boxed: few routes lose, and a subnet with service endpoints
    /// has hundreds of routes, each as large as this field was unboxed (three times the rest).
    invalid_reason: Option<Box<Invalidation>>,
}

/// Why a route is Invalid: the words around the description of the route that beat or removed
/// it. Kept apart from its text, which names that route's element, so that a subnet given a copy
/// of a twin subnet's routes (`SubnetRoutes::for_twin`) names its own.
#[derive(Debug, Clone)]
struct Invalidation {
    by: RouteRef,
    before: &'static str,
    after: Cow<'static, str>,
}

/// A route as an invalid-route reason names it.
#[derive(Debug, Clone)]
struct RouteRef {
    origin: u32,
    kind: Kind,
    prefix: RoutePrefix,
}

impl CompactRoute {
    fn active(&self) -> bool {
        self.state == RouteState::Active
    }

    fn cidr(&self) -> Option<Ipv4Net> {
        match self.prefix {
            RoutePrefix::Cidr(n) => Some(n),
            RoutePrefix::Tag(_) => None,
        }
    }
}

/// A subnet's effective routes as computed: in display order (see `effective_routes`), each
/// route a prefix, a state and a reference to what it shares with its siblings.
///
/// Route selection reads it directly (it is a [`RouteList`]); [`SubnetRoutes::to_routes`] gives
/// the full routes Azure would list. With the full service-tag file a cluster subnet has ~375
/// routes, 300 of them one service endpoint's: built as full routes, each carried its own copy
/// of the endpoint's element, and building, ordering and indexing those copies was a third of
/// walking a check.
#[derive(Debug, Clone, Default)]
pub struct SubnetRoutes {
    origins: Vec<RouteOrigin>,
    /// The routes but the section's, in display order.
    routes: Vec<CompactRoute>,
    /// The routes expanded from the tag data file (service endpoints', tag UDRs'), shared with
    /// every subnet that has the same ([`TagSection`]), shown among the others.
    section: Option<SectionRef>,
}

impl SubnetRoutes {
    /// The route at position `i`, as Azure lists it.
    pub fn route(&self, i: usize) -> EffectiveRoute {
        let i = match self.at(i) {
            At::Own(i) => i,
            At::Shared(s, k) => return self.section_route(s, k),
        };
        let r = &self.routes[i];
        let o = self.origin_of(i);
        EffectiveRoute {
            source: o.kind.source(),
            state: r.state,
            prefix: r.prefix.clone(),
            next_hop_type: o.next_hop_type,
            next_hop_ip: o.next_hop_ip,
            name: o.name.clone(),
            element: o.element.clone(),
            invalid_reason: r.invalid_reason.as_ref().map(|x| self.reason_text(x)),
        }
    }

    /// Every route, Active and Invalid, in display order.
    pub fn to_routes(&self) -> Vec<EffectiveRoute> {
        (0..self.route_count()).map(|i| self.route(i)).collect()
    }

    /// The shared routes and where they are shown, if any.
    pub(crate) fn section(&self) -> Option<(&Arc<TagSection>, &SectionPlaces)> {
        self.section.as_ref().map(|s| (&s.section, &s.places))
    }

    /// The display positions of the routes but the section's, in order.
    pub(crate) fn own_positions(&self) -> impl Iterator<Item = usize> + Clone + '_ {
        let places = self.section.as_ref().map(|s| &s.places);
        (0..self.routes.len()).map(move |j| places.map_or(j, |p| p.own_position(j)))
    }

    fn section_len(&self) -> usize {
        self.section.as_ref().map_or(0, |s| s.places.len())
    }

    /// Where display position `i` falls.
    fn at(&self, i: usize) -> At<'_> {
        match &self.section {
            Some(s) => match s.places.place(i) {
                Place::Own(j) => At::Own(j),
                Place::Section(k) => At::Shared(s, k),
            },
            None => At::Own(i),
        }
    }

    /// Route `k` of section `s`, as Azure lists it: named by this subnet's endpoint or UDR.
    fn section_route(&self, s: &SectionRef, k: usize) -> EffectiveRoute {
        let entry = s.entry(k);
        let o = &self.origins[s.origin(entry) as usize];
        let invalid_reason = entry.overridden_by.map(|w| self.reason_text(&s.overridden_by(w)));
        EffectiveRoute {
            source: o.kind.source(),
            state: if invalid_reason.is_some() { RouteState::Invalid } else { RouteState::Active },
            prefix: entry.prefix.clone(),
            next_hop_type: o.next_hop_type,
            next_hop_ip: o.next_hop_ip,
            name: o.name.clone(),
            element: o.element.clone(),
            invalid_reason,
        }
    }
}

/// How an Invalid route that lost to a service-endpoint route of equal prefix says why.
const SERVICE_ENDPOINT_WINS: &str = "; service-endpoint routes can't be overridden";

impl RouteList for SubnetRoutes {
    fn route_count(&self) -> usize {
        self.routes.len() + self.section_len()
    }

    fn prefix(&self, i: usize) -> &RoutePrefix {
        match self.at(i) {
            At::Own(i) => &self.routes[i].prefix,
            At::Shared(s, k) => &s.entry(k).prefix,
        }
    }

    fn is_active(&self, i: usize) -> bool {
        match self.at(i) {
            At::Own(i) => self.routes[i].active(),
            At::Shared(s, k) => s.entry(k).overridden_by.is_none(),
        }
    }

    fn precedence(&self, i: usize) -> u8 {
        let o = match self.at(i) {
            At::Own(i) => self.origin_of(i),
            At::Shared(s, k) => &self.origins[s.origin(s.entry(k)) as usize],
        };
        precedence_of(o.kind.source(), o.next_hop_type)
    }
}

/// Where a display position falls: among a subnet's own routes, or in its shared section.
enum At<'s> {
    Own(usize),
    Shared(&'s SectionRef, usize),
}

/// Building: the routes are collected in input order, settled, then put in display order.
impl SubnetRoutes {
    fn with_capacity(n: usize) -> Self {
        SubnetRoutes { origins: Vec::new(), routes: Vec::with_capacity(n), section: None }
    }

    /// Registers what a group of routes shares; returns its reference for `push`.
    fn origin(
        &mut self,
        kind: Kind,
        next_hop_type: NextHopType,
        next_hop_ip: Option<Ipv4Addr>,
        element: ElementRef,
    ) -> u32 {
        self.origins.push(RouteOrigin {
            kind,
            next_hop_type,
            next_hop_ip,
            name: SharedStr::default(),
            element,
            from_tag: None,
            pe: None,
        });
        // A subnet's origins are its few route sources (VNet, peerings, gateways, endpoints,
        // UDRs), far below u32::MAX.
        u32::try_from(self.origins.len() - 1).unwrap_or(u32::MAX)
    }

    fn push(&mut self, origin: u32, prefix: RoutePrefix) {
        let kind = self.origins[origin as usize].kind;
        self.routes.push(CompactRoute {
            prefix,
            kind,
            origin,
            state: RouteState::Active,
            invalid_reason: None,
        });
    }

    fn origin_of(&self, i: usize) -> &RouteOrigin {
        &self.origins[self.routes[i].origin as usize]
    }

    fn invalidate(&mut self, i: usize, reason: Invalidation) {
        let r = &mut self.routes[i];
        r.state = RouteState::Invalid;
        r.invalid_reason = Some(Box::new(reason));
    }

    /// Route `i`, as an invalid-route reason names it.
    fn route_ref(&self, i: usize) -> RouteRef {
        let r = &self.routes[i];
        RouteRef { origin: r.origin, kind: r.kind, prefix: r.prefix.clone() }
    }

    fn reason_text(&self, reason: &Invalidation) -> String {
        format!("{}{}{}", reason.before, self.describe(&reason.by), reason.after)
    }

    /// How an invalid-route reason names a route.
    fn describe(&self, r: &RouteRef) -> String {
        let o = &self.origins[r.origin as usize];
        let what = match r.kind {
            Kind::User => return format!("user route {} ({})", o.name, o.element.id),
            Kind::Gateway => format!("gateway route {} via {}", r.prefix, o.element.name),
            Kind::ServiceEndpoint => format!("service endpoint route {}", r.prefix),
            Kind::PrivateEndpoint => format!("private endpoint route {}", r.prefix),
            Kind::Peering => format!("peering route {}", r.prefix),
            Kind::VnetLocal | Kind::Internet | Kind::Reserved => {
                format!("system route {} {}", r.prefix, o.next_hop_type)
            }
        };
        format!("{what} ({})", o.element.id)
    }
}

/// Candidate positions ordered by prefix — CIDRs by network then length, then tags
/// case-insensitively (Azure compares tags so) — and by position among equal prefixes.
///
/// One sort serves both equal-prefix settling (each group is a run) and display order (a stable
/// pass by kind). A CIDR and its position sort as one integer pair: a subnet with service
/// endpoints has hundreds of candidates, and comparison sorts of the candidates themselves were
/// most of computing its routes.
fn prefix_order(cands: &[CompactRoute]) -> Vec<usize> {
    let mut cidrs: Vec<(u64, usize)> = Vec::with_capacity(cands.len());
    let mut tags: Vec<(String, usize)> = Vec::new();
    for (i, c) in cands.iter().enumerate() {
        match &c.prefix {
            RoutePrefix::Cidr(n) => {
                cidrs.push((u64::from(u32::from(n.network())) << 8 | u64::from(n.prefix_len()), i))
            }
            RoutePrefix::Tag(t) => tags.push((t.to_ascii_lowercase(), i)),
        }
    }
    // Every pair is distinct (positions are), so any sort gives the one order; the stable one
    // merges the runs candidates arrive in (a tag's prefixes, mostly sorted in the data file).
    cidrs.sort();
    tags.sort_unstable();
    cidrs.into_iter().map(|(_, i)| i).chain(tags.into_iter().map(|(_, i)| i)).collect()
}

/// Do two routes have the same prefix, as `prefix_order` compares them?
fn same_prefix(a: &RoutePrefix, b: &RoutePrefix) -> bool {
    match (a, b) {
        (RoutePrefix::Cidr(x), RoutePrefix::Cidr(y)) => {
            (x.network(), x.prefix_len()) == (y.network(), y.prefix_len())
        }
        (RoutePrefix::Tag(x), RoutePrefix::Tag(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

/// Among tags on equal footing: regional > top-level > `AzureCloud.<region>` > `AzureCloud` (§1.4).
pub(crate) fn tag_class(tag: &str) -> u8 {
    let t = tag.to_ascii_lowercase();
    if t == "azurecloud" {
        0
    } else if t.starts_with("azurecloud.") {
        1
    } else if t.contains('.') {
        3
    } else {
        2
    }
}

fn platform_route(prefix: Ipv4Net) -> ElementRef {
    ElementRef::new(format!("system-route:{prefix}"), prefix.to_string(), Some(Origin::platform("Azure")))
}

/// The elements of the system routes every subnet has (0.0.0.0/0 and the reserved ranges), built
/// once: formatted for each subnet they were a tenth of computing its routes.
fn system_route_element(prefix: Ipv4Net) -> ElementRef {
    static BUILT: LazyLock<Vec<(Ipv4Net, ElementRef)>> = LazyLock::new(|| {
        std::iter::once(DEFAULT_ROUTE).chain(PRIVATE_RANGES).map(|p| (p, platform_route(p))).collect()
    });
    BUILT.iter().find(|(p, _)| *p == prefix).map_or_else(|| platform_route(prefix), |(_, e)| e.clone())
}

/// 0.0.0.0/0.
const DEFAULT_ROUTE: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::UNSPECIFIED, 0);

/// Every route of the subnet, Active and Invalid.
///
/// Order (stable, independent of how Azure happens to list them): by source — `Default`, then
/// `VirtualNetworkGateway`, then `User` — and within `Default` by origin: VNet ranges, peering ranges,
/// 0.0.0.0/0 Internet, reserved-range `None` routes, service-endpoint routes, private-endpoint /32s;
/// then by prefix (CIDRs by address then length, tag prefixes after CIDRs by name); then by input order.
///
/// Service-endpoint routes carry the prefixes of the tag `service_endpoint_tag` picks; the
/// `Microsoft.Storage` → `Storage.<Region>` choice is inferred (the docs do not say which tag).
/// Private endpoints without a known IP add no route here.
pub fn effective_routes(
    estate: &Estate,
    tags: &ServiceTags,
    subnet: SubnetRef<'_>,
    options: RouteOptions,
) -> Vec<EffectiveRoute> {
    effective_routes_indexed(estate, &EstateIndex::new(estate), tags, subnet, options)
}

/// `effective_routes` with the estate's lookups answered by `ix` (an index of `estate`): the
/// model's finders scan every VNet, peering and endpoint, which made computing every subnet's
/// routes quadratic in the estate.
pub fn effective_routes_indexed(
    estate: &Estate,
    ix: &EstateIndex,
    tags: &ServiceTags,
    subnet: SubnetRef<'_>,
    options: RouteOptions,
) -> Vec<EffectiveRoute> {
    subnet_routes(estate, ix, tags, subnet, options, &TagSections::default()).to_routes()
}

/// `effective_routes_indexed`, compact: what route selection reads, without a copy of each
/// route's element (see [`SubnetRoutes`]). The service-endpoint routes from the tag data file
/// are the section of `sections` for the subnet's endpoints: one `sections` per `tags`, shared by
/// the subnets asked about, so that each list of endpoints is ordered and indexed once.
pub fn subnet_routes(
    estate: &Estate,
    ix: &EstateIndex,
    tags: &ServiceTags,
    subnet: SubnetRef<'_>,
    options: RouteOptions,
    sections: &TagSections,
) -> SubnetRoutes {
    let table = subnet.subnet.route_table.as_deref().and_then(|t| ix.route_table(estate, t));
    let endpoints = endpoint_tags(estate, subnet);
    let sources = Sources { estate, ix, tags, subnet, table, endpoints: &endpoints };
    let endpoint_blocks: Vec<Block> = endpoints
        .iter()
        .filter(|(_, c)| listed(tags, &c.tag))
        .map(|(_, c)| Block { tag: c.tag.clone(), kind: BlockKind::Endpoint })
        .collect();
    let udr_blocks = table.map_or_else(Vec::new, |t| tag_udr_blocks(tags, t));
    // The tag UDRs shared too, unless the subnet's own routes clash with them.
    if !udr_blocks.is_empty() {
        let key = [endpoint_blocks.as_slice(), &udr_blocks].concat();
        if let Some(section) = sections.get(tags, &key) {
            let (cands, origins) = candidates(&sources, true, true);
            if !section.clashes(&cands.routes) {
                return settled(cands, Some(SectionRef::new(section, origins)), options);
            }
        }
    }
    let section = sections.get(tags, &endpoint_blocks);
    let (cands, origins) = candidates(&sources, section.is_some(), false);
    settled(cands, section.map(|s| SectionRef::new(s, origins)), options)
}

/// What a subnet's routes are computed from.
struct Sources<'a> {
    estate: &'a Estate,
    ix: &'a EstateIndex,
    tags: &'a ServiceTags,
    subnet: SubnetRef<'a>,
    table: Option<&'a RouteTable>,
    endpoints: &'a [(&'a str, ServiceEndpointTag)],
}

/// Every route of the subnet in input order, but those a section holds (the listed endpoints'
/// with `shared_endpoints`, the listed tag UDRs' with `shared_udrs`), and the origins of the
/// section's blocks in block order.
fn candidates(src: &Sources<'_>, shared_endpoints: bool, shared_udrs: bool) -> (SubnetRoutes, Vec<u32>) {
    let (estate, ix, tags, vnet) = (src.estate, src.ix, src.tags, src.subnet.vnet);
    // Sized once: tag expansions add hundreds of candidates, and growing the list while they
    // arrive copied it (and its earlier allocation) each time.
    let expanded = expanded_route_count(tags, src.endpoints, src.table, shared_endpoints, shared_udrs);
    let mut cands = SubnetRoutes::with_capacity(32 + expanded);
    system_routes(vnet, &mut cands);
    peering_routes(estate, ix, vnet, &mut cands);
    if !src.table.is_some_and(|t| t.disable_bgp_route_propagation) {
        gateway_routes(estate, ix, vnet, &mut cands);
    }
    let mut origins = service_endpoint_routes(tags, src.subnet, src.endpoints, shared_endpoints, &mut cands);
    private_endpoint_routes(estate, ix, vnet, &mut cands);
    if let Some(t) = src.table {
        origins.extend(user_routes(t, tags, shared_udrs, &mut cands));
    }
    (cands, origins)
}

/// The candidates settled (§1.6, §1.7, §1.8) and put in display order, among them `section`'s.
fn settled(mut cands: SubnetRoutes, section: Option<SectionRef>, options: RouteOptions) -> SubnetRoutes {
    prefer_system_over_bgp(&mut cands, section.as_ref());
    let by_prefix = prefix_order(&cands.routes);
    if let Some(s) = &section {
        lose_to_section(&mut cands, s);
    }
    settle_equal_prefixes(&mut cands, &by_prefix);
    invalidate_private_endpoint_routes(&mut cands);
    if options.drop_reserved_none_routes_under_default_udr {
        drop_reserved_under_default_udr(&mut cands);
    }
    cands.routes = display_order(std::mem::take(&mut cands.routes), &by_prefix);
    cands.section =
        section.map(|s| SectionRef { places: SectionPlaces::new(&s.section, &cands.routes), ..s });
    cands
}

/// Whether the data file lists prefixes for `tag`: then the routes it stands for can be shared.
fn listed(tags: &ServiceTags, tag: &str) -> bool {
    tags.prefixes(tag).is_some_and(|ps| !ps.is_empty())
}

/// The route table's UDRs written with a tag the data file lists, in table order, as blocks.
fn tag_udr_blocks(tags: &ServiceTags, table: &RouteTable) -> Vec<Block> {
    table
        .routes
        .iter()
        .filter_map(|udr| match &udr.address_prefix {
            RouteDestination::Tag(t) if listed(tags, t) => Some(Block {
                tag: t.clone(),
                kind: BlockKind::Udr {
                    class: tag_class(t),
                    precedence: precedence_of(Kind::User.source(), udr.next_hop_type),
                },
            }),
            _ => None,
        })
        .collect()
}

/// §1.6: a route with the prefix of one of the section's (Active) service-endpoint routes loses
/// to it, as every route of equal prefix does.
fn lose_to_section(cands: &mut SubnetRoutes, s: &SectionRef) {
    for i in 0..cands.routes.len() {
        let Some(net) = cands.routes[i].cidr().filter(|_| cands.routes[i].active()) else { continue };
        if let Some(winner) = s.section.active_with_prefix(&net) {
            cands.invalidate(i, s.overridden_by(winner));
        }
    }
}

/// How many candidates the subnet's service endpoints (each with its tag) and its route table's
/// UDRs add.
fn expanded_route_count(
    tags: &ServiceTags,
    endpoints: &[(&str, ServiceEndpointTag)],
    table: Option<&RouteTable>,
    shared_endpoints: bool,
    shared_udrs: bool,
) -> usize {
    let count = |tag: &str, shared: bool| {
        if shared && listed(tags, tag) {
            0
        } else {
            tags.prefixes(tag).map_or(1, <[Ipv4Net]>::len)
        }
    };
    let endpoints: usize = endpoints.iter().map(|(_, choice)| count(&choice.tag, shared_endpoints)).sum();
    let udrs: usize = table.map_or(0, |t| {
        t.routes
            .iter()
            .map(|udr| match &udr.address_prefix {
                RouteDestination::Prefix(_) => 1,
                RouteDestination::Tag(t) => count(t, shared_udrs),
            })
            .sum()
    });
    endpoints + udrs
}

/// The routes in display order: `Kind` (whose declaration order already groups Default, gateway,
/// then user routes), then prefix, then input order: `by_prefix` (prefix, then position) sorted
/// stably by kind, one counting pass; each candidate is moved once.
fn display_order(cands: Vec<CompactRoute>, by_prefix: &[usize]) -> Vec<CompactRoute> {
    let mut slots: Vec<Option<CompactRoute>> = cands.into_iter().map(Some).collect();
    let mut kinds: Vec<Kind> = slots.iter().flatten().map(|c| c.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut routes = Vec::with_capacity(slots.len());
    for kind in kinds {
        for &i in by_prefix {
            if slots[i].as_ref().is_some_and(|c| c.kind == kind) {
                routes.extend(slots[i].take());
            }
        }
    }
    routes
}

/// §1.1: a VnetLocal route per address range, 0/0 Internet, and the reserved `None` routes —
/// flipped to VnetLocal when a range equals one (the range's own route is that route) and removed
/// when a range contains one.
fn system_routes(vnet: &adbflow_model::VNet, cands: &mut SubnetRoutes) {
    let element = ElementRef::new(ids::vnet(&vnet.name), &vnet.name, vnet.origin.clone());
    let ranges: Vec<Ipv4Net> = vnet.address_space.iter().map(|p| p.0.trunc()).collect();
    let local = cands.origin(Kind::VnetLocal, NextHopType::VnetLocal, None, element);
    for r in &ranges {
        cands.push(local, RoutePrefix::Cidr(*r));
    }
    let default = DEFAULT_ROUTE;
    let internet = cands.origin(Kind::Internet, NextHopType::Internet, None, system_route_element(default));
    cands.push(internet, RoutePrefix::Cidr(default));
    for reserved in PRIVATE_RANGES {
        if ranges.iter().any(|r| r.contains(&reserved)) {
            continue;
        }
        let none = cands.origin(Kind::Reserved, NextHopType::None, None, system_route_element(reserved));
        cands.push(none, RoutePrefix::Cidr(reserved));
    }
}

/// §1.2: each address range of each Connected peered VNet.
fn peering_routes(estate: &Estate, ix: &EstateIndex, vnet: &adbflow_model::VNet, cands: &mut SubnetRoutes) {
    for p in ix.connected_peerings(estate, &vnet.name) {
        let Some(remote) = ix.vnet(estate, &p.remote_vnet) else { continue };
        let element = ElementRef::new(ids::peering(&p.vnet, &p.name), &p.name, p.origin.clone());
        let origin = cands.origin(Kind::Peering, NextHopType::VNetPeering, None, element);
        for r in &remote.address_space {
            cands.push(origin, RoutePrefix::Cidr(r.0.trunc()));
        }
    }
}

/// §1.2, §1.4, §7.1: the prefixes of this VNet's gateways, and of a peered hub's gateways when this
/// side uses remote gateways and the hub side allows gateway transit.
fn gateway_routes(estate: &Estate, ix: &EstateIndex, vnet: &adbflow_model::VNet, cands: &mut SubnetRoutes) {
    let mut vnets = vec![vnet.name.as_str()];
    for p in ix.connected_peerings(estate, &vnet.name) {
        if p.use_remote_gateways && ix.reverse_peering(estate, p).is_some_and(|b| b.allow_gateway_transit) {
            vnets.push(p.remote_vnet.as_str());
        }
    }
    for gw in estate.gateways.iter().filter(|g| vnets.contains(&g.vnet.as_str())) {
        let element = ElementRef::new(ids::gateway(&gw.name), &gw.name, gw.origin.clone());
        let origin = cands.origin(Kind::Gateway, NextHopType::VirtualNetworkGateway, gw.public_ip, element);
        for p in &gw.onprem_prefixes {
            cands.push(origin, RoutePrefix::Cidr(p.0.trunc()));
        }
    }
}

/// §1.2, §5: service-endpoint prefixes, on the subnet that enables the endpoint only; `endpoints`
/// are its endpoint types, each with the tag `service_endpoint_tag` picks. With a section, the
/// prefixes of the endpoints it holds are its routes: only their origins are added, returned in
/// the section's block order.
fn service_endpoint_routes(
    tags: &ServiceTags,
    subnet: SubnetRef<'_>,
    endpoints: &[(&str, ServiceEndpointTag)],
    shared: bool,
    cands: &mut SubnetRoutes,
) -> Vec<u32> {
    let mut section_origins = Vec::new();
    for (se, choice) in endpoints {
        let element = service_endpoint_element(subnet, se, choice);
        let origin =
            cands.origin(Kind::ServiceEndpoint, NextHopType::VirtualNetworkServiceEndpoint, None, element);
        if shared && listed(tags, &choice.tag) {
            section_origins.push(origin);
        } else {
            push_tag_prefixes(tags, &choice.tag, origin, cands);
        }
    }
    section_origins
}

/// The subnet's service endpoint types, each with the tag `service_endpoint_tag` picks in its
/// VNet's region.
fn endpoint_tags<'s>(estate: &Estate, subnet: SubnetRef<'s>) -> Vec<(&'s str, ServiceEndpointTag)> {
    let region = estate.vnet_region(subnet.vnet);
    subnet.subnet.service_endpoints.iter().map(|se| (se.as_str(), service_endpoint_tag(se, region))).collect()
}

/// What a service-endpoint route names as its source: the subnet that enables the endpoint.
fn service_endpoint_element(subnet: SubnetRef<'_>, se: &str, choice: &ServiceEndpointTag) -> ElementRef {
    let note = if choice.inferred { ", tag inferred" } else { "" };
    ElementRef::new(
        ids::subnet(&subnet.vnet.name, &subnet.subnet.name),
        format!("service endpoint {se} ({}{note})", choice.tag),
        subnet.subnet.origin.clone(),
    )
}

/// Whether two subnets of one VNet have the same effective routes but for the element their
/// service-endpoint routes name: the routes come from the VNet (system, peering, gateway and
/// private-endpoint routes), the route table and the service endpoints, and from nothing else of
/// the subnet.
pub(crate) fn same_routes_in_vnet(a: &adbflow_model::Subnet, b: &adbflow_model::Subnet) -> bool {
    a.route_table == b.route_table && a.service_endpoints == b.service_endpoints
}

impl SubnetRoutes {
    /// The routes of `subnet`, a twin (see [`same_routes_in_vnet`]) of the subnet these were
    /// computed for: the same routes, its own service-endpoint elements. Copying them is a few
    /// per cent of computing them, and a workspace's two cluster subnets are twins.
    pub(crate) fn for_twin(&self, subnet: SubnetRef<'_>) -> SubnetRoutes {
        let mut twin = self.clone();
        for origin in twin.origins.iter_mut().filter(|o| o.kind == Kind::ServiceEndpoint) {
            origin.element = twin_service_endpoint_element(&origin.element, subnet);
        }
        twin
    }
}

/// What a twin subnet's copy of a service-endpoint route names, where the route of the subnet it
/// is a twin of names `element` ([`service_endpoint_element`]): the endpoint and its tag are the
/// same for both (same list, same VNet and region), the subnet is the twin.
pub(crate) fn twin_service_endpoint_element(element: &ElementRef, twin: SubnetRef<'_>) -> ElementRef {
    ElementRef::new(
        ids::subnet(&twin.vnet.name, &twin.subnet.name),
        element.name.clone(),
        twin.subnet.origin.clone(),
    )
}

/// Adds a route per prefix a tag stands for: its CIDRs when the data file lists it, else one
/// route with the tag itself. Returns whether the data file listed it.
fn push_tag_prefixes(tags: &ServiceTags, tag: &str, origin: u32, cands: &mut SubnetRoutes) -> bool {
    match tags.prefixes(tag) {
        Some(ps) => {
            for p in ps {
                cands.push(origin, RoutePrefix::Cidr(p.trunc()));
            }
            !ps.is_empty()
        }
        None => {
            cands.push(origin, RoutePrefix::Tag(tag.to_string()));
            false
        }
    }
}

/// §1.7, §6: a /32 per private endpoint in this VNet or a directly Connected peered VNet — peering
/// is not transitive (§7.1), so endpoints two peerings away add nothing.
fn private_endpoint_routes(
    estate: &Estate,
    ix: &EstateIndex,
    vnet: &adbflow_model::VNet,
    cands: &mut SubnetRoutes,
) {
    let mut reachable: BTreeSet<&str> = BTreeSet::from([vnet.name.as_str()]);
    reachable.extend(ix.connected_peerings(estate, &vnet.name).map(|p| p.remote_vnet.as_str()));
    // The reachable VNets' endpoints, in estate order (the order decides ties between routes).
    let mut positions: Vec<usize> =
        reachable.iter().flat_map(|v| ix.private_endpoints_in(v)).copied().collect();
    positions.sort_unstable();
    for pe in positions.into_iter().map(|i| &estate.private_endpoints[i]) {
        let Some(ip) = pe.ip else { continue };
        let pe_vnet = index::pe_vnet(&pe.subnet);
        let route_table_policy = ix
            .subnet(estate, &pe.subnet)
            .is_some_and(|s| s.subnet.private_endpoint_network_policies.route_table_enabled());
        let vnet_range = ix
            .vnet(estate, pe_vnet)
            .and_then(|v| v.address_space.iter().map(|p| p.0.trunc()).find(|r| r.contains(&ip)));
        let element = ElementRef::new(ids::private_endpoint(&pe.name), &pe.name, pe.origin.clone());
        let origin = cands.origin(Kind::PrivateEndpoint, NextHopType::InterfaceEndpoint, None, element);
        cands.origins[origin as usize].pe =
            Some(PeInfo { ip, subnet: pe.subnet.clone(), route_table_policy, vnet_range });
        cands.push(origin, RoutePrefix::Cidr(Ipv4Net::from(ip)));
    }
}

/// §1.4: the subnet's UDRs; a tag-prefixed UDR becomes one route per CIDR when tag data exists.
/// With `shared`, those routes are a section's: only the UDRs' origins are added, returned in
/// table order.
fn user_routes(table: &RouteTable, tags: &ServiceTags, shared: bool, cands: &mut SubnetRoutes) -> Vec<u32> {
    let mut section_origins = Vec::new();
    for udr in &table.routes {
        let element = ElementRef::new(ids::route(&table.name, &udr.name), &udr.name, udr.origin.clone());
        let origin = cands.origin(Kind::User, udr.next_hop_type, udr.next_hop_ip, element);
        cands.origins[origin as usize].name = SharedStr::from(&udr.name);
        match &udr.address_prefix {
            RouteDestination::Prefix(n) => cands.push(origin, RoutePrefix::Cidr(n.trunc())),
            RouteDestination::Tag(t) if shared && listed(tags, t) => {
                cands.origins[origin as usize].from_tag = Some(SharedStr::from(t));
                section_origins.push(origin);
            }
            RouteDestination::Tag(t) => {
                if push_tag_prefixes(tags, t, origin, cands) {
                    cands.origins[origin as usize].from_tag = Some(SharedStr::from(t));
                }
            }
        }
    }
    section_origins
}

/// §1.6: "system routes for VNet, VNet peering and service endpoints are preferred even if BGP
/// routes are more specific": a gateway route inside (or equal to) such a route's prefix loses.
/// Tag-prefixed service-endpoint routes have no known extent, so they cannot shadow gateway routes.
/// The routes of `section` were added after the VNet's and the peerings', so a gateway route is
/// said to lose to one of them only when none of those holds it.
fn prefer_system_over_bgp(cands: &mut SubnetRoutes, section: Option<&SectionRef>) {
    // Described only when one wins: a subnet with a service endpoint has hundreds of candidates.
    let preferred: Vec<(Ipv4Net, usize)> = cands
        .routes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.kind, Kind::VnetLocal | Kind::Peering | Kind::ServiceEndpoint))
        .filter_map(|(i, c)| c.cidr().map(|n| (n, i)))
        .collect();
    let gateways: Vec<usize> =
        (0..cands.routes.len()).filter(|&i| cands.routes[i].kind == Kind::Gateway).collect();
    for gi in gateways {
        let Some(net) = cands.routes[gi].cidr() else { continue };
        let by = match preferred.iter().find(|(p, _)| p.contains(&net)) {
            Some(&(_, wi)) => cands.route_ref(wi),
            None => match section.and_then(|s| Some((s, s.section.first_endpoint_containing(&net)?))) {
                Some((s, winner)) => s.route_ref(winner),
                None => continue,
            },
        };
        let reason = Invalidation {
            by,
            before: "overridden by ",
            after: Cow::Borrowed(
                ": Azure prefers VNet, peering and service-endpoint routes over gateway routes, even more \
                 specific ones",
            ),
        };
        cands.invalidate(gi, reason);
    }
}

/// §1.6: on equal prefix UDR > BGP > system, service-endpoint routes above all; the loser is
/// Invalid. Among UDRs an explicit CIDR beats one expanded from a tag, and tags rank as §1.4 says.
///
/// `by_prefix`: every candidate's position, as `prefix_order` orders them.
fn settle_equal_prefixes(cands: &mut SubnetRoutes, by_prefix: &[usize]) {
    // Each equal-prefix group is a run of `by_prefix`, in input order within, instead of a
    // rescan of every route for every distinct prefix.
    let active: Vec<usize> = by_prefix.iter().copied().filter(|&i| cands.routes[i].active()).collect();
    let groups: Vec<&[usize]> = active
        .chunk_by(|&a, &b| same_prefix(&cands.routes[a].prefix, &cands.routes[b].prefix))
        .filter(|run| run.len() > 1)
        .collect();
    for run in groups {
        let strength = |i: usize| {
            let from_tag = cands.origin_of(i).from_tag.as_deref();
            (cands.routes[i].kind.rank(), from_tag.is_none(), from_tag.map_or(0, tag_class))
        };
        // First in input order wins a full tie, so the result never depends on sorting.
        let Some(winner) =
            run.iter().copied().reduce(|best, i| if strength(i) > strength(best) { i } else { best })
        else {
            continue;
        };
        let after = match cands.routes[winner].kind {
            Kind::ServiceEndpoint => SERVICE_ENDPOINT_WINS,
            _ => "",
        };
        let reason = Invalidation {
            by: cands.route_ref(winner),
            before: "overridden by ",
            after: Cow::Borrowed(after),
        };
        for &i in run.iter().filter(|&&i| i != winner) {
            cands.invalidate(i, reason.clone());
        }
    }
}

/// §1.7 twin rule: a PE /32 is Invalid when the PE's subnet enables route-table network policies
/// and a UDR covers the PE IP with a prefix at least as long as the PE VNet range holding the IP.
/// A 0.0.0.0/0 UDR is never long enough (address ranges are never /0).
fn invalidate_private_endpoint_routes(cands: &mut SubnetRoutes) {
    // Described only when one covers an endpoint: tag-expanded UDRs number in the hundreds.
    let udrs: Vec<(Ipv4Net, usize)> = cands
        .routes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == Kind::User)
        .filter_map(|(i, c)| c.cidr().map(|n| (n, i)))
        .collect();
    let endpoints: Vec<usize> = (0..cands.routes.len())
        .filter(|&i| cands.routes[i].active() && cands.routes[i].kind == Kind::PrivateEndpoint)
        .collect();
    for ci in endpoints {
        let Some(pe) = cands.origin_of(ci).pe.clone() else { continue };
        let Some(range) = pe.vnet_range else { continue };
        if !pe.route_table_policy {
            continue;
        }
        let covering = udrs
            .iter()
            .find(|(n, _)| n.prefix_len() > 0 && n.contains(&pe.ip) && n.prefix_len() >= range.prefix_len());
        if let Some(&(n, ui)) = covering {
            let reason = Invalidation {
                by: cands.route_ref(ui),
                before: "invalidated by ",
                after: Cow::Owned(format!(
                    ": the private endpoint's subnet {} enables route-table network policies and {n} is at \
                     least as specific as its VNet range {range}",
                    pe.subnet
                )),
            };
            cands.invalidate(ci, reason);
        }
    }
}

/// §1.8 quirk: Microsoft's worked example lists no reserved-range `None` routes for a subnet whose
/// route table has a 0.0.0.0/0 UDR. Shown here as Invalid so the user still sees them.
fn drop_reserved_under_default_udr(cands: &mut SubnetRoutes) {
    let default_udr = (0..cands.routes.len())
        .find(|&i| {
            let c = &cands.routes[i];
            c.kind == Kind::User && c.active() && c.cidr().is_some_and(|n| n.prefix_len() == 0)
        })
        .map(|i| cands.route_ref(i));
    let Some(udr) = default_udr else { return };
    let reserved: Vec<usize> = (0..cands.routes.len())
        .filter(|&i| cands.routes[i].kind == Kind::Reserved && cands.routes[i].active())
        .collect();
    for i in reserved {
        let reason = Invalidation {
            by: udr.clone(),
            before: "removed because ",
            after: Cow::Borrowed(
                " takes 0.0.0.0/0, as in Microsoft's documented routing example (option \
                 drop_reserved_none_routes_under_default_udr)",
            ),
        };
        cands.invalidate(i, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DestAddr;

    fn cidr(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    fn route(source: RouteSource, prefix: RoutePrefix, hop: NextHopType) -> EffectiveRoute {
        EffectiveRoute {
            source,
            state: RouteState::Active,
            prefix,
            next_hop_type: hop,
            next_hop_ip: None,
            name: SharedStr::default(),
            element: ElementRef::new("test", "test", None),
            invalid_reason: None,
        }
    }

    // §1.2 / §5: endpoint types map to the tag whose prefixes they inject.
    #[test]
    fn service_endpoint_tags() {
        let st = service_endpoint_tag("Microsoft.Storage", "eastus2");
        assert_eq!(st, ServiceEndpointTag { tag: "Storage.EastUS2".into(), inferred: true });
        assert_eq!(service_endpoint_tag("microsoft.storage.global", "eastus2").tag, "Storage");
        assert_eq!(service_endpoint_tag("Microsoft.Sql", "westeurope").tag, "Sql.WestEurope");
        assert_eq!(service_endpoint_tag("Microsoft.KeyVault", "eastus2").tag, "AzureKeyVault");
        assert_eq!(service_endpoint_tag("Microsoft.EventHub", "eastus2").tag, "EventHub");
        let unknown = service_endpoint_tag("Microsoft.Shiny", "eastus2");
        assert_eq!(unknown, ServiceEndpointTag { tag: "Shiny".into(), inferred: true });
    }

    // §1.4: among tags on equal footing, regional > top-level > AzureCloud.<region> > AzureCloud.
    #[test]
    fn tag_classes_order_as_documented() {
        assert!(tag_class("Storage.EastUS2") > tag_class("Storage"));
        assert!(tag_class("Storage") > tag_class("AzureCloud.eastus2"));
        assert!(tag_class("AzureCloud.eastus2") > tag_class("AzureCloud"));
    }

    #[test]
    fn select_ignores_invalid_routes_and_returns_none_without_match() {
        let mut r = route(RouteSource::User, RoutePrefix::Cidr(cidr("10.0.0.0/8")), NextHopType::None);
        r.state = RouteState::Invalid;
        let routes = vec![r];
        let t = ServiceTags::symbolic();
        assert!(select(&routes, &DestAddr::ip(Ipv4Addr::new(10, 1, 1, 1)), &t).is_none());
        assert!(select(&[], &DestAddr::ip(Ipv4Addr::new(10, 1, 1, 1)), &t).is_none());
    }

    // §1.4: explicit CIDR beats a tag on an exact tie; without data a tag route is "/1-ish".
    #[test]
    fn tag_match_without_data_beats_only_default_route() {
        let t = ServiceTags::symbolic();
        let tag = route(RouteSource::User, RoutePrefix::Tag("Storage".into()), NextHopType::Internet);
        let zero = route(RouteSource::User, RoutePrefix::Cidr(cidr("0.0.0.0/0")), NextHopType::None);
        let one =
            route(RouteSource::User, RoutePrefix::Cidr(cidr("0.0.0.0/1")), NextHopType::VirtualAppliance);
        let mut dest = DestAddr::ip(Ipv4Addr::new(20, 38, 1, 1));
        dest.tags = vec!["Storage.EastUS2".into()];
        let routes = vec![zero.clone(), tag.clone()];
        assert_eq!(select(&routes, &dest, &t), Some(&routes[1]));
        let routes = vec![tag, one, zero];
        assert_eq!(select(&routes, &dest, &t), Some(&routes[1]), "explicit /1 beats the tag on a tie");
    }
}
