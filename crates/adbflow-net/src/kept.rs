//! Element references made the first time a verdict names them, and kept for the next.
//!
//! Every DNS answer, NSG decision and firewall decision of a walk names the element that decided
//! it; making that reference (its id joined, its name and origin copied) for every flow was a
//! third of a lookup or a decision. The network keeps a slot per element instead and hands out
//! copies of what the first ask made. Slots are boxed: one is made for every endpoint, storage
//! account, NSG rule and firewall rule with the network, and most are never filled.

use adbflow_model::ElementRef;
use std::sync::OnceLock;

/// One element's slot: empty until first asked for.
pub(crate) type Slot = OnceLock<Box<ElementRef>>;

/// `n` empty slots.
pub(crate) fn slots(n: usize) -> Vec<Slot> {
    (0..n).map(|_| OnceLock::new()).collect()
}

/// The element kept in `slot`, made by `make` the first time.
pub(crate) fn kept(slot: &Slot, make: impl FnOnce() -> ElementRef) -> ElementRef {
    ElementRef::clone(slot.get_or_init(|| Box::new(make())))
}

/// The element kept at `i` of `slots`, made by `make` the first time; made afresh when there is no
/// slot `i` (an element of another estate).
pub(crate) fn known(slots: &[Slot], i: usize, make: impl FnOnce() -> ElementRef) -> ElementRef {
    match slots.get(i) {
        Some(slot) => kept(slot, make),
        None => make(),
    }
}
