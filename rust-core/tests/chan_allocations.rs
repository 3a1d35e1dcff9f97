//! The waiting layer under the channel allocates nothing per wait once a
//! thread is warmed up: a thread's waiter is reused even when it waits
//! again before the partner that woke it has let go of it (the rendezvous
//! ping-pong), and telling an event's waiters builds no list. Counted per
//! thread by a counting allocator, so the tests may run side by side.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use polyconc::chan::Chan;
use polyconc::sync::WaitGroup;

struct Counting;

thread_local! {
    /// Allocations made by this thread.
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's contract for this method is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for this method is the system allocator's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations this thread made while running `f`.
fn allocations_of<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = COUNT.with(Cell::get);
    let r = f();
    (r, COUNT.with(Cell::get) - before)
}

/// Two threads bounce a value over two rendezvous channels. Each wake-up
/// races the woken thread's next wait against the waker's drop of its
/// handle to the woken thread's waiter; whichever wins, a round trip
/// allocates nothing. A thread allocates at most [`ONCE`] times, each at
/// most once in its life: its second spare waiter, the first time it is
/// needed, and the first growth of the two wait queues it may be the first
/// to use (its receivers' queue on one channel, its senders' on the
/// other). With one spare, a thread allocated a waiter each time it lost
/// the race: 1 to 90 times in 20,000 round trips on 2 loaded cores.
/// What a thread may allocate once in its life (see the test below).
const ONCE: u64 = 3;

#[test]
fn rendezvous_ping_pong_allocates_nothing_per_message() {
    const WARM_UP: u64 = 100;
    const ROUNDS: u64 = 20_000;
    let (ping, pong) = (Chan::new(0), Chan::new(0));
    let echo = {
        let (ping, pong) = (ping.clone(), pong.clone());
        thread::spawn(move || {
            for _ in 0..WARM_UP {
                pong.send(ping.recv().unwrap()).unwrap();
            }
            allocations_of(|| {
                for _ in 0..ROUNDS {
                    pong.send(ping.recv().unwrap() + 1).unwrap();
                }
            })
            .1
        })
    };
    for i in 0..WARM_UP {
        ping.send(i).unwrap();
        assert_eq!(pong.recv(), Ok(i));
    }
    let ((), mine) = allocations_of(|| {
        for i in 0..ROUNDS {
            ping.send(i).unwrap();
            assert_eq!(pong.recv(), Ok(i + 1));
        }
    });
    let echoed = echo.join().unwrap();
    assert!(
        mine <= ONCE && echoed <= ONCE,
        "allocations in {ROUNDS} round trips: {mine} and {echoed}"
    );
}

/// Counts its wake-ups.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Telling one waiter and telling more than one batch of them (an event
/// claims waiters a few at a time) allocates nothing, and tells each one.
#[test]
fn telling_waiters_allocates_nothing() {
    for waiters in [1, 20] {
        let wg = WaitGroup::new();
        wg.add(1).unwrap();
        let woken = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&woken));
        let mut cx = Context::from_waker(&waker);
        let mut futures: Vec<_> = (0..waiters).map(|_| Box::pin(wg.wait_async())).collect();
        for f in &mut futures {
            assert!(f.as_mut().poll(&mut cx).is_pending());
        }
        let (done, made) = allocations_of(|| wg.done());
        done.unwrap();
        assert_eq!(made, 0, "allocations telling {waiters} waiters");
        assert_eq!(woken.0.load(Ordering::Relaxed), waiters);
        for f in &mut futures {
            assert_eq!(Pin::new(f).poll(&mut cx), Poll::Ready(()));
        }
    }
}
