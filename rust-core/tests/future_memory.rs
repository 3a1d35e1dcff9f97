//! Long chains: a million-step recursive `flat_map` loop runs in constant
//! memory (Scala's promise linking, scala/scala PR 6610 and the flatMap
//! loop of `DefaultPromiseTest.scala`), and million-stage `map` chains run
//! and drop without growing the stack; a `map` stage is one allocation
//! (Scala's one-object `Transformation`), a `future` task is one, and
//! `sequence` allocates nothing per input. Memory is measured by a counting
//! allocator; the tests run one at a time (a lock), so each one's peak is
//! its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use polyconc::exec::{global, parasitic, ExecutionContext, ThreadPool};
use polyconc::future::{future, sequence, Future, Promise};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Allocations made by this thread (the test harness's threads
    /// allocate too).
    static COUNT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: allocated above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// One memory test at a time (they read process-wide counters); a test
/// that failed holding the lock does not fail the others.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f`, returning by how many bytes the live heap peaked above where
/// it started.
fn peak_growth(f: impl FnOnce()) -> usize {
    let start = LIVE.load(Ordering::SeqCst);
    PEAK.store(start, Ordering::SeqCst);
    f();
    PEAK.load(Ordering::SeqCst).saturating_sub(start)
}

const STEPS: u64 = 1_000_000;
const WAIT: Duration = Duration::from_secs(120);

/// Scala's canonical loop: each step is `Future.unit.flatMap(_ => loop(n - 1))`.
fn count_down<E: ExecutionContext + Clone + 'static>(ec: E, n: u64) -> Future<u64> {
    if n == 0 {
        return Future::successful(STEPS);
    }
    let next = ec.clone();
    Future::unit().flat_map(&ec, move |_| count_down(next, n - 1))
}

/// Without linking, every step would keep its promise (over 100 bytes) alive:
/// 100 MB for the loop. Linked, only the outermost promise lives.
const CONSTANT: usize = 1 << 20;

#[test]
fn flat_map_loop_runs_in_constant_memory_on_parasitic() {
    let _one = one_at_a_time();
    let grew = peak_growth(|| {
        let f = count_down(parasitic(), STEPS);
        assert_eq!(f.result(WAIT), Ok(STEPS));
    });
    assert!(grew < CONSTANT, "the loop's heap grew by {grew} bytes");
}

#[test]
fn flat_map_loop_runs_in_constant_memory_on_the_global_pool() {
    let _one = one_at_a_time();
    // Start the pool first: its threads' stacks and queues are not the loop's.
    Future::unit().map(&global(), |_| ()).result(WAIT).unwrap();
    let grew = peak_growth(|| {
        let f = count_down(global(), STEPS);
        assert_eq!(f.result(WAIT), Ok(STEPS));
    });
    assert!(grew < CONSTANT, "the loop's heap grew by {grew} bytes");
}

#[test]
fn a_million_maps_on_a_completed_future_complete() {
    let _one = one_at_a_time();
    let mut f = Future::successful(0u64);
    for _ in 0..STEPS {
        f = f.map(&parasitic(), |v| v + 1);
    }
    assert_eq!(f.result(WAIT), Ok(STEPS));
}

#[test]
fn a_million_maps_on_a_pending_future_complete_when_it_does() {
    let _one = one_at_a_time();
    let p = Promise::new();
    let mut f = p.future();
    for _ in 0..STEPS {
        f = f.map(&parasitic(), |v| v + 1);
    }
    p.success(0u64).unwrap(); // runs the whole chain here, in constant stack
    assert_eq!(f.result(WAIT), Ok(STEPS));
}

#[test]
fn a_million_maps_on_a_pool_complete() {
    let _one = one_at_a_time();
    let pool = ThreadPool::new(2);
    let p = Promise::new();
    let mut f = p.future();
    for _ in 0..STEPS {
        f = f.map(&pool, |v| v + 1);
    }
    p.success(0u64).unwrap();
    assert_eq!(f.result(WAIT), Ok(STEPS));
}

#[test]
fn dropping_a_million_pending_maps_does_not_overflow_the_stack() {
    let _one = one_at_a_time();
    let before = LIVE.load(Ordering::SeqCst);
    {
        let p = Promise::<u64>::new();
        let mut f = p.future();
        for _ in 0..STEPS {
            f = f.map(&parasitic(), |v| v + 1);
        }
    }
    // Everything the chain held is back.
    assert!(LIVE.load(Ordering::SeqCst) <= before + 4096);
}

#[test]
fn a_map_stage_is_one_allocation() {
    let _one = one_at_a_time();
    let source = Future::successful(0u64);
    let before = COUNT.with(|c| c.get());
    let mut f = source;
    for _ in 0..1000 {
        f = f.map(&parasitic(), |v| v + 1);
    }
    let allocations = COUNT.with(|c| c.get()) - before;
    assert_eq!(f.value().unwrap().as_ref().ok(), Some(&1000));
    assert_eq!(allocations, 1000);
}

#[test]
fn waiting_in_slices_registers_once() {
    let _one = one_at_a_time();
    let p = Promise::<u64>::new();
    let f = p.future();
    assert!(f.ready(Duration::from_micros(1)).is_err()); // registers
    let before = LIVE.load(Ordering::SeqCst);
    for _ in 0..500 {
        assert!(f.ready(Duration::from_micros(1)).is_err());
    }
    let grew = LIVE.load(Ordering::SeqCst).saturating_sub(before);
    // One hook per slice would be some 50 KB.
    assert!(grew < 4096, "500 slices kept {grew} bytes");
    p.success(7).unwrap();
    assert_eq!(f.result(WAIT), Ok(7));
}

/// A thread that waits again and again for fresh futures, as in F3's
/// hand-off, reuses its events: after its first blocked waits, its waits
/// allocate nothing on the waiting thread (each wait used to allocate the
/// event, its hook and its wait queue's room). It keeps two, as the last
/// one may still be held by the hook firing it on the other thread (a CI
/// run saw 402 allocations in 996 blocked waits with one).
#[test]
fn repeated_waits_reuse_the_event() {
    let _one = one_at_a_time();
    const ROUNDS: usize = 1000;
    let pings: Vec<Promise<usize>> = (0..ROUNDS).map(|_| Promise::new()).collect();
    let pongs: Vec<Promise<usize>> = (0..ROUNDS).map(|_| Promise::new()).collect();
    let answers: Vec<Future<usize>> = pongs.iter().map(Promise::future).collect();
    let asked: Vec<Future<usize>> = pings.iter().map(Promise::future).collect();
    let other = std::thread::spawn(move || {
        for (ping, pong) in asked.iter().zip(&pongs) {
            pong.success(ping.result(WAIT).unwrap() + 1).unwrap();
        }
    });
    let (mut allocations, mut blocked) = (0, 0);
    for (i, (ping, answer)) in pings.iter().zip(&answers).enumerate() {
        ping.success(i).unwrap();
        let pending = !answer.is_completed();
        let before = COUNT.with(|c| c.get());
        assert_eq!(answer.result(WAIT), Ok(i + 1));
        allocations += COUNT.with(|c| c.get()) - before;
        blocked += usize::from(pending);
    }
    other.join().unwrap();
    assert!(
        blocked >= 2,
        "only {blocked} waits found the answer pending"
    );
    // The first blocked wait makes the event (and its queue's room); a
    // later one makes a new one only if the last one's hook was still
    // being fired when it looked (rare). Without reuse: two or more each.
    assert!(
        allocations <= 3 + blocked / 4,
        "{blocked} blocked waits allocated {allocations} times"
    );
}

/// F2's shape on `parasitic()`, where everything runs on this thread: a
/// `future` task is one allocation (closure and promise together), and
/// `sequence` over them allocates a fixed number of times, nothing per
/// input: the gather, its slots, the result's promise and the values.
#[test]
fn a_future_is_one_allocation_and_a_sequence_none_per_input() {
    let _one = one_at_a_time();
    const N: usize = 1000;
    let allocations = || COUNT.with(|c| c.get());
    let start = allocations();
    let tasks: Vec<Future<usize>> = (0..N).map(|i| future(&parasitic(), move || i)).collect();
    let spawned = allocations() - start;
    let all = sequence(&parasitic(), tasks);
    let gathered = allocations() - start - spawned;
    assert_eq!(all.value().unwrap().as_ref().ok(), Some(&(0..N).collect()));
    assert_eq!(spawned, N + 1); // and the Vec of them
    assert_eq!(gathered, 4);
}

/// An input dropped uncompleted can never arrive: the sequence stays
/// pending (as that input would have), and everything the sequence holds
/// is freed once the other inputs are done (its slots hold the completed
/// ones, so a leak shows).
#[test]
fn a_sequence_whose_input_is_dropped_uncompleted_stays_pending_and_frees_its_state() {
    let _one = one_at_a_time();
    let before = LIVE.load(Ordering::SeqCst);
    {
        let (dropped, later) = (Promise::<Vec<u8>>::new(), Promise::new());
        let all = sequence(
            &parasitic(),
            [
                Future::successful(vec![1; 10_000]),
                dropped.future(),
                later.future(),
            ],
        );
        drop(dropped);
        assert!(!all.is_completed());
        later.success(vec![3; 10_000]).unwrap();
        assert!(!all.is_completed());
    }
    // Kept alive, the gather would hold the two completed inputs: 20 KB.
    let grew = LIVE.load(Ordering::SeqCst).saturating_sub(before);
    assert!(grew < 4096, "the sequence kept {grew} bytes");
}

/// An iterator that says it gives `claimed` futures and gives `given`
/// completed ones of 10 KB each.
struct Claims {
    claimed: usize,
    given: usize,
}

impl Iterator for Claims {
    type Item = Future<Vec<u8>>;
    fn next(&mut self) -> Option<Future<Vec<u8>>> {
        self.given = self.given.checked_sub(1)?;
        Some(Future::successful(vec![7; 10_000]))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.claimed, Some(self.claimed))
    }
}

/// An iterator that knows its length is read as the inputs are registered:
/// no vector of them is collected first (which the C binding's
/// `pc_future_sequence_take` made beside its caller's array of handles).
#[test]
fn a_sequence_of_an_iterator_of_known_length_collects_no_vector() {
    let _one = one_at_a_time();
    const N: usize = 1000;
    let allocations = || COUNT.with(|c| c.get());
    let start = allocations();
    let all = sequence(&parasitic(), (0..N).map(Future::successful));
    // The inputs, and the gather's own four (see above).
    assert_eq!(allocations() - start, N + 4);
    assert_eq!(all.value().unwrap().as_ref().ok(), Some(&(0..N).collect()));
    // One that does not know its length is collected, and sequenced alike.
    let evens = sequence(
        &parasitic(),
        (0..10).filter(|i| i % 2 == 0).map(Future::successful),
    );
    assert_eq!(
        evens.value().unwrap().as_ref().ok(),
        Some(&vec![0, 2, 4, 6, 8])
    );
}

/// An iterator whose length is wrong is safe: what the sequence makes of
/// it (a pending result for one that gives fewer inputs than it said, the
/// first ones for one that gives more) holds nothing once dropped.
#[test]
fn a_sequence_of_an_iterator_that_miscounts_frees_everything() {
    let _one = one_at_a_time();
    let before = LIVE.load(Ordering::SeqCst);
    for (claimed, given) in [(3, 2), (1, 2), (0, 1)] {
        drop(sequence(&parasitic(), Claims { claimed, given }));
    }
    let grew = LIVE.load(Ordering::SeqCst).saturating_sub(before);
    assert!(grew < 4096, "the sequences kept {grew} bytes");
}
