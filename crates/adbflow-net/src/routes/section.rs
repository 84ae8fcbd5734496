//! A subnet's service-endpoint routes from the tag data file, kept apart and shared.
//!
//! With the full tag file a `Microsoft.Storage` endpoint adds ~300 `Storage.<Region>` prefixes
//! to a subnet's routes, the same in every subnet of the region with the same endpoints. Expanded
//! into each subnet's list they were most of computing its routes (pushed, ordered, settled and
//! indexed per subnet), and a destination known only by its tag was checked against all of them
//! again in each subnet. An [`EndpointSection`] holds them once per list of endpoint tags:
//! ordered as a subnet shows them, settled among themselves, indexed by prefix length, and with
//! the answers for symbolic destinations remembered for every subnet that shares it.
//!
//! What a section's routes decide does not depend on the subnet: service-endpoint routes outrank
//! every other route of equal prefix and can't be overridden (§1.6), so only another
//! service-endpoint route of the same prefix (an earlier one) makes one of them Invalid.

use super::RoutePrefix;
use crate::tags::{ServiceTags, TagPrefixes};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard};

/// One route of a section, in the order a subnet shows them.
#[derive(Debug)]
pub(crate) struct SectionEntry {
    pub(crate) prefix: RoutePrefix,
    /// Which of the section's endpoint tags added it (its position in the section's key).
    pub(crate) block: u32,
    /// Its place among the section's routes as they were added (endpoint by endpoint, each in
    /// the data file's order): what decides between equal prefixes and which route a gateway
    /// route inside several is said to lose to.
    pub(crate) added: u32,
    /// The entry that wins over this one (the earliest added with the same prefix), when this
    /// one lost.
    pub(crate) overridden_by: Option<u32>,
}

/// The longest length at which a section route holds a published prefix of a symbolic
/// destination's tags, and the entry chosen there.
type Holding = Option<(u8, u32)>;

/// The service-endpoint routes of one list of endpoint tags (see the module documentation).
#[derive(Debug)]
pub(crate) struct EndpointSection {
    /// The endpoint tags, in the subnet's endpoint order: a subnet with the same list (tags the
    /// data file lists) shares the section.
    key: Vec<String>,
    entries: Vec<SectionEntry>,
    /// The Active entries grouped by prefix length, longest first: `(length, [(network, entry)])`,
    /// networks sorted.
    by_length: Vec<(u8, Vec<(u32, u32)>)>,
    /// Symbolic destinations already asked about (their tags) and what holds them.
    symbolic: Mutex<Vec<(Vec<String>, Holding)>>,
}

fn mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

impl EndpointSection {
    /// The section of `key`'s prefixes, or `None` when one of them is 0.0.0.0/0: that route
    /// would compete with the subnet's own default routes, which a section does not know.
    fn build(tags: &ServiceTags, key: &[String]) -> Option<EndpointSection> {
        let mut added: Vec<(u64, u32, u32)> = Vec::new();
        for (block, tag) in (0u32..).zip(key) {
            for p in tags.prefixes(tag).unwrap_or_default() {
                let p = p.trunc();
                if p.prefix_len() == 0 {
                    return None;
                }
                let order = u32::try_from(added.len()).ok()?;
                added.push((
                    u64::from(u32::from(p.network())) << 8 | u64::from(p.prefix_len()),
                    order,
                    block,
                ));
            }
        }
        // Shown by prefix (network, then length), equal prefixes in the order they were added.
        added.sort_unstable();
        let mut entries: Vec<SectionEntry> = Vec::with_capacity(added.len());
        let mut sizes = [0usize; 33];
        let mut run_start = 0u32;
        for (i, &(key, order, block)) in (0u32..).zip(&added) {
            let len = (key & 0xff) as u8;
            let network = Ipv4Addr::from((key >> 8) as u32);
            let same_as_previous = i > 0 && added[i as usize - 1].0 == key;
            if !same_as_previous {
                run_start = i;
                sizes[usize::from(len)] += 1;
            }
            entries.push(SectionEntry {
                prefix: RoutePrefix::Cidr(Ipv4Net::new(network, len).ok()?),
                block,
                added: order,
                overridden_by: same_as_previous.then_some(run_start),
            });
        }
        let mut by_len: Vec<Vec<(u32, u32)>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
        for (i, e) in (0u32..).zip(&entries).filter(|(_, e)| e.overridden_by.is_none()) {
            if let RoutePrefix::Cidr(net) = e.prefix {
                by_len[usize::from(net.prefix_len())].push((u32::from(net.network()), i));
            }
        }
        // Within a length, entries arrive by network already (they are ordered by prefix).
        let by_length = (0u8..=32).zip(by_len).rev().filter(|(_, nets)| !nets.is_empty()).collect();
        Some(EndpointSection { key: key.to_vec(), entries, by_length, symbolic: Mutex::default() })
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn entry(&self, i: usize) -> &SectionEntry {
        &self.entries[i]
    }

    /// The Active entry whose prefix is `net`.
    pub(crate) fn active_with_prefix(&self, net: &Ipv4Net) -> Option<u32> {
        let (_, nets) = self.by_length.iter().find(|(len, _)| *len == net.prefix_len())?;
        let network = u32::from(net.network());
        nets.binary_search_by_key(&network, |&(n, _)| n).ok().map(|i| nets[i].1)
    }

    /// The earliest added entry whose prefix contains `net` (or equals it).
    pub(crate) fn first_containing(&self, net: &Ipv4Net) -> Option<u32> {
        let network = u32::from(net.network());
        self.by_length
            .iter()
            .filter(|(len, _)| *len <= net.prefix_len())
            .filter_map(|(len, nets)| {
                let key = network & mask(*len);
                nets.binary_search_by_key(&key, |&(n, _)| n).ok().map(|i| nets[i].1)
            })
            .min_by_key(|&e| self.entries[e as usize].added)
    }

    /// The Active entry with the longest prefix holding `ip`, and that length.
    pub(crate) fn longest_holding_ip(&self, ip: Ipv4Addr) -> Option<(u8, u32)> {
        let ip = u32::from(ip);
        self.by_length.iter().find_map(|(len, nets)| {
            let key = ip & mask(*len);
            nets.binary_search_by_key(&key, |&(n, _)| n).ok().map(|i| (*len, nets[i].1))
        })
    }

    /// For a destination known by the tags `dest_tags` (named `names`), resolved in the data
    /// file: the longest prefix length at which an Active entry holds a whole published prefix
    /// of one of them, and the entry shown first among those there. Remembered per list of
    /// names: every subnet sharing the section asks about the same few Azure services.
    pub(crate) fn holding_tags(&self, names: &[String], dest_tags: &[TagPrefixes<'_>]) -> Holding {
        if let Some((_, hit)) = self.lock().iter().find(|(n, _)| n.as_slice() == names) {
            return *hit;
        }
        let answer = self.by_length.iter().find_map(|(len, nets)| {
            // Entries of one length are in shown order, so the first holding one is shown first.
            nets.iter()
                .find(|&&(network, _)| {
                    Ipv4Net::new(Ipv4Addr::from(network), *len)
                        .is_ok_and(|net| dest_tags.iter().any(|t| t.any_within(&net)))
                })
                .map(|&(_, e)| (*len, e))
        });
        let mut memo = self.lock();
        // Another thread may have answered the same question meanwhile; one entry is enough.
        if !memo.iter().any(|(n, _)| n.as_slice() == names) {
            memo.push((names.to_vec(), answer));
        }
        answer
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(Vec<String>, Holding)>> {
        // Every entry is inserted whole, so a panic elsewhere cannot leave the memo half-written.
        self.symbolic.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The sections built so far, one per list of endpoint tags; a network keeps one so that all of
/// its subnets share them.
#[derive(Debug, Default)]
pub struct EndpointSections {
    built: Mutex<Vec<Arc<EndpointSection>>>,
    /// Build none: every service-endpoint route is one of the subnet's own, as a subnet whose
    /// endpoints cannot share a section has them.
    expand: bool,
}

impl EndpointSections {
    /// Sections never built: each subnet's service-endpoint routes expanded into its own list.
    /// The answers are the same; tests compare the two.
    pub fn expanded() -> Self {
        EndpointSections { built: Mutex::default(), expand: true }
    }

    /// The section of `key` (endpoint tags the data file lists, in endpoint order), built on first
    /// use; `None` when it cannot be one (see [`EndpointSection::build`]).
    pub(crate) fn get(&self, tags: &ServiceTags, key: &[String]) -> Option<Arc<EndpointSection>> {
        if self.expand {
            return None;
        }
        let mut built = self.built.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(s) = built.iter().find(|s| s.key == key) {
            return Some(Arc::clone(s));
        }
        let section = Arc::new(EndpointSection::build(tags, key)?);
        built.push(Arc::clone(&section));
        Some(section)
    }
}
