//! Parts of a workspace's flows already written into its buffer, copied when they come again.
//!
//! Why: a workspace's ~37 flows cross the same few elements (its NSG rules, routes, the hub's
//! firewall and zones) and share a handful of performance estimates; each was written anew,
//! escaping every string and formatting every number. Copying the text written the first time
//! costs a fraction of that. A part is copied only when it is written alike (same value, same
//! depth, so the same indentation) into the same buffer.

use adbflow_databricks::performance::FlowPerformance;
use adbflow_model::ElementRef;
use std::io;
use std::ops::Range;

/// Estimates remembered at most: more distinct ones than this in one workspace are written anew.
const ESTIMATES_REMEMBERED: usize = 16;

/// Slots for elements (a power of two): a workspace's flows cross a few dozen distinct ones.
const ELEMENT_SLOTS: usize = 256;

/// What has been written into one buffer, by where.
pub(super) struct Written<'f> {
    estimates: Vec<(&'f FlowPerformance, Range<usize>)>,
    /// Direct-mapped by a hash of the element's id: a collision writes the element anew.
    elements: Vec<Option<(&'f ElementRef, usize, Range<usize>)>>,
}

impl<'f> Written<'f> {
    pub(super) fn new() -> Self {
        Written { estimates: Vec::new(), elements: vec![None; ELEMENT_SLOTS] }
    }

    /// `performance` at `depth`: copied if an estimate written alike is in `out`, else written
    /// by `write`.
    pub(super) fn estimate(
        &mut self,
        out: &mut Vec<u8>,
        performance: &'f FlowPerformance,
        write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
    ) -> io::Result<()> {
        if let Some((_, text)) = self.estimates.iter().find(|(p, _)| written_alike(p, performance)) {
            out.extend_from_within(text.clone());
            return Ok(());
        }
        let start = out.len();
        write(out)?;
        if self.estimates.len() < ESTIMATES_REMEMBERED {
            self.estimates.push((performance, start..out.len()));
        }
        Ok(())
    }

    /// `element` at `depth`: copied if an equal element at the same depth is in `out`, else
    /// written by `write`.
    pub(super) fn element(
        &mut self,
        out: &mut Vec<u8>,
        element: &'f ElementRef,
        depth: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) {
        let slot = text_hash(&element.id, depth) & (ELEMENT_SLOTS - 1);
        if let Some(Some((seen, at, text))) = self.elements.get(slot) {
            if *at == depth && *seen == element {
                out.extend_from_within(text.clone());
                return;
            }
        }
        let start = out.len();
        write(out);
        if let Some(s) = self.elements.get_mut(slot) {
            *s = Some((element, depth, start..out.len()));
        }
    }
}

/// Whether two estimates are written as the same text. Not `==`: `0.0 == -0.0`, but they are
/// written differently.
fn written_alike(a: &FlowPerformance, b: &FlowPerformance) -> bool {
    let FlowPerformance { latency_ms, latency_from, connection_gbps, limited_by, bandwidth_from, inferred } =
        a;
    let bits = |x: &f64| x.to_bits();
    latency_ms.iter().map(bits).eq(b.latency_ms.iter().map(bits))
        && *latency_from == b.latency_from
        && connection_gbps.as_ref().map(bits) == b.connection_gbps.as_ref().map(bits)
        && *limited_by == b.limited_by
        && *bandwidth_from == b.bandwidth_from
        && *inferred == b.inferred
}

/// A hash of `text` and `depth` for the element slots, from its length and three words: its
/// first eight bytes and its last sixteen. Ids of one workspace share long prefixes
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
    let mut h = (n as u64) ^ ((depth as u64) << 32);
    for w in [word(0), word(n.saturating_sub(16)), word(n.saturating_sub(8))] {
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    (h ^ (h >> 29)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use adbflow_model::Origin;

    fn el(id: &str, line: u32) -> ElementRef {
        ElementRef::new(id, "n", Some(Origin::File { file: "f.json".into(), line, column: 1 }))
    }

    /// Writes `e` at `depth` through `w`, the writer leaving `text`; says whether it was called.
    fn put<'f>(w: &mut Written<'f>, out: &mut Vec<u8>, e: &'f ElementRef, depth: usize, text: &str) -> bool {
        let mut called = false;
        w.element(out, e, depth, |out| {
            called = true;
            out.extend_from_slice(text.as_bytes());
        });
        called
    }

    #[test]
    fn an_element_again_at_its_depth_is_copied_and_any_difference_is_written_anew() {
        let (a, a_again, a_elsewhere) = (el("rule:x", 3), el("rule:x", 3), el("rule:x", 9));
        let mut w = Written::new();
        let mut out = Vec::new();
        assert!(put(&mut w, &mut out, &a, 4, "<a>"));
        assert!(!put(&mut w, &mut out, &a_again, 4, "<not used>"));
        // The same id defined elsewhere is another element.
        assert!(put(&mut w, &mut out, &a_elsewhere, 4, "<a'>"));
        assert_eq!(String::from_utf8_lossy(&out), "<a><a><a'>");
    }

    #[test]
    fn an_equal_element_at_another_depth_is_written_anew_even_in_the_same_slot() {
        // An id whose slot is the same at depths 2 and 4, so that only the depth tells them apart.
        let id = (0..100_000)
            .map(|i| format!("rule:{i}"))
            .find(|id| text_hash(id, 2) % ELEMENT_SLOTS == text_hash(id, 4) % ELEMENT_SLOTS)
            .expect("an id sharing a slot at two depths");
        let e = el(&id, 1);
        let mut w = Written::new();
        let mut out = Vec::new();
        assert!(put(&mut w, &mut out, &e, 2, "<shallow>"));
        assert!(put(&mut w, &mut out, &e, 4, "<deep>"));
        assert!(!put(&mut w, &mut out, &e, 4, "<not used>"));
        assert_eq!(String::from_utf8_lossy(&out), "<shallow><deep><deep>");
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
        let mut calls = 0;
        for (perf, text) in [(&p, "<p>"), (&q, "<q>"), (&p, "<x>"), (&q, "<y>")] {
            w.estimate(&mut out, perf, |out| {
                calls += 1;
                out.extend_from_slice(text.as_bytes());
                Ok(())
            })
            .expect("writes");
        }
        assert_eq!(calls, 2);
        assert_eq!(String::from_utf8_lossy(&out), "<p><q><p><q>");
    }
}
