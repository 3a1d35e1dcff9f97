//! How a thread spends the moments before it sleeps, as named policies
//! rather than constants scattered over the primitives.
//!
//! Busy-waiting pays only while the thread that will let us go runs on
//! another CPU: with one CPU to run on it only delays that thread, so every
//! policy here spins not at all there. Under loom, whose modelled threads
//! share one OS thread, spinning only multiplies the interleavings: every
//! policy goes straight to its last phase.

use std::time::{Duration, Instant};

use super::cpus::{moved_away, one_cpu};
use crate::loom::yield_now;

/// How a blocked [`Waiter`](super::Waiter) waits to be let go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backoff {
    /// Park at once. For waiters whose partner is far away or slow (a lock
    /// holder in its critical section, an event that may not come), and
    /// for primitives that spun already before queueing.
    Park,
    /// Spin adaptively, then yield for [`YIELD_FOR`], then park. For
    /// waits whose partner is usually running right now (a buffered
    /// channel's, a fair queue's hand-off): spinning catches a partner on
    /// another core; yielding lets one on our core run and outlasts a
    /// partner's wake-up on another (parking both sides turns every
    /// hand-off into two futex round trips). The spin looks for the
    /// partner between its steps (1, 2, 4, … pauses).
    Adaptive,
    /// As [`Backoff::Adaptive`], but the spin looks after every pause: for
    /// a rendezvous, which waits for its partner every message, with the
    /// delay of a coarse look on its critical path. Buffered waits keep
    /// the coarse looks: a waiter that sees its partner late finds more
    /// to take, and with fine looks everywhere the quiet runs at capacity
    /// 1024 reached their fast mode in 1 invocation of 15 (the coarse
    /// looks beside them: 5).
    Handoff,
}

/// How long [`Backoff::Adaptive`] yields before it parks.
pub(crate) const YIELD_FOR: Duration = Duration::from_micros(30);

/// The most pause-spin steps (1, 2, 4, … pauses: a few microseconds in all)
/// of [`Backoff::Adaptive`].
const MAX_ADAPTIVE_STEPS: u32 = 7;

/// Every this many waits, a thread whose budget has shrunk spins the full
/// [`MAX_ADAPTIVE_STEPS`] once, to find out whether spinning pays again.
const PROBE_EVERY: u32 = 16;

/// How many waits in a row ended by their first yield first make a thread
/// sleep instead of yielding (see [`sleep_to_part`]), and the most it comes
/// to: every such sleep doubles the number, so a thread that shares its
/// CPU for good (more threads than CPUs) sleeps ever more rarely.
const PART_AFTER_FIRST: u32 = 8;
const PART_AFTER_MOST: u32 = 1 << 10;

/// A thread's adaptive spin budget.
#[derive(Clone, Copy)]
struct Budget {
    /// The pause-spin steps of the next wait: one more after spinning paid
    /// off, one fewer after it did not, so that a partner descheduled by
    /// other load, or sharing our core, is not waited for in vain.
    steps: u32,
    /// Waits since the last probe, counted while `steps` is below the most.
    since_probe: u32,
    /// Waits in a row that ended at their first yield (see [`sleep_to_part`]).
    at_first_yield: u32,
    /// How many such waits in a row make the next one sleep at once.
    part_after: u32,
}

thread_local! {
    static BUDGET: std::cell::Cell<Budget> = const {
        std::cell::Cell::new(Budget {
            steps: MAX_ADAPTIVE_STEPS,
            since_probe: 0,
            at_first_yield: 0,
            part_after: PART_AFTER_FIRST,
        })
    };
}

impl Backoff {
    /// Runs the policy's busy phases until `done` holds (true) or they are
    /// over (false: the caller parks), never past `deadline`.
    pub(crate) fn before_park(self, done: impl Fn() -> bool, deadline: Option<Instant>) -> bool {
        match self {
            Backoff::Park => done(),
            Backoff::Adaptive | Backoff::Handoff => {
                let (steps, probe) = adaptive_steps();
                for step in 0..steps {
                    // Step `step` pauses 2^step times. A look is a read
                    // of a line that stays in our cache until the partner
                    // writes it, so it costs nothing; looking only once
                    // per step notices a partner up to a whole step late.
                    let seen = if self == Backoff::Handoff {
                        look_while_pausing(&done, step)
                    } else {
                        done() || {
                            spin(step);
                            false
                        }
                    };
                    if seen {
                        paired_apart();
                        // A probe that paid off: the partner runs beside
                        // us again, so spin in full from now on.
                        set_adaptive_steps(if probe { MAX_ADAPTIVE_STEPS } else { steps + 1 });
                        return true;
                    }
                }
                if !probe {
                    set_adaptive_steps(steps.saturating_sub(1));
                }
                if cfg!(loom) {
                    return done();
                }
                if sleep_to_part() {
                    return done();
                }
                let until = Instant::now() + YIELD_FOR;
                let until = deadline.map_or(until, |d| d.min(until));
                let mut yields = 0;
                while !done() {
                    if Instant::now() >= until {
                        return false;
                    }
                    yield_now();
                    yields += 1;
                }
                ended_in_yields(yields == 1);
                true
            }
        }
    }
}

/// Whether this wait should skip its yields and sleep at once, because its
/// partner seems to run on this thread's CPU: that many waits in a row
/// ended at their first yield (the partner ran while we yielded).
///
/// Two threads handing values to each other on one CPU, while another CPU
/// is idle, stay there: neither spin pays (the budget shrinks to a step),
/// each yield runs the partner, and a yield never moves a thread, so every
/// hand-off is a yield and a context switch (about 1.5 us here, against a
/// few hundred ns for threads on two CPUs). A sleep is woken through the
/// scheduler's wake-up path, which may place the woken thread on the idle
/// CPU: a C probe's thread woken tens of microseconds after it slept was,
/// in 8 tries of 8. It does not always: two threads passing a fresh promise
/// back and forth (suite F's F3), each woken by the other within a few
/// microseconds, stayed on one CPU through every one of the 28 such sleeps
/// of a logged run, until the kernel's load balancer moved one of them,
/// 2,000 to more than 12,000 round trips after they started.
///
/// A thread that such a sleep left where it was moves instead, the next
/// time it should part (see [`moved_away`]), and goes on waiting there.
fn sleep_to_part() -> bool {
    time_to_part() && !moved_away()
}

/// Whether this wait should part from its partner: [`sleep_to_part`]'s
/// count of waits in a row ended at their first yield.
fn time_to_part() -> bool {
    if one_cpu() {
        return false;
    }
    BUDGET
        .try_with(|b| {
            let mut budget = b.get();
            let part = budget.at_first_yield >= budget.part_after;
            if part {
                budget.at_first_yield = 0;
                budget.part_after = (budget.part_after * 2).min(PART_AFTER_MOST);
                b.set(budget);
            }
            part
        })
        .unwrap_or(false)
}

/// Counts a wait that its yields ended, at the first (see
/// [`sleep_to_part`]) or later (which ends a run of such waits).
fn ended_in_yields(at_first: bool) {
    let _ = BUDGET.try_with(|b| {
        let mut budget = b.get();
        budget.at_first_yield = if at_first {
            budget.at_first_yield + 1
        } else {
            0
        };
        b.set(budget);
    });
}

/// A wait that its spin ended: the partner runs on another CPU.
fn paired_apart() {
    let _ = BUDGET.try_with(|b| {
        let mut budget = b.get();
        if budget.at_first_yield != 0 {
            budget.at_first_yield = 0;
            b.set(budget);
        }
    });
}

/// For a retry loop that pauses with [`spin`] (a buffered channel's
/// operation before it registers): whether step `step`'s pause should be
/// a sleep instead (the caller registers and parks), because the partner
/// seems to share this thread's CPU (see [`sleep_to_part`]). Asked at the
/// first step that would yield: the pauses before it did not pay.
///
/// Such a loop on a ring of 1024 slots whose two threads share a CPU
/// fills or drains the whole ring, spins in vain and yields to its
/// partner, once per lap; a yield never moves a thread, and nothing else
/// did (a probe sampling each thread's CPU, on a loaded machine: a pair
/// pinned to one CPU for its first 100,000 messages and then let go stayed
/// on it for the other 1.9 million, ours and crossbeam-channel's alike).
pub(crate) fn sleep_instead_of(step: u32) -> bool {
    part_at(step) && !moved_away()
}

/// Whether a retry loop's step `step` should part (see [`time_to_part`]).
fn part_at(step: u32) -> bool {
    !cfg!(loom) && step == first_yield() && time_to_part()
}

/// A retry loop's try after `steps` pauses of [`spin`] went through:
/// counts the wait for [`sleep_to_part`], as one its spin ended or one
/// its yields ended. Unlike a policy's wait, which yields for tens of
/// microseconds, a retry loop yields a few times only, and a wait ended by
/// any of them counts: with more threads on the CPU than the partner (a
/// channel's four producers and four consumers), a yield may run another
/// waiter first, and a run of waits ended at their first yield was rare
/// (a third of them needed two or three).
pub(crate) fn retried_after(steps: u32) {
    if steps <= first_yield() {
        paired_apart();
    } else {
        ended_in_yields(true);
    }
}

/// The first step of [`spin`] that yields.
pub(crate) fn first_yield() -> u32 {
    #[cfg(not(loom))]
    let first = SPIN_STEPS;
    #[cfg(loom)]
    let first = 0;
    first
}

/// Whether `done` holds at a look before any of step `step`'s 2^`step`
/// pauses or right after one (one look in all under loom, whose steps do
/// not pause).
fn look_while_pausing(done: impl Fn() -> bool, step: u32) -> bool {
    if done() {
        return true;
    }
    #[cfg(not(loom))]
    for _ in 0..(1u32 << step) {
        std::hint::spin_loop();
        if done() {
            return true;
        }
    }
    #[cfg(loom)]
    let _ = step;
    false
}

/// The pause-spin steps of this wait, and whether they are a probe (see
/// [`PROBE_EVERY`]). Without the probes, a budget shrunk to one step would
/// stay there: one pause almost never catches a partner, so nothing would
/// raise it again, however close the partner runs later (four senders
/// queued for one receiver gave up their core about once per message).
fn adaptive_steps() -> (u32, bool) {
    if cfg!(loom) || one_cpu() {
        return (0, false);
    }
    BUDGET
        .try_with(|b| {
            let mut budget = b.get();
            let mut probe = false;
            if budget.steps < MAX_ADAPTIVE_STEPS {
                budget.since_probe += 1;
                probe = budget.since_probe >= PROBE_EVERY;
                if probe {
                    budget.since_probe = 0;
                }
                b.set(budget);
            }
            if probe {
                (MAX_ADAPTIVE_STEPS, true)
            } else {
                (budget.steps, false)
            }
        })
        // The starting budget once the thread-local is gone (a primitive
        // used by a thread-local's destructor).
        .unwrap_or((MAX_ADAPTIVE_STEPS, false))
}

fn set_adaptive_steps(steps: u32) {
    if !cfg!(loom) {
        let _ = BUDGET.try_with(|b| {
            let mut budget = b.get();
            budget.steps = steps.clamp(1, MAX_ADAPTIVE_STEPS);
            b.set(budget);
        });
    }
}

/// A bounded busy-wait for a retry loop: exponential pause-spinning, then
/// yields, for at most a fixed number of steps (none on one CPU or under
/// loom). `spin.spin()` is true while the caller should retry.
///
/// A lock spins this way before it queues: the holder's critical section is
/// often shorter than a sleep and a wake-up.
#[derive(Debug)]
pub(crate) struct Spin {
    step: u32,
    limit: u32,
    /// The steps that pause-spin (1, 2, 4, … pauses); the later ones yield.
    pausing: u32,
}

/// Steps of [`Spin::before_parking`], and how many of them pause-spin.
const LOCK_STEPS: u32 = 10;
const LOCK_PAUSING_STEPS: u32 = 4;
/// How many steps of [`Spin::new`] pause-spin.
const SEARCH_PAUSING_STEPS: u32 = 7;

impl Spin {
    /// A lock's spin before it parks the thread (parking_lot's shape): ten
    /// steps, of which the first pause 1, 2, 4 and 8 times and the rest
    /// yield the CPU. Longer pause-spinning pays only while the holder runs
    /// on another core; with threads outnumbering cores, it burns the time
    /// slice the holder (or a thread it woke) needs, and a yield gives it.
    pub(crate) fn before_parking() -> Spin {
        Spin::with(LOCK_STEPS, LOCK_PAUSING_STEPS)
    }

    /// At most `steps` steps, of which the first seven pause 1, 2, … 64
    /// times and the rest yield: a pool worker's search for a task before
    /// it sleeps (rayon's shape).
    pub(crate) fn new(steps: u32) -> Spin {
        Spin::with(steps, SEARCH_PAUSING_STEPS)
    }

    /// An unbounded spin, for a lock that never parks (see
    /// [`Spin::spin_or_yield`]).
    pub(crate) fn unbounded() -> Spin {
        Spin::with(0, 0)
    }

    fn with(steps: u32, pausing: u32) -> Spin {
        let limit = if cfg!(loom) || one_cpu() { 0 } else { steps };
        Spin {
            step: 0,
            limit,
            pausing,
        }
    }

    /// Takes one step; false (without waiting) once the steps are used up.
    pub(crate) fn spin(&mut self) -> bool {
        if self.step >= self.limit {
            return false;
        }
        if self.step < self.pausing {
            spin(self.step);
        } else {
            yield_now();
        }
        self.step += 1;
        true
    }

    /// An unbounded step for a lock that never parks: spins, and yields
    /// once the pauses have grown long (on one CPU or under loom, always
    /// yields).
    pub(crate) fn spin_or_yield(&mut self) {
        if cfg!(loom) || one_cpu() {
            yield_now();
        } else {
            spin(self.step);
            self.step = self.step.saturating_add(1);
        }
    }
}

/// Short busy-wait used before parking; a no-op under loom, which must see
/// every retry as a real step.
pub(crate) fn spin(step: u32) {
    #[cfg(not(loom))]
    {
        if step < SPIN_STEPS {
            for _ in 0..(1u32 << step) {
                std::hint::spin_loop();
            }
        } else {
            yield_now();
        }
    }
    #[cfg(loom)]
    {
        let _ = step;
        yield_now();
    }
}

/// Steps of exponential spinning (1, 2, 4, ... pause instructions) before
/// [`spin`] switches to yielding the CPU.
#[cfg(not(loom))]
const SPIN_STEPS: u32 = 7;

#[cfg(all(test, not(loom)))]
mod tests {
    use std::cell::Cell;

    use super::{
        ended_in_yields, first_yield, one_cpu, paired_apart, part_at, retried_after, time_to_part,
        Backoff, BUDGET, MAX_ADAPTIVE_STEPS, PART_AFTER_FIRST, PART_AFTER_MOST, PROBE_EVERY,
    };

    fn steps() -> u32 {
        BUDGET.with(|b| b.get().steps)
    }

    /// A wait whose partner finishes at the `n`th look; whether the wait
    /// saw it. A look in the yield phase may come after the phase's time is
    /// up on a loaded machine, so only a look within the spin is certain.
    fn wait_done_at(backoff: Backoff, n: u32) -> bool {
        let looks = Cell::new(0);
        let done = || {
            looks.set(looks.get() + 1);
            looks.get() >= n
        };
        backoff.before_park(done, None)
    }

    /// Spinning in vain shrinks the budget to one step; once the partner
    /// runs close again (done at the fourth look: within a full spin but
    /// not within one step, whether it looks once per step or after every
    /// pause), a probe finds it and restores the whole budget. Without the
    /// probes the budget stayed at one step for good. `spin_looks`: the
    /// looks of a whole spin.
    fn budget_grows_back(backoff: Backoff, spin_looks: u32) {
        if one_cpu() {
            return;
        }
        std::thread::spawn(move || {
            assert_eq!(steps(), MAX_ADAPTIVE_STEPS);
            for _ in 0..MAX_ADAPTIVE_STEPS {
                // Done only in the yield phase: the spin did not pay, and
                // the budget shrinks whether or not the wait saw it.
                wait_done_at(backoff, spin_looks + 1);
            }
            assert_eq!(steps(), 1);
            let mut last = false;
            for _ in 0..PROBE_EVERY {
                last = wait_done_at(backoff, 4);
            }
            // The probe restored the budget, so the last wait saw its
            // partner within the spin.
            assert!(last);
            assert_eq!(steps(), MAX_ADAPTIVE_STEPS);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_shrunk_spin_budget_grows_back_when_spinning_pays_again() {
        // One look per step.
        budget_grows_back(Backoff::Adaptive, MAX_ADAPTIVE_STEPS);
    }

    #[test]
    fn a_handoffs_shrunk_budget_grows_back_too() {
        // One look before each step's pauses and one after each pause.
        let spin_looks = (0..MAX_ADAPTIVE_STEPS).map(|s| 1 + (1 << s)).sum();
        budget_grows_back(Backoff::Handoff, spin_looks);
    }

    /// `PART_AFTER_FIRST` waits in a row ended by their first yield make
    /// the next wait part at once (sleep or move: see `moved_away`, tested
    /// in cpus.rs); each such parting doubles the run needed
    /// for the next (up to `PART_AFTER_MOST`); a wait that its spin ends,
    /// or that a later yield ends, starts the run again.
    #[test]
    fn waits_ended_at_their_first_yield_make_one_part() {
        if one_cpu() {
            return;
        }
        std::thread::spawn(|| {
            let mut after = PART_AFTER_FIRST;
            while after < PART_AFTER_MOST {
                for _ in 0..after {
                    assert!(!time_to_part());
                    ended_in_yields(true);
                }
                assert!(time_to_part());
                // The run starts again.
                assert!(!time_to_part());
                after *= 2;
            }
            let run_but_one = || {
                for _ in 1..PART_AFTER_MOST {
                    ended_in_yields(true);
                }
            };
            run_but_one();
            paired_apart();
            ended_in_yields(true);
            assert!(!time_to_part(), "a spin that paid ends the run");
            run_but_one();
            ended_in_yields(false);
            ended_in_yields(true);
            assert!(!time_to_part(), "a wait of several yields ends the run");
            for _ in 0..PART_AFTER_MOST {
                ended_in_yields(true);
            }
            assert!(time_to_part(), "the run stops growing at the most");
        })
        .join()
        .unwrap();
    }

    /// A retry loop's waits count as the policies' do, but a wait ended by
    /// any of its yields counts: `PART_AFTER_FIRST` in a row make the next
    /// wait part at the step that would yield (and at no other); one that
    /// its spin ended starts the run again.
    #[test]
    fn retries_ended_by_their_yields_make_one_part() {
        if one_cpu() {
            return;
        }
        std::thread::spawn(|| {
            let first = first_yield();
            let run = |n: u32| {
                for _ in 0..n {
                    assert!(!part_at(first));
                    retried_after(first + 1);
                }
            };
            run(PART_AFTER_FIRST);
            assert!(!part_at(first - 1), "a step that pauses");
            assert!(!part_at(first + 1), "a later yield");
            assert!(part_at(first));
            assert!(!part_at(first), "the run starts again");
            // The next run is twice as long.
            run(2 * PART_AFTER_FIRST - 1);
            retried_after(first);
            run(1);
            assert!(!part_at(first), "a spin that paid ends the run");
            // With that one, a run of waits ended by their third yield.
            for _ in 1..2 * PART_AFTER_FIRST {
                assert!(!part_at(first));
                retried_after(first + 3);
            }
            assert!(part_at(first), "waits of several yields count");
        })
        .join()
        .unwrap();
    }
}
