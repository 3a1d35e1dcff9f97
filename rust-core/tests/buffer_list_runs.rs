//! A bounded list (a channel above 65,536) grows by runs of blocks, each
//! one allocation (`buffer::list::grow`): a list that fills makes a few
//! allocations, not one per block; a run is given back once all its
//! blocks are drained, and a dropped list gives back every run; every
//! value sent arrives once, and each value left inside is dropped once,
//! also when several senders race to make the same run. Allocations are
//! counted per thread by a counting allocator, so the tests may run side
//! by side.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::thread;

use polyconc::chan::Chan;

struct Counting;

thread_local! {
    /// Allocations made by this thread, and the bytes it holds (those it
    /// allocated less those it freed).
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<isize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        let _ = BYTES.try_with(|c| c.set(c.get() + layout.size() as isize));
        // SAFETY: the caller's contract for this method is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = BYTES.try_with(|c| c.set(c.get() - layout.size() as isize));
        // SAFETY: the caller's contract for this method is the system allocator's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

fn bytes() -> isize {
    BYTES.with(Cell::get)
}

/// Fills a small list once, so that what a thread allocates for good on
/// its first full list (the counters of the `test-hooks` feature, when
/// on) is not counted after.
fn warm_up() {
    let ch = Chan::new(65_537);
    while ch.try_send(0u64).is_ok() {}
}

/// C1's channel: a million `u64`s, far past the 4 MiB of blocks a list
/// is made with (about 452,000 of them).
const M: u64 = 1_000_000;

/// One thread fills a channel of a million and drains it, three times.
/// Filling beyond the blocks made up front takes a few allocations (one
/// run the first time, 8 after), where a block at a time took 4,283;
/// drained, the list has given back every run but the one it is in;
/// dropped, everything.
#[test]
fn a_bounded_list_that_fills_grows_by_a_few_runs_and_gives_them_back() {
    warm_up();
    let before = bytes();
    let ch = Chan::new(M as usize);
    let made = bytes();
    for round in 0..3 {
        let (a, b) = (allocs(), bytes());
        for v in 0..M {
            ch.try_send(v).unwrap();
        }
        // Fresh, one run: as many blocks as made up front, twice, within
        // the capacity; refilled from the run it drained into, runs of
        // three times the blocks held, from two.
        let grown = allocs() - a;
        let most = if round == 0 { 1 } else { 12 };
        assert!(
            (1..=most).contains(&grown),
            "round {round}: {grown} allocations to fill"
        );
        assert_eq!(ch.len(), M as usize, "round {round}: full");
        let full = bytes();
        assert!(full - b > (M * 8) as isize / 2, "round {round}: grown");
        for v in 0..M {
            assert_eq!(ch.try_recv(), Ok(v), "round {round}: in order");
        }
        assert!(ch.try_recv().is_err());
        let left = bytes() - before;
        assert!(
            left <= full - before - (made - before) / 2,
            "round {round}: {left} bytes held drained (full {})",
            full - before
        );
    }
    drop(ch);
    assert_eq!(bytes(), before, "a dropped list gives back every run");
}

/// A value that counts its drops in `counts`, by its number.
struct Counted {
    n: u32,
    counts: Arc<Vec<AtomicU8>>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.counts[self.n as usize].fetch_add(1, Ordering::Relaxed);
    }
}

fn counts(n: u64) -> Arc<Vec<AtomicU8>> {
    Arc::new((0..n).map(|_| AtomicU8::new(0)).collect())
}

/// Values left in a list that grew by runs, some taken first: each value
/// is dropped once, the taken ones by the receiver, the others with the
/// list, and every run is given back.
#[test]
fn values_left_in_a_grown_list_are_dropped_once() {
    const SENT: u64 = 700_000;
    const TAKEN: u64 = 500_000;
    let drops = counts(SENT);
    warm_up();
    let before = bytes();
    let ch = Chan::new(M as usize);
    for n in 0..SENT {
        let v = Counted {
            n: n as u32,
            counts: drops.clone(),
        };
        assert!(ch.try_send(v).is_ok());
    }
    for n in 0..TAKEN {
        assert_eq!(ch.try_recv().map(|v| v.n).ok(), Some(n as u32));
    }
    drop(ch);
    assert!(drops.iter().all(|c| c.load(Ordering::Relaxed) == 1));
    assert_eq!(bytes(), before, "a dropped list gives back every run");
}

/// Four senders fill a channel of a million together, racing for the
/// last slots of the blocks where it grows (the losers free the run they
/// made), then four receivers drain it while the senders send as much
/// again: every value arrives once.
#[test]
fn every_value_arrives_once_when_senders_race_to_grow_a_bounded_list() {
    const SENDERS: u64 = 4;
    const PER_ROUND: u64 = M / SENDERS;
    let seen = counts(2 * M);
    let ch = Chan::new(M as usize);
    let send_round = |round: u64| {
        (0..SENDERS)
            .map(|s| {
                let ch = ch.clone();
                thread::spawn(move || {
                    let first = round * M + s * PER_ROUND;
                    for v in first..first + PER_ROUND {
                        ch.send(v).unwrap();
                    }
                })
            })
            .collect::<Vec<_>>()
    };
    for s in send_round(0) {
        s.join().unwrap();
    }
    assert_eq!(ch.len(), M as usize, "full");
    let receivers: Vec<_> = (0..4)
        .map(|_| {
            let (ch, seen) = (ch.clone(), seen.clone());
            thread::spawn(move || {
                for v in &ch {
                    seen[v as usize].fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for s in send_round(1) {
        s.join().unwrap();
    }
    ch.close();
    for r in receivers {
        r.join().unwrap();
    }
    let wrong = seen
        .iter()
        .filter(|c| c.load(Ordering::Relaxed) != 1)
        .count();
    assert_eq!(wrong, 0, "values lost or received twice");
}

/// A capacity far beyond memory (issue 10, fault 7) is made with its
/// 4 MiB up front and grows as it fills, runs of at most 32 MiB: two
/// million values in and out, in order.
#[test]
fn a_huge_capacity_grows_as_it_fills() {
    warm_up();
    let before = bytes();
    let ch = Chan::try_with_capacity(1 << 36).expect("made with its first blocks");
    for v in 0..2 * M {
        ch.try_send(v).unwrap();
    }
    for v in 0..2 * M {
        assert_eq!(ch.try_recv(), Ok(v));
    }
    drop(ch);
    assert_eq!(bytes(), before, "a dropped list gives back every run");
}
