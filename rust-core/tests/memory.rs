//! An unbounded channel gives memory back as it drains: a burst must not
//! keep its peak for the channel's life (the fault of tokio#4321, flume#146
//! and kanal#51). Measured with a counting allocator, so this file holds one
//! test: the count is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

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

#[test]
fn unbounded_gives_memory_back_after_a_burst() {
    const BURST: u64 = 100_000;
    let ch = Chan::unbounded();
    let live = || LIVE_BYTES.load(Ordering::Relaxed);
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
