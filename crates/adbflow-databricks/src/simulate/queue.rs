//! The event queue on a virtual clock: actions ordered by (time, insertion sequence), so two
//! actions due at the same millisecond run in the order they were scheduled and a run is
//! reproducible. No wall clock is read anywhere in the simulation.

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Queue<A> {
    items: BTreeMap<(u64, u64), A>,
    seq: u64,
    now: u64,
}

impl<A> Default for Queue<A> {
    fn default() -> Self {
        Queue { items: BTreeMap::new(), seq: 0, now: 0 }
    }
}

impl<A> Queue<A> {
    /// Virtual time, ms.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Schedule `a` at `at` (never before now: the past cannot be changed).
    pub fn push(&mut self, at: u64, a: A) {
        let at = at.max(self.now);
        self.items.insert((at, self.seq), a);
        self.seq += 1;
    }

    pub fn peek_time(&self) -> Option<u64> {
        self.items.keys().next().map(|k| k.0)
    }

    /// The next action and move the clock to its time.
    pub fn pop(&mut self) -> Option<(u64, A)> {
        let ((at, _), a) = self.items.pop_first()?;
        self.now = at;
        Some((at, a))
    }

    /// Move the clock forward to `t` without running anything (nothing may be due before `t`).
    pub fn set_now(&mut self, t: u64) {
        self.now = self.now.max(t);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_time_actions_keep_their_order_and_the_clock_follows() {
        let mut q = Queue::default();
        q.push(500, "b");
        q.push(100, "a");
        q.push(500, "c");
        assert_eq!(q.pop(), Some((100, "a")));
        assert_eq!(q.now(), 100);
        assert_eq!(q.pop(), Some((500, "b")));
        assert_eq!(q.pop(), Some((500, "c")));
        q.push(10, "late");
        assert_eq!(q.pop(), Some((500, "late")), "an action scheduled in the past runs now");
        assert!(q.is_empty());
    }
}
