//! A parallel map whose results are handed to the caller in order while later items are still
//! being worked on.
//!
//! Why: `check` walks thousands of workspaces and writes each one's answer once the answers
//! before it are written. Walked a batch at a time (a parallel map per batch), one core sat idle
//! at the end of every batch until the other finished its last workspace: at 1,000 workspaces
//! the two cores were busy 82 % of the walk. Here a core takes the next item as soon as it is
//! done with one, and the caller takes whatever run of results is complete.

use rayon::prelude::*;
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Maps `0..len` with `map` on the rayon pool and hands the results to `sink` on the calling
/// thread, in order, `most` at a time (`most` is at most `ahead`), but once every item is taken,
/// as soon as results are ready, so that the caller's work overlaps the last items'. Items are
/// taken at most `ahead` past the last result handed over, which bounds the results held at
/// once. Stops at the first error of `sink` (items being mapped then are finished and dropped).
/// A panic in `map` is resumed here.
///
/// Until then the caller is woken only when a whole run is ready: woken whenever the first
/// result not handed over arrived, it took runs of one or two, and its ~1,600 context switches
/// in a 1,000-workspace check (the caller is a third thread on two cores, so each wake-up
/// preempts a walker) cost a tenth of the walk's time.
pub(crate) fn ordered_map<T: Send, E>(
    len: usize,
    ahead: usize,
    most: usize,
    map: impl Fn(usize) -> T + Sync,
    mut sink: impl FnMut(Vec<T>) -> Result<(), E>,
) -> Result<(), E> {
    let ahead = ahead.max(1);
    let most = most.clamp(1, ahead);
    if rayon::current_thread_index().is_some() {
        // Called from the pool itself: waiting here for other workers could wait for ever when
        // every worker is such a caller. A parallel map per run of items only ever waits for
        // work it can help with.
        let mut from = 0;
        while from < len {
            let to = len.min(from.saturating_add(most));
            sink((from..to).into_par_iter().map(&map).collect())?;
            from = to;
        }
        return Ok(());
    }
    let shared = Shared {
        state: Mutex::new(State {
            next: 0,
            limit: len.min(ahead),
            handed: 0,
            pending: VecDeque::new(),
            walkers: 0,
            stop: false,
            panicked: false,
            len,
            most,
        }),
        run_ready: Condvar::new(),
    };
    let walkers = rayon::current_num_threads().max(1);
    let map = &map;
    let shared = &shared;
    rayon::in_place_scope(|scope| {
        let mut st = shared.lock();
        loop {
            let run = st.ready_run();
            if run > 0 {
                let ready: Vec<T> = st.pending.drain(..run).flatten().collect();
                st.handed += ready.len();
                st.limit = len.min(st.handed.saturating_add(ahead));
                st.top_up(walkers, || scope.spawn(move |_| walk(shared, map)));
                drop(st);
                let handed = sink(ready);
                st = shared.lock();
                if let Err(e) = handed {
                    st.stop = true;
                    return Err(e);
                }
                continue;
            }
            if st.handed == len || st.panicked {
                // After a panic the scope resumes it once the other walkers are done.
                return Ok(());
            }
            st.top_up(walkers, || scope.spawn(move |_| walk(shared, map)));
            // A result of the next run is being worked on by a walker.
            st = shared.run_ready.wait(st).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    })
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Signalled when the next run of results is complete ([`State::ready_run`]), or a walker
    /// panics.
    run_ready: Condvar,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing panics while holding the lock; a poisoned lock still holds a consistent state.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

struct State<T> {
    /// The first item no walker has taken.
    next: usize,
    /// Items below this may be taken.
    limit: usize,
    /// Results handed over so far.
    handed: usize,
    /// Results of items `handed..next`, `None` while being worked on.
    pending: VecDeque<Option<T>>,
    /// Walkers spawned that have not stopped.
    walkers: usize,
    /// No more items are to be taken: the sink failed or a walker panicked.
    stop: bool,
    panicked: bool,
    len: usize,
    /// Results handed over at a time.
    most: usize,
}

impl<T> State<T> {
    /// How many results the next run hands over: its `most` results once they are all ready,
    /// and, once every item is taken, whatever is ready; 0 until then.
    fn ready_run(&self) -> usize {
        let ready = self.pending.iter().take(self.most).take_while(|p| p.is_some()).count();
        if ready == self.most || self.next == self.len {
            ready
        } else {
            0
        }
    }

    /// Spawns walkers until there are `walkers` of them, while there are items to take. A walker
    /// stops when it reaches the limit; handing results over moves the limit on.
    fn top_up(&mut self, walkers: usize, mut spawn: impl FnMut()) {
        while self.walkers < walkers && self.next < self.limit && !self.stop {
            self.walkers += 1;
            spawn();
        }
    }
}

/// Takes items and maps them until none may be taken.
fn walk<T>(shared: &Shared<T>, map: &(impl Fn(usize) -> T + Sync)) {
    loop {
        let (i, wake) = {
            let mut st = shared.lock();
            if st.stop || st.next >= st.limit {
                st.walkers -= 1;
                return;
            }
            st.next += 1;
            st.pending.push_back(None);
            // Taking the last item lets the caller take what is ready now.
            (st.next - 1, st.next == st.len && st.ready_run() > 0)
        };
        if wake {
            shared.run_ready.notify_one();
        }
        let unwinding = OnPanic(shared);
        let result = map(i);
        std::mem::forget(unwinding);
        let mut st = shared.lock();
        let at = i - st.handed;
        if let Some(slot) = st.pending.get_mut(at) {
            *slot = Some(result);
        }
        let wake = st.ready_run() > 0;
        drop(st);
        if wake {
            shared.run_ready.notify_one();
        }
    }
}

/// Tells the caller that a walker is unwinding, so that it stops waiting for the walker's item.
struct OnPanic<'a, T>(&'a Shared<T>);

impl<T> Drop for OnPanic<'_, T> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.stop = true;
        st.panicked = true;
        st.walkers -= 1;
        drop(st);
        self.0.run_ready.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn collected(len: usize, ahead: usize, most: usize) -> (Vec<usize>, Vec<usize>) {
        let mut out = Vec::new();
        let mut sizes = Vec::new();
        let r: Result<(), ()> = ordered_map(
            len,
            ahead,
            most,
            |i| {
                // Uneven work, so that items finish out of order.
                std::thread::sleep(std::time::Duration::from_micros(((i * 7919) % 13) as u64 * 50));
                i * 3
            },
            |chunk| {
                sizes.push(chunk.len());
                out.extend(chunk);
                Ok(())
            },
        );
        assert_eq!(r, Ok(()));
        (out, sizes)
    }

    #[test]
    fn results_come_in_order_in_whole_runs_whatever_the_sizes() {
        let cases = [
            (0, 4, 2),
            (1, 1, 1),
            (5, 1, 1),
            (100, 8, 3),
            (100, 1000, 7),
            (37, 0, 0),
            (50, 4, 10),
            (200, 14, 7),
        ];
        for (len, ahead, most) in cases {
            let (out, sizes) = collected(len, ahead, most);
            assert_eq!(out, (0..len).map(|i| i * 3).collect::<Vec<_>>(), "{len} {ahead} {most}");
            // Though the items finish out of order, every run is whole until every item is taken
            // (which is not before the last `ahead` items): the caller is not handed, nor woken
            // for, the first results of a run as they arrive.
            let (ahead, run) = (ahead.max(1), most.clamp(1, ahead.max(1)));
            assert!(sizes.iter().all(|&s| (1..=run).contains(&s)), "{len} {ahead} {most}: {sizes:?}");
            let mut handed = 0;
            for &size in &sizes {
                if handed + ahead < len {
                    assert_eq!(size, run, "{len} {ahead} {most}: {sizes:?}");
                }
                handed += size;
            }
        }
    }

    #[test]
    fn no_item_is_taken_more_than_ahead_past_the_results_handed_over() {
        let handed = AtomicUsize::new(0);
        let ahead = 4;
        let r: Result<(), ()> = ordered_map(
            200,
            ahead,
            2,
            |i| {
                // The limit moves on just before a run of at most 2 is handed over.
                let h = handed.load(Ordering::SeqCst);
                assert!(i < h + 2 + ahead, "item {i} taken with {h} handed over");
                i
            },
            |chunk| {
                handed.fetch_add(chunk.len(), Ordering::SeqCst);
                Ok(())
            },
        );
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn an_error_of_the_sink_stops_the_map() {
        let mapped = AtomicUsize::new(0);
        let mut calls = 0;
        let r = ordered_map(
            1000,
            1000,
            4,
            |i| {
                mapped.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(1));
                i
            },
            |chunk| {
                calls += 1;
                if chunk.contains(&10) {
                    Err(calls)
                } else {
                    Ok(())
                }
            },
        );
        assert!(r.is_err());
        // The lookahead would allow all 1,000; after the error only the items being mapped
        // then are finished (a millisecond each, so a wide margin).
        assert!(mapped.load(Ordering::SeqCst) < 100, "{}", mapped.load(Ordering::SeqCst));
    }

    #[test]
    fn once_every_item_is_taken_the_caller_gets_what_is_ready() {
        // The last item waits until the caller has been handed the first result. Were results
        // handed over in whole runs only (here all three at once), it would wait in vain.
        let (handed, first_handed) = std::sync::mpsc::channel::<usize>();
        let first_handed = Mutex::new(first_handed);
        let mut out = Vec::new();
        let r: Result<(), ()> = ordered_map(
            3,
            3,
            3,
            |i| {
                if i == 2 {
                    let got =
                        first_handed.lock().map(|rx| rx.recv_timeout(std::time::Duration::from_secs(10)));
                    assert!(matches!(got, Ok(Ok(0))), "the first result was not handed over: {got:?}");
                }
                i
            },
            |chunk| {
                if let Some(&first) = chunk.first() {
                    let _ = handed.send(first);
                }
                out.extend(chunk);
                Ok(())
            },
        );
        assert_eq!(r, Ok(()));
        assert_eq!(out, [0, 1, 2]);
    }

    #[test]
    fn a_panic_in_the_map_reaches_the_caller() {
        let r = std::panic::catch_unwind(|| {
            let _: Result<(), ()> =
                ordered_map(50, 8, 4, |i| if i == 17 { panic!("item 17") } else { i }, |_| Ok(()));
        });
        let message = r.expect_err("the panic is resumed");
        assert_eq!(message.downcast_ref::<&str>(), Some(&"item 17"));
    }

    #[test]
    fn called_from_the_pool_it_still_hands_every_result_in_order() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool");
        let out = pool.install(|| {
            let mut out = Vec::new();
            let r: Result<(), ()> = ordered_map(
                30,
                4,
                4,
                |i| i + 1,
                |c| {
                    out.extend(c);
                    Ok(())
                },
            );
            assert_eq!(r, Ok(()));
            out
        });
        assert_eq!(out, (1..=30).collect::<Vec<_>>());
    }
}
