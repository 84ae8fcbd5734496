//! Parts of a workspace's flows already written into its buffer, copied when they come again.
//!
//! Why: a workspace's ~37 flows cross the same few elements (its NSG rules, routes, the hub's
//! firewall and zones), take many of the same hops (56 % of hops at 100 workspaces repeat one
//! of the same workspace), get the same DNS answers and share a handful of performance
//! estimates; each was written anew, escaping every string and formatting every number.
//! Copying the text written the first time costs a fraction of that. A part is copied only when
//! it is written alike (equal, at the same depth, so with the same indentation) into the same
//! buffer.

use adbflow_databricks::performance::FlowPerformance;
use adbflow_model::ElementRef;
use adbflow_net::{DnsAnswer, Hop};
use std::ops::Range;

/// What has been written into one buffer, and where, by kind of part.
pub(super) struct Written<'f> {
    pub(super) estimates: Remembered<'f, FlowPerformance>,
    pub(super) elements: Remembered<'f, ElementRef>,
    pub(super) hops: Remembered<'f, Hop>,
    pub(super) answers: Remembered<'f, Vec<DnsAnswer>>,
}

impl Written<'_> {
    pub(super) fn new() -> Self {
        // A workspace's flows have a handful of estimates and answer lists, a few dozen elements
        // and hops each.
        Written {
            estimates: Remembered::new(64),
            elements: Remembered::new(256),
            hops: Remembered::new(256),
            answers: Remembered::new(64),
        }
    }
}

/// Parts of one kind written into the buffer: direct-mapped by a hash of the part and its depth,
/// a part that hashes like another replacing it (and being written anew when it comes again).
pub(super) struct Remembered<'f, T> {
    slots: Vec<Option<(&'f T, usize, Range<usize>)>>,
}

impl<'f, T: Alike> Remembered<'f, T> {
    /// `slots` a power of two.
    fn new(slots: usize) -> Self {
        Remembered { slots: vec![None; slots] }
    }

    /// `value` at `depth` at the end of `out`: its text copied if it has been written alike,
    /// else written by `write` and remembered.
    pub(super) fn write<E>(
        &mut self,
        out: &mut Vec<u8>,
        value: &'f T,
        depth: usize,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let slot = value.hash(depth) & (self.slots.len() - 1);
        if let Some(Some((seen, at, text))) = self.slots.get(slot) {
            if *at == depth && seen.alike(value) {
                out.extend_from_within(text.clone());
                return Ok(());
            }
        }
        let start = out.len();
        write(out)?;
        if let Some(s) = self.slots.get_mut(slot) {
            *s = Some((value, depth, start..out.len()));
        }
        Ok(())
    }
}

/// A part as written: when two are alike their texts at one depth are the same (equal, unless
/// a type says otherwise); and what its slot is hashed from.
pub(super) trait Alike: PartialEq {
    fn alike(&self, other: &Self) -> bool {
        self == other
    }
    fn hash(&self, depth: usize) -> usize;
}

impl Alike for ElementRef {
    fn hash(&self, depth: usize) -> usize {
        text_hash(&self.id, depth)
    }
}

impl Alike for Hop {
    fn hash(&self, depth: usize) -> usize {
        text_hash(&self.detail, depth)
    }
}

impl Alike for Vec<DnsAnswer> {
    fn hash(&self, depth: usize) -> usize {
        let last = self.last().map_or("", |a| a.name.as_str());
        text_hash(last, depth) ^ self.len()
    }
}

impl Alike for FlowPerformance {
    /// Not `==`: `0.0 == -0.0`, but they are written differently.
    fn alike(&self, other: &Self) -> bool {
        let FlowPerformance {
            latency_ms,
            latency_from,
            connection_gbps,
            limited_by,
            bandwidth_from,
            inferred,
        } = self;
        let bits = |x: &f64| x.to_bits();
        latency_ms.iter().map(bits).eq(other.latency_ms.iter().map(bits))
            && *latency_from == other.latency_from
            && connection_gbps.as_ref().map(bits) == other.connection_gbps.as_ref().map(bits)
            && *limited_by == other.limited_by
            && *bandwidth_from == other.bandwidth_from
            && *inferred == other.inferred
    }
    fn hash(&self, depth: usize) -> usize {
        let numbers = self.latency_ms.iter().chain(self.connection_gbps.as_ref()).map(|x| x.to_bits());
        mix((depth as u64) ^ u64::from(self.inferred), numbers) ^ self.latency_from.len()
    }
}

/// A hash of `text` and `depth` for the slots, from its length and three words: its first
/// eight bytes and its last sixteen. Ids and sentences of one workspace share long prefixes
/// (`nsg-rule:spoke-00040-nsg/…`) and differ at the end; two that hash alike only cost a rewrite.
fn text_hash(text: &str, depth: usize) -> usize {
    let bytes = text.as_bytes();
    let word = |at: usize| -> u64 {
        match bytes.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            Some(w) => u64::from_le_bytes(w),
            // Shorter than a word: its bytes, padded.
            None => bytes.iter().skip(at).fold(0, |h, &b| (h << 8) | u64::from(b)),
        }
    };
    let n = bytes.len();
    mix((n as u64) ^ ((depth as u64) << 32), [word(0), word(n.saturating_sub(16)), word(n.saturating_sub(8))])
}

/// `words` folded into `seed`, spread over a slot index's low bits.
fn mix(seed: u64, words: impl IntoIterator<Item = u64>) -> usize {
    let h = words.into_iter().fold(seed, |h, w| (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95));
    (h ^ (h >> 29)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use adbflow_model::Origin;

    fn el(id: &str, line: u32) -> ElementRef {
        ElementRef::new(id, "n", Some(Origin::File { file: "f.json".into(), line, column: 1 }))
    }

    /// `v` at `depth` copied, or written as `text` and remembered; says whether it was written.
    fn put<'f, T: Alike>(
        r: &mut Remembered<'f, T>,
        out: &mut Vec<u8>,
        v: &'f T,
        depth: usize,
        text: &str,
    ) -> bool {
        let mut wrote = false;
        let done: Result<(), ()> = r.write(out, v, depth, |out| {
            wrote = true;
            out.extend_from_slice(text.as_bytes());
            Ok(())
        });
        assert_eq!(done, Ok(()));
        wrote
    }

    #[test]
    fn an_element_again_at_its_depth_is_copied_and_any_difference_is_written_anew() {
        let (a, a_again, a_elsewhere) = (el("rule:x", 3), el("rule:x", 3), el("rule:x", 9));
        let mut w = Written::new();
        let mut out = Vec::new();
        assert!(put(&mut w.elements, &mut out, &a, 4, "<a>"));
        assert!(!put(&mut w.elements, &mut out, &a_again, 4, "<not used>"));
        // The same id defined elsewhere is another element.
        assert!(put(&mut w.elements, &mut out, &a_elsewhere, 4, "<a'>"));
        assert_eq!(String::from_utf8_lossy(&out), "<a><a><a'>");
    }

    #[test]
    fn an_equal_element_at_another_depth_is_written_anew_even_in_the_same_slot() {
        // An id whose slot is the same at depths 2 and 4, so that only the depth tells them apart.
        let slots = Written::new().elements.slots.len();
        let id = (0..100_000)
            .map(|i| format!("rule:{i}"))
            .find(|id| text_hash(id, 2) % slots == text_hash(id, 4) % slots)
            .expect("an id sharing a slot at two depths");
        let e = el(&id, 1);
        let mut w = Written::new();
        let mut out = Vec::new();
        assert!(put(&mut w.elements, &mut out, &e, 2, "<shallow>"));
        assert!(put(&mut w.elements, &mut out, &e, 4, "<deep>"));
        assert!(!put(&mut w.elements, &mut out, &e, 4, "<not used>"));
        assert_eq!(String::from_utf8_lossy(&out), "<shallow><deep><deep>");
    }

    #[test]
    fn a_hop_is_copied_only_when_every_field_is_the_same() {
        let hop = Hop {
            kind: adbflow_net::HopKind::Route,
            decided_by: el("route:x", 1),
            detail: "0.0.0.0/0 → firewall".into(),
            inferred: false,
        };
        let inferred = Hop { inferred: true, ..hop.clone() };
        let other_rule = Hop { decided_by: el("route:y", 1), ..hop.clone() };
        let mut w = Written::new();
        let mut out = Vec::new();
        assert!(put(&mut w.hops, &mut out, &hop, 3, "<h>"));
        assert!(put(&mut w.hops, &mut out, &inferred, 3, "<i>"));
        assert!(put(&mut w.hops, &mut out, &other_rule, 3, "<o>"));
        assert!(!put(&mut w.hops, &mut out, &other_rule, 3, "<not used>"));
        assert_eq!(String::from_utf8_lossy(&out), "<h><i><o><o>");
    }

    #[test]
    fn estimates_differing_only_in_the_sign_of_a_zero_are_each_written() {
        let p = FlowPerformance {
            latency_ms: [0.0, 1.0],
            latency_from: vec!["latency-vnet".into()],
            connection_gbps: None,
            limited_by: None,
            bandwidth_from: None,
            inferred: true,
        };
        let q = FlowPerformance { latency_ms: [-0.0, 1.0], ..p.clone() };
        let mut w = Written::new();
        let mut out = Vec::new();
        let written: Vec<bool> = [(&p, "<p>"), (&q, "<q>"), (&p, "<x>"), (&q, "<y>")]
            .into_iter()
            .map(|(perf, text)| put(&mut w.estimates, &mut out, perf, 3, text))
            .collect();
        assert_eq!(written, [true, true, false, false]);
        assert_eq!(String::from_utf8_lossy(&out), "<p><q><p><q>");
    }
}
