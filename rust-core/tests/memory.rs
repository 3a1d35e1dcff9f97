//! An unbounded channel gives memory back as it drains: a burst must not
//! keep its peak for the channel's life (the fault of tokio#4321, flume#146
//! and kanal#51), also when several receivers drain it together, and a
//! dropped channel frees every block. Measured with a counting allocator,
//! so this file holds one test: the count is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::thread;

use polyconc::chan::Chan;

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract for this method is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract for this method is the system allocator's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const BURST: u64 = 100_000;

fn live() -> isize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

#[test]
fn unbounded_gives_memory_back_after_a_burst() {
    drained_by_one();
    drained_together();
}

/// One thread sends bursts and receives them.
fn drained_by_one() {
    let ch = Chan::unbounded();
    let empty = live();
    for round in 0..3 {
        for i in 0..BURST {
            ch.send(i).unwrap();
        }
        let held = live() - empty;
        assert!(
            held >= (BURST * 8) as isize,
            "round {round}: the burst should be held ({held} bytes)"
        );
        for i in 0..BURST {
            assert_eq!(ch.recv(), Ok(i));
        }
        // Drained, it keeps at most the block it is in (a few hundred bytes).
        let left = live() - empty;
        assert!(
            left <= 1024,
            "round {round}: {left} bytes still held after draining a burst of {held}"
        );
    }
}

/// Four receivers drain a burst together. A block whose last value is
/// taken while another receiver still takes its own is freed later (see
/// `buffer::list::reclaim`): drained, the channel holds a few blocks at
/// most, and dropped, none.
fn drained_together() {
    const RECEIVERS: usize = 4;
    let spawn_and_join = |ch: &Chan<u64>| -> u64 {
        thread::scope(|s| {
            let receivers: Vec<_> = (0..RECEIVERS)
                .map(|_| {
                    s.spawn(|| {
                        let mut sum = 0;
                        while let Ok(v) = ch.try_recv() {
                            sum += v;
                        }
                        sum
                    })
                })
                .collect();
            receivers.into_iter().map(|r| r.join().unwrap()).sum()
        })
    };
    // Once, so that what the first threads of a process allocate for good
    // is not counted below.
    spawn_and_join(&Chan::unbounded());
    let before = live();
    let ch = Chan::unbounded();
    for round in 0..3 {
        for i in 0..BURST {
            ch.send(i).unwrap();
        }
        assert_eq!(spawn_and_join(&ch), BURST * (BURST - 1) / 2);
        let left = live() - before;
        assert!(
            left <= 16 * 1024,
            "round {round}: {left} bytes still held after four receivers drained a burst"
        );
    }
    drop(ch);
    assert_eq!(live(), before, "a dropped channel frees every block");
}
