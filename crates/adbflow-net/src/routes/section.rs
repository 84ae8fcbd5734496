//! A subnet's routes expanded from the tag data file, kept apart and shared.
//!
//! With the full tag file a `Microsoft.Storage` endpoint adds ~140–500 prefixes to a subnet's
//! routes and a UDR written with a tag (`AzureActiveDirectory` → Internet) another ~200: the same
//! prefixes in every subnet with the same endpoints and tag UDRs. Expanded into each subnet's list
//! they were most of computing its routes (pushed, ordered, settled and indexed per subnet), and a
//! destination known by its tag was checked against all of them again in each subnet. A
//! [`TagSection`] holds them once per list of such tags: ordered as a subnet shows them,
//! settled among themselves, indexed by prefix length, with the answers for symbolic destinations
//! remembered for every subnet that shares it.
//!
//! What a section's routes decide among themselves does not depend on the subnet (§1.6: a
//! service-endpoint route wins every equal prefix; between tag UDRs the tag's class, then the
//! order). A subnet whose own routes share a prefix with a section's UDR route, or hold a private
//! endpoint one of them covers, expands its tag UDRs instead ([`TagSection::clashes`]).

use super::{CompactRoute, Invalidation, Kind, RoutePrefix, RouteRef, SERVICE_ENDPOINT_WINS};
use crate::longest_match::LongestMatch;
use crate::tags::{ServiceTags, TagPrefixes};
use ipnet::Ipv4Net;
use std::borrow::Cow;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Where a section's routes come from, in the order a subnet adds them: its service endpoints
/// (in endpoint order), then its route table's tag UDRs (in table order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) tag: String,
    pub(crate) kind: BlockKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Endpoint,
    /// A UDR written with a tag: its tag's class (§1.4) and its equal-prefix precedence.
    Udr {
        class: u8,
        precedence: u8,
    },
}

impl BlockKind {
    /// Equal-prefix strength as settling ranks it: a service endpoint above any UDR, a tag UDR
    /// by its tag's class.
    fn strength(self) -> (u8, u8) {
        match self {
            BlockKind::Endpoint => (Kind::ServiceEndpoint.rank(), 0),
            BlockKind::Udr { class, .. } => (Kind::User.rank(), class),
        }
    }

    fn precedence(self) -> u8 {
        match self {
            BlockKind::Endpoint => super::precedence_of(
                Kind::ServiceEndpoint.source(),
                adbflow_model::NextHopType::VirtualNetworkServiceEndpoint,
            ),
            BlockKind::Udr { precedence, .. } => precedence,
        }
    }
}

/// One route of a section.
#[derive(Debug)]
pub(crate) struct SectionEntry {
    pub(crate) prefix: RoutePrefix,
    /// Which of the section's blocks added it.
    pub(crate) block: u32,
    /// Its place among the section's routes as they were added: what decides between equal
    /// prefixes, and which route a gateway route inside several is said to lose to.
    added: u32,
    /// The entry that wins over this one, when this one lost.
    pub(crate) overridden_by: Option<u32>,
}

/// The longest length at which a section route holds a published prefix of a symbolic
/// destination's tags, and the entry chosen there.
type Holding = Option<(u8, u32)>;

/// The routes of one list of blocks (see the module documentation). Entries are in display
/// order: the service endpoints' (shown together) and then the tag UDRs' (shown among the
/// subnet's other UDRs), each by prefix and then as added.
#[derive(Debug)]
pub(crate) struct TagSection {
    key: Vec<Block>,
    entries: Vec<SectionEntry>,
    /// How many entries are service endpoints' (the first ones).
    endpoint_entries: usize,
    /// The prefixes of the UDR entries, as `prefix_key`s, in their order (sorted).
    udr_keys: Vec<u64>,
    /// The Active entries grouped by prefix length, longest first: `(length, [(network, entry)])`,
    /// networks sorted.
    by_length: Vec<(u8, Vec<(u32, u32)>)>,
    /// The same entries as ranges of addresses, for the longest holding an address in one search.
    holding_ip: LongestMatch<u32>,
    /// Symbolic destinations already asked about (their tags) and what holds them.
    symbolic: Mutex<Vec<(Vec<String>, Holding)>>,
}

fn mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

/// A prefix as one integer that orders as the routes are shown: network, then length.
fn prefix_key(p: &Ipv4Net) -> u64 {
    u64::from(u32::from(p.network())) << 8 | u64::from(p.prefix_len())
}

impl TagSection {
    /// The section of `key`'s prefixes, or `None` when one of them is 0.0.0.0/0: that route
    /// would compete with the subnet's own default routes, which a section does not know.
    fn build(tags: &ServiceTags, key: &[Block]) -> Option<TagSection> {
        // (shown region, prefix key, added, block)
        let mut added: Vec<(bool, u64, u32, u32)> = Vec::new();
        for (block, b) in (0u32..).zip(key) {
            for p in tags.prefixes(&b.tag).unwrap_or_default() {
                let p = p.trunc();
                if p.prefix_len() == 0 {
                    return None;
                }
                let order = u32::try_from(added.len()).ok()?;
                added.push((b.kind != BlockKind::Endpoint, prefix_key(&p), order, block));
            }
        }
        added.sort_unstable();
        let endpoint_entries = added.iter().take_while(|a| !a.0).count();
        let mut entries: Vec<SectionEntry> = Vec::with_capacity(added.len());
        for &(_, pkey, order, block) in &added {
            let network = Ipv4Addr::from((pkey >> 8) as u32);
            let len = (pkey & 0xff) as u8;
            let prefix = RoutePrefix::Cidr(Ipv4Net::new(network, len).ok()?);
            entries.push(SectionEntry { prefix, block, added: order, overridden_by: None });
        }
        // Equal prefixes, wherever shown, settled as `settle_equal_prefixes` does: the strongest
        // wins, the earliest added on a tie.
        let mut by_prefix: Vec<(u64, u32, u32)> =
            (0u32..).zip(&added).map(|(i, &(_, pkey, order, _))| (pkey, order, i)).collect();
        by_prefix.sort_unstable();
        for run in by_prefix.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
            let strength = |i: u32| key[entries[i as usize].block as usize].kind.strength();
            let winner =
                run.iter().map(|r| r.2).reduce(|w, i| if strength(i) > strength(w) { i } else { w })?;
            for &(_, _, i) in run.iter().filter(|r| r.2 != winner) {
                entries[i as usize].overridden_by = Some(winner);
            }
        }
        let mut sizes = [0usize; 33];
        let active = || (0u32..).zip(&entries).filter(|(_, e)| e.overridden_by.is_none());
        for (_, e) in active() {
            if let RoutePrefix::Cidr(net) = e.prefix {
                sizes[usize::from(net.prefix_len())] += 1;
            }
        }
        let mut by_len: Vec<Vec<(u32, u32)>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
        for (i, e) in active() {
            if let RoutePrefix::Cidr(net) = e.prefix {
                by_len[usize::from(net.prefix_len())].push((u32::from(net.network()), i));
            }
        }
        for nets in &mut by_len {
            nets.sort_unstable();
        }
        let holding_ip = LongestMatch::new(by_len.iter().enumerate().flat_map(|(len, nets)| {
            nets.iter().filter_map(move |&(network, e)| {
                Some((Ipv4Net::new(Ipv4Addr::from(network), u8::try_from(len).ok()?).ok()?, e))
            })
        }));
        let by_length = (0u8..=32).zip(by_len).rev().filter(|(_, nets)| !nets.is_empty()).collect();
        let udr_keys = added[endpoint_entries..].iter().map(|a| a.1).collect();
        Some(TagSection {
            key: key.to_vec(),
            entries,
            endpoint_entries,
            udr_keys,
            by_length,
            holding_ip,
            symbolic: Mutex::default(),
        })
    }

    pub(crate) fn entry(&self, i: usize) -> &SectionEntry {
        &self.entries[i]
    }

    fn kind_of(&self, entry: u32) -> BlockKind {
        self.key[self.entries[entry as usize].block as usize].kind
    }

    /// The equal-prefix precedence of an entry's route.
    pub(crate) fn precedence(&self, entry: u32) -> u8 {
        self.kind_of(entry).precedence()
    }

    /// The Active entry whose prefix is `net`.
    pub(crate) fn active_with_prefix(&self, net: &Ipv4Net) -> Option<u32> {
        let (_, nets) = self.by_length.iter().find(|(len, _)| *len == net.prefix_len())?;
        let network = u32::from(net.network());
        nets.binary_search_by_key(&network, |&(n, _)| n).ok().map(|i| nets[i].1)
    }

    /// The earliest added service-endpoint entry whose prefix contains `net` (or equals it).
    pub(crate) fn first_endpoint_containing(&self, net: &Ipv4Net) -> Option<u32> {
        let network = u32::from(net.network());
        // A prefix's Active entry is the earliest added service endpoint's when there is one.
        self.by_length
            .iter()
            .filter(|(len, _)| *len <= net.prefix_len())
            .filter_map(|(len, nets)| {
                let key = network & mask(*len);
                nets.binary_search_by_key(&key, |&(n, _)| n).ok().map(|i| nets[i].1)
            })
            .filter(|&e| self.kind_of(e) == BlockKind::Endpoint)
            .min_by_key(|&e| self.entries[e as usize].added)
    }

    /// The Active entry with the longest prefix holding `ip`, and that length.
    pub(crate) fn longest_holding_ip(&self, ip: Ipv4Addr) -> Option<(u8, u32)> {
        self.holding_ip.get(u32::from(ip))
    }

    /// For a destination known by the tags `dest_tags` (named `names`), resolved in the data
    /// file: the longest prefix length at which an Active entry holds a whole published prefix
    /// of one of them, and the entry preferred there (higher precedence, then shown first).
    /// Remembered per list of names: every subnet sharing the section asks about the same few
    /// Azure services.
    pub(crate) fn holding_tags(&self, names: &[String], dest_tags: &[TagPrefixes<'_>]) -> Holding {
        if let Some((_, hit)) = self.lock().iter().find(|(n, _)| n.as_slice() == names) {
            return *hit;
        }
        let answer = self.by_length.iter().find_map(|(len, nets)| {
            let holding = nets.iter().filter(|&&(network, _)| {
                Ipv4Net::new(Ipv4Addr::from(network), *len)
                    .is_ok_and(|net| dest_tags.iter().any(|t| t.any_within(&net)))
            });
            // Entries are numbered in shown order, so the smaller of equal precedence is shown first.
            let preferred = |&&(_, e): &&(u32, u32)| (self.precedence(e), std::cmp::Reverse(e));
            holding.max_by_key(preferred).map(|&(_, e)| (*len, e))
        });
        let mut memo = self.lock();
        // Another thread may have answered the same question meanwhile; one entry is enough.
        if !memo.iter().any(|(n, _)| n.as_slice() == names) {
            memo.push((names.to_vec(), answer));
        }
        answer
    }

    /// Whether the subnet's own routes `own` meet the section's UDR
    /// routes where settling them needs the subnet: an equal prefix, or a private endpoint's
    /// address inside one (§1.7: decided by the first covering UDR in table order). Such a subnet
    /// expands its tag UDRs instead.
    pub(super) fn clashes(&self, own: &[CompactRoute]) -> bool {
        let keys = &self.udr_keys;
        let listed = |net: &Ipv4Net| keys.binary_search(&prefix_key(net)).is_ok();
        let inside_one = |net: &Ipv4Net| {
            (1..net.prefix_len())
                .any(|len| Ipv4Net::new(net.network(), len).is_ok_and(|n| listed(&n.trunc())))
        };
        !keys.is_empty()
            && own.iter().any(|r| {
                r.cidr()
                    .is_some_and(|net| listed(&net) || r.kind == Kind::PrivateEndpoint && inside_one(&net))
            })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(Vec<String>, Holding)>> {
        // Every entry is inserted whole, so a panic elsewhere cannot leave the memo half-written.
        self.symbolic.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The sections built so far, one per list of blocks; a network keeps one so that all of its
/// subnets share them. One per tag data: a section holds the prefixes of the `ServiceTags` it was
/// first asked with.
#[derive(Debug, Default)]
pub struct TagSections {
    built: Mutex<Vec<Arc<TagSection>>>,
    /// Build none: every tag-expanded route is one of the subnet's own, as a subnet whose
    /// routes cannot share a section has them.
    expand: bool,
}

impl TagSections {
    /// Sections never built: each subnet's tag-expanded routes expanded into its own list. The
    /// answers are the same; tests compare the two.
    pub fn expanded() -> Self {
        TagSections { built: Mutex::default(), expand: true }
    }

    /// The section of `key`, built on first use; `None` when it cannot be one (see
    /// [`TagSection::build`]).
    pub(crate) fn get(&self, tags: &ServiceTags, key: &[Block]) -> Option<Arc<TagSection>> {
        if self.expand || key.is_empty() {
            return None;
        }
        let mut built = self.built.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(s) = built.iter().find(|s| s.key == key) {
            return Some(Arc::clone(s));
        }
        let section = Arc::new(TagSection::build(tags, key)?);
        built.push(Arc::clone(&section));
        Some(section)
    }
}

/// A subnet's place for a shared section: the subnet's origin for each block, and where the
/// section's routes are shown among the subnet's own.
#[derive(Debug, Clone)]
pub(crate) struct SectionRef {
    pub(crate) section: Arc<TagSection>,
    /// The origin (the subnet's endpoint or UDR) of each of the section's blocks, in block order.
    pub(crate) origins: Vec<u32>,
    pub(crate) places: SectionPlaces,
}

/// Where a section's routes fall in a subnet's display order. The service endpoints' are shown
/// together at `endpoints_at`; the tag UDRs' among the subnet's own UDRs (which begin at its own
/// position `udrs_from`), by prefix: own UDR `j` (counted from there) has `udrs_before[j]` of the
/// section's before it, and is at `udr_at[j]` among the merged UDRs.
#[derive(Debug, Clone, Default)]
pub(crate) struct SectionPlaces {
    endpoints_at: usize,
    endpoints: usize,
    udrs_from: usize,
    udr_entries: usize,
    udrs_before: Vec<usize>,
    udr_at: Vec<usize>,
}

/// Where a display position falls: among the subnet's own routes (by own position) or in its
/// section (by entry).
pub(crate) enum Place {
    Own(usize),
    Section(usize),
}

impl SectionPlaces {
    /// `own`: the subnet's own routes in display order.
    pub(super) fn new(section: &TagSection, own: &[CompactRoute]) -> SectionPlaces {
        let endpoints_at = own.iter().take_while(|r| r.kind < Kind::ServiceEndpoint).count();
        let udrs_from = own.iter().take_while(|r| r.kind < Kind::User).count();
        let keys = &section.udr_keys;
        // Own and section UDRs never share a prefix (see `TagSection::clashes`), so a count of the
        // section's smaller keys places each own UDR; own tag routes come after every CIDR.
        let udrs_before: Vec<usize> = own[udrs_from..]
            .iter()
            .map(|r| r.cidr().map_or(keys.len(), |net| keys.partition_point(|s| *s < prefix_key(&net))))
            .collect();
        let udr_at = (0..).zip(&udrs_before).map(|(j, b)| j + b).collect();
        SectionPlaces {
            endpoints_at,
            endpoints: section.endpoint_entries,
            udrs_from,
            udr_entries: keys.len(),
            udrs_before,
            udr_at,
        }
    }

    pub(crate) fn place(&self, i: usize) -> Place {
        if i < self.endpoints_at {
            return Place::Own(i);
        }
        if i < self.endpoints_at + self.endpoints {
            return Place::Section(i - self.endpoints_at);
        }
        let own = i - self.endpoints;
        if own < self.udrs_from {
            return Place::Own(own);
        }
        let r = own - self.udrs_from;
        let owns_before = self.udr_at.partition_point(|&at| at < r);
        if self.udr_at.get(owns_before) == Some(&r) {
            Place::Own(self.udrs_from + owns_before)
        } else {
            Place::Section(self.endpoints + r - owns_before)
        }
    }

    /// The display position of section entry `e`.
    pub(crate) fn position(&self, e: usize) -> usize {
        if e < self.endpoints {
            return self.endpoints_at + e;
        }
        let t = e - self.endpoints;
        // Own UDRs shown before it: those with at most `t` of the section's UDRs before them.
        let owns = self.udrs_before.partition_point(|&b| b <= t);
        self.endpoints + self.udrs_from + t + owns
    }

    pub(crate) fn len(&self) -> usize {
        self.endpoints + self.udr_entries
    }

    /// The display position of the subnet's own route `j` (its position among its own).
    pub(crate) fn own_position(&self, j: usize) -> usize {
        if j < self.endpoints_at {
            j
        } else if j < self.udrs_from {
            j + self.endpoints
        } else {
            j + self.endpoints + self.udrs_before[j - self.udrs_from]
        }
    }
}

impl SectionRef {
    /// `section` for a subnet whose blocks' origins are `origins`; placed once its own routes are
    /// in display order.
    pub(crate) fn new(section: Arc<TagSection>, origins: Vec<u32>) -> Self {
        SectionRef { section, origins, places: SectionPlaces::default() }
    }

    pub(crate) fn entry(&self, k: usize) -> &SectionEntry {
        self.section.entry(k)
    }

    /// The subnet's origin (endpoint or UDR) of a section entry.
    pub(crate) fn origin(&self, entry: &SectionEntry) -> u32 {
        self.origins[entry.block as usize]
    }

    /// Section entry `winner`, as an invalid-route reason names it.
    pub(crate) fn route_ref(&self, winner: u32) -> RouteRef {
        let w = self.entry(winner as usize);
        let kind = match self.section.kind_of(winner) {
            BlockKind::Endpoint => Kind::ServiceEndpoint,
            BlockKind::Udr { .. } => Kind::User,
        };
        RouteRef { origin: self.origin(w), kind, prefix: w.prefix.clone() }
    }

    /// Why a route loses to section entry `winner` of equal prefix.
    pub(crate) fn overridden_by(&self, winner: u32) -> Invalidation {
        let after = match self.section.kind_of(winner) {
            BlockKind::Endpoint => SERVICE_ENDPOINT_WINS,
            BlockKind::Udr { .. } => "",
        };
        Invalidation { by: self.route_ref(winner), before: "overridden by ", after: Cow::Borrowed(after) }
    }
}
