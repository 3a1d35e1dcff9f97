//! Stress: many threads on one synchronizer, every way of waiting mixed
//! with timeouts and cancellations, checked by exact counts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use polyconc::sync::{BarrierError, CountDownLatch, CyclicBarrier, Semaphore, WaitGroup};

use crate::util::{block_on, join, poll_then_cancel, spawn, LONG};

/// Short enough that many timed waits expire.
const TINY: Duration = Duration::from_micros(100);

/// A tiny deterministic generator, so that a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % n
    }
}

/// Semaphores are never over-granted: the holders' permits, counted as they
/// take and give them, never exceed the semaphore's, whatever the mix of
/// blocking, try, timed, async and cancelled acquires of 1 to 3 permits;
/// at the end every permit is back and nobody is queued.
fn semaphore_never_over_granted(fair: bool) {
    const PERMITS: usize = 3;
    const THREADS: u64 = 6;
    const ROUNDS: usize = 1500;
    let s = Arc::new(if fair {
        Semaphore::fair(PERMITS)
    } else {
        Semaphore::new(PERMITS)
    });
    let held = Arc::new(AtomicUsize::new(0));
    let granted = Arc::new(AtomicUsize::new(0));
    let ts: Vec<_> = (0..THREADS)
        .map(|t| {
            let (s, held, granted) = (Arc::clone(&s), Arc::clone(&held), Arc::clone(&granted));
            spawn(move || {
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (t + 1));
                for _ in 0..ROUNDS {
                    let n = 1 + rng.below(PERMITS as u64) as usize;
                    let got = match rng.below(5) {
                        0 => {
                            s.acquire(n);
                            true
                        }
                        1 => s.try_acquire(n),
                        2 => s.acquire_timeout(n, TINY),
                        3 => {
                            block_on(s.acquire_async(n));
                            true
                        }
                        _ => poll_then_cancel(s.acquire_async(n), 3).is_some(),
                    };
                    if got {
                        let now = held.fetch_add(n, Ordering::SeqCst) + n;
                        assert!(now <= PERMITS, "{now} permits held of {PERMITS}");
                        granted.fetch_add(1, Ordering::Relaxed);
                        std::thread::yield_now();
                        held.fetch_sub(n, Ordering::SeqCst);
                        s.release(n).unwrap();
                    }
                }
            })
        })
        .collect();
    ts.into_iter().for_each(join);
    assert_eq!(s.available_permits(), PERMITS);
    assert_eq!(s.queue_length(), 0);
    assert!(granted.load(Ordering::Relaxed) > 0);
}

#[test]
fn semaphore_never_over_granted_unfair() {
    semaphore_never_over_granted(false);
}

#[test]
fn semaphore_never_over_granted_fair() {
    semaphore_never_over_granted(true);
}

/// How one party waits in one round of the barrier stress.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    Blocking,
    Timed,
    Async,
    /// Times out soon: may break the round.
    Impatient,
    /// Polls a few times, then gives up: may break the round.
    Cancelled,
}

/// What one party of the barrier stress got: nothing if it cancelled.
type Outcome = Option<Result<usize, BarrierError>>;

/// Checks one round's outcomes; true if it tripped. When the others all got
/// `Ok`, the round tripped: the indices are distinct, and all of
/// `0..parties` if the disturber's is known (a cancelled wait that missed
/// the trip by a moment has none). Otherwise it broke: the disturber got
/// `Timeout` (or nothing, if cancelled), every other party `Broken`.
fn check_round(got: &[Outcome], disturber: usize) -> bool {
    let others = || got.iter().enumerate().filter(move |(q, _)| *q != disturber);
    if others().all(|(_, o)| matches!(o, Some(Ok(_)))) {
        let mut indices: Vec<usize> = got.iter().flatten().map(|o| o.unwrap()).collect();
        indices.sort();
        indices.dedup();
        let known = got.iter().flatten().count();
        assert_eq!(indices.len(), known, "an index was handed out twice");
        assert!(indices.iter().all(|&i| i < got.len()));
        assert!(matches!(got[disturber], Some(Ok(_)) | None));
        return true;
    }
    for (_, o) in others() {
        assert_eq!(*o, Some(Err(BarrierError::Broken)));
    }
    assert!(matches!(
        got[disturber],
        Some(Err(BarrierError::Timeout)) | None
    ));
    false
}

/// Barriers with timeouts and cancellations in the middle of a run. In every
/// round the parties meet on a `std::sync::Barrier`, wait on the tested
/// barrier (one of them impatient or cancelling in some rounds), and meet
/// again; then one checks the round. A round either tripped — every party
/// got `Ok`, the indices are `0..parties` once each, the action ran once —
/// or broke: the impatient party alone got `Timeout` (a cancelled one gets
/// nothing), every other `Broken`, the action did not run (see
/// [`check_round`]). Then it resets.
#[test]
fn barrier_with_timeouts_and_cancellations() {
    const PARTIES: usize = 4;
    const ROUNDS: usize = 300;
    let trips = Arc::new(AtomicUsize::new(0));
    let b = {
        let trips = Arc::clone(&trips);
        Arc::new(CyclicBarrier::new(PARTIES).with_action(move || {
            trips.fetch_add(1, Ordering::SeqCst);
        }))
    };
    let meet = Arc::new(Barrier::new(PARTIES));
    // Each party's outcome of the current round.
    let outcomes: Arc<Vec<std::sync::Mutex<Outcome>>> =
        Arc::new((0..PARTIES).map(|_| std::sync::Mutex::new(None)).collect());
    let ts: Vec<_> = (0..PARTIES)
        .map(|p| {
            let (b, meet, outcomes) = (Arc::clone(&b), Arc::clone(&meet), Arc::clone(&outcomes));
            spawn(move || {
                let mut broken_rounds = 0;
                for round in 0..ROUNDS {
                    let disturber = round % PARTIES;
                    let way = match (round / PARTIES) % 4 {
                        _ if p != disturber => [Way::Blocking, Way::Timed, Way::Async][round % 3],
                        0 => Way::Impatient,
                        1 => Way::Cancelled,
                        _ => Way::Blocking,
                    };
                    meet.wait();
                    let outcome = match way {
                        Way::Blocking => Some(b.wait()),
                        Way::Timed => Some(b.wait_timeout(LONG)),
                        Way::Async => Some(block_on(b.wait_async())),
                        Way::Impatient => Some(b.wait_timeout(TINY)),
                        Way::Cancelled => poll_then_cancel(b.wait_async(), 3),
                    };
                    *outcomes[p].lock().unwrap() = outcome;
                    if meet.wait().is_leader() {
                        let got: Vec<_> =
                            outcomes.iter().map(|o| o.lock().unwrap().take()).collect();
                        if check_round(&got, disturber) {
                            assert!(!b.is_broken(), "round {round}");
                        } else {
                            broken_rounds += 1;
                            assert!(b.is_broken(), "round {round}");
                            b.reset();
                        }
                        assert_eq!(b.number_waiting(), 0);
                    }
                    meet.wait();
                }
                broken_rounds
            })
        })
        .collect();
    let broken: usize = ts.into_iter().map(join).sum();
    assert_eq!(trips.load(Ordering::SeqCst) + broken, ROUNDS);
    assert!(!b.is_broken());
}

/// More threads than parties: generations mix threads, and parties keep
/// arriving while actions run. Every wait succeeds, each trip hands out
/// every index once (each index is counted as often as there were trips),
/// and two actions never overlap. The threads share a number of waits, a
/// multiple of the parties, each taking one before it waits: the waits
/// left when they run out are on distinct threads, and trip together.
#[test]
fn barrier_with_more_threads_than_parties() {
    const PARTIES: usize = 3;
    const THREADS: usize = 6;
    const WAITS: usize = 1800;
    let taken = Arc::new(AtomicUsize::new(0));
    let trips = Arc::new(AtomicUsize::new(0));
    let running = Arc::new(AtomicUsize::new(0));
    let b = {
        let (trips, running) = (Arc::clone(&trips), Arc::clone(&running));
        Arc::new(CyclicBarrier::new(PARTIES).with_action(move || {
            assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "actions overlap");
            std::thread::yield_now();
            running.fetch_sub(1, Ordering::SeqCst);
            trips.fetch_add(1, Ordering::SeqCst);
        }))
    };
    let ts: Vec<_> = (0..THREADS)
        .map(|t| {
            let (b, taken) = (Arc::clone(&b), Arc::clone(&taken));
            spawn(move || {
                let mut counts = [0; PARTIES];
                while taken.fetch_add(1, Ordering::Relaxed) < WAITS {
                    let index = match (t + counts.iter().sum::<usize>()) % 3 {
                        0 => b.wait(),
                        1 => b.wait_timeout(LONG),
                        _ => block_on(b.wait_async()),
                    };
                    counts[index.unwrap()] += 1;
                }
                counts
            })
        })
        .collect();
    let mut counts = [0; PARTIES];
    for c in ts.into_iter().map(join) {
        counts.iter_mut().zip(c).for_each(|(total, n)| *total += n);
    }
    let trips = trips.load(Ordering::SeqCst);
    assert_eq!(trips, WAITS / PARTIES);
    assert_eq!(counts, [trips; PARTIES]);
    assert!(!b.is_broken());
}

/// A latch and a wait group under many threads: every waiter is released
/// exactly once per round, after every count-down and `done` of the round.
#[test]
fn latch_and_wait_group_rounds() {
    const WORKERS: usize = 6;
    const ROUNDS: usize = 100;
    let wg = Arc::new(WaitGroup::new());
    let work = Arc::new(AtomicUsize::new(0));
    for round in 0..ROUNDS {
        let latch = Arc::new(CountDownLatch::new(WORKERS));
        wg.add(WORKERS as isize).unwrap();
        let ts: Vec<_> = (0..WORKERS)
            .map(|i| {
                let (latch, wg, work) = (Arc::clone(&latch), Arc::clone(&wg), Arc::clone(&work));
                spawn(move || {
                    work.fetch_add(1, Ordering::Relaxed);
                    if (i + round) % 2 == 0 {
                        latch.count_down();
                        wg.done().unwrap();
                    } else {
                        wg.done().unwrap();
                        latch.count_down();
                    }
                    // Each worker also waits, in every form, for the others.
                    match i % 3 {
                        0 => latch.wait(),
                        1 => assert!(latch.wait_timeout(LONG)),
                        _ => block_on(latch.wait_async()),
                    }
                    assert_eq!(latch.count(), 0);
                })
            })
            .collect();
        if round % 2 == 0 {
            wg.wait();
        } else {
            block_on(wg.wait_async());
        }
        assert_eq!(work.load(Ordering::Relaxed), (round + 1) * WORKERS);
        ts.into_iter().for_each(join);
    }
    assert_eq!(wg.count(), 0);
}
