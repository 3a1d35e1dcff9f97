//! The CPUs a waiting thread runs on: whether the process has one only,
//! where every waiting policy of [`Backoff`](super::Backoff) skips its
//! spinning, and how a thread that shares its CPU with its partner moves
//! to another.

/// Whether this process may run on one CPU only (a `taskset -c 0`, a
/// one-core container), where busy-waiting for a partner is pure loss.
/// Read once: the affinity rarely changes while a process runs.
pub(crate) fn one_cpu() -> bool {
    #[cfg(not(loom))]
    {
        static ONE_CPU: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ONE_CPU.get_or_init(process_has_one_cpu)
    }
    #[cfg(loom)]
    false
}

/// [`one_cpu`]'s reading. `available_parallelism` counts the CPUs of the
/// calling thread's affinity (and a cgroup's quota): read first by a
/// thread pinned to one CPU, it stopped every thread of the process from
/// spinning for good (a rendezvous between two threads pinned apart took
/// 400 ns a message instead of 200, with a context switch for every second
/// message once a third thread joined). A thread pinned to one CPU reads
/// the main thread's affinity instead, which `taskset` and a cpuset set
/// for the whole process. (Pinned, in a container whose quota is one CPU
/// but whose main thread may use more, it reads more than one: spinning
/// that does not pay then shrinks to a step: see `Budget` in backoff.rs.)
#[cfg(not(loom))]
fn process_has_one_cpu() -> bool {
    if std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        return false;
    }
    #[cfg(target_os = "linux")]
    if affinity_count(0) == Some(1) {
        // SAFETY: `getpid` has no preconditions.
        let main_thread = unsafe { libc::getpid() };
        return affinity_count(main_thread).is_none_or(|n| n == 1);
    }
    true
}

/// How many CPUs thread `tid` (0: the calling thread) may run on, if the
/// kernel says.
#[cfg(all(target_os = "linux", not(loom)))]
fn affinity_count(tid: libc::pid_t) -> Option<usize> {
    // SAFETY: a set the kernel filled in.
    affinity(tid).map(|set| unsafe { libc::CPU_COUNT(&set) } as usize)
}

/// The CPUs thread `tid` (0: the calling thread) may run on, if the kernel
/// says.
#[cfg(all(target_os = "linux", not(loom)))]
fn affinity(tid: libc::pid_t) -> Option<libc::cpu_set_t> {
    let mut set = empty_cpu_set();
    // SAFETY: `set` is writable for the size given.
    let got = unsafe { libc::sched_getaffinity(tid, std::mem::size_of_val(&set), &mut set) };
    (got == 0).then_some(set)
}

/// Lets the calling thread run on `set`'s CPUs only; false if the kernel
/// refused.
#[cfg(all(target_os = "linux", not(loom)))]
fn set_affinity(set: &libc::cpu_set_t) -> bool {
    // SAFETY: `set` is readable for the size given.
    unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(set), set) == 0 }
}

thread_local! {
    /// The CPU this thread ran on when it last slept to part from its
    /// partner (see [`moved_away`]); `None` after a move.
    static SLEPT_ON: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Called when this thread should part from a partner that seems to share
/// its CPU (see `sleep_to_part` in backoff.rs): true if it moved to another
/// CPU, false if it should sleep instead.
///
/// The first time, it sleeps: a sleeper is woken through the scheduler's
/// wake-up path, which puts it on an idle CPU if there is one. With none
/// idle (more busy threads than CPUs: four senders spinning for one
/// receiver on two CPUs) the wake-up puts it back where it was, and the
/// balancer moves nobody, as the load of the two CPUs is even; so if the
/// thread is still on the CPU it slept on when it should part again, it
/// moves to another (see [`move_to_another_cpu`]). The next time it sleeps
/// again. Four senders and a receiver on two CPUs settled with a sender
/// beside the receiver in about half of the runs, which then took 500 to
/// 1,100 ns a message against 180 to 260 with the receiver alone; with the
/// move, 72 runs of 20,000 messages in 12 processes took 194 to 293 ns.
/// Moving at every parting, without the sleep first, did as well there;
/// the sleep is for machines with idle CPUs, where the kernel's choice
/// beats the next CPU's.
pub(super) fn moved_away() -> bool {
    let Some(here) = current_cpu() else {
        return false;
    };
    SLEPT_ON
        .try_with(|slept_on| {
            let moved = slept_on.get() == Some(here) && move_to_another_cpu(here).is_some();
            slept_on.set(if moved { None } else { Some(here) });
            moved
        })
        .unwrap_or(false)
}

/// The CPU the calling thread runs on, if the system says.
fn current_cpu() -> Option<usize> {
    #[cfg(all(target_os = "linux", not(loom)))]
    {
        // SAFETY: `sched_getcpu` has no preconditions.
        usize::try_from(unsafe { libc::sched_getcpu() }).ok()
    }
    #[cfg(not(all(target_os = "linux", not(loom))))]
    None
}

/// Moves the calling thread from CPU `here` to the next CPU its affinity
/// allows, and returns that CPU; `None` if it allows no other (a thread
/// pinned to `here`) or the kernel refused. The affinity is as it was
/// afterwards: the move sets it to the one CPU, which migrates the thread
/// at once, and then back, which does not move it again.
///
/// Another thread that reads this thread's affinity in between sees the
/// one CPU; one that sets it in between has its setting undone.
#[cfg(all(target_os = "linux", not(loom)))]
fn move_to_another_cpu(here: usize) -> Option<usize> {
    let allowed = affinity(0)?;
    let n = libc::CPU_SETSIZE as usize;
    let there = (1..n)
        .map(|i| (here + i) % n)
        // SAFETY: `c` is below `CPU_SETSIZE`, the set's size.
        .find(|&c| unsafe { libc::CPU_ISSET(c, &allowed) })?;
    let mut only_there = empty_cpu_set();
    // SAFETY: as above.
    unsafe { libc::CPU_SET(there, &mut only_there) };
    if !set_affinity(&only_there) {
        return None;
    }
    if !set_affinity(&allowed) {
        // The allowed CPUs changed meanwhile (a cpuset) so that none of
        // them is left: all CPUs, which the kernel narrows to the
        // cpuset's, rather than a thread pinned for good.
        let mut all = empty_cpu_set();
        // SAFETY: every `c` is below `CPU_SETSIZE`, the set's size.
        (0..n).for_each(|c| unsafe { libc::CPU_SET(c, &mut all) });
        set_affinity(&all);
    }
    Some(there)
}

#[cfg(not(all(target_os = "linux", not(loom))))]
fn move_to_another_cpu(_here: usize) -> Option<usize> {
    None
}

#[cfg(all(target_os = "linux", not(loom)))]
fn empty_cpu_set() -> libc::cpu_set_t {
    // SAFETY: a `cpu_set_t` is plain bits; zeroed, it is the empty set.
    unsafe { std::mem::zeroed() }
}

#[cfg(all(test, target_os = "linux", not(loom)))]
mod tests {
    use super::{current_cpu, empty_cpu_set, move_to_another_cpu, moved_away, set_affinity};

    fn affinity() -> libc::cpu_set_t {
        super::affinity(0).expect("Linux says a thread's affinity")
    }

    fn same(a: &libc::cpu_set_t, b: &libc::cpu_set_t) -> bool {
        // SAFETY: both sets are valid.
        unsafe { libc::CPU_EQUAL(a, b) }
    }

    fn is_set(set: &libc::cpu_set_t, cpu: usize) -> bool {
        // SAFETY: `cpu` is below `CPU_SETSIZE` (the kernel's numbering).
        unsafe { libc::CPU_ISSET(cpu, set) }
    }

    /// A thread allowed more than one CPU moves to another of them, and its
    /// affinity is the same set afterwards; a thread pinned to one CPU
    /// stays there, pinned.
    #[test]
    fn a_move_keeps_the_affinity_and_a_pinned_thread_stays() {
        std::thread::spawn(|| {
            let allowed = affinity();
            // SAFETY: `allowed` is a valid set.
            if unsafe { libc::CPU_COUNT(&allowed) } < 2 {
                return;
            }
            let here = current_cpu().expect("Linux says which CPU runs a thread");
            let there = move_to_another_cpu(here).expect("a thread with two CPUs moves");
            assert_ne!(there, here);
            assert!(is_set(&allowed, there));
            assert!(same(&affinity(), &allowed), "the affinity is as it was");

            let mut pinned = empty_cpu_set();
            // SAFETY: as in `is_set`.
            unsafe { libc::CPU_SET(here, &mut pinned) };
            assert!(set_affinity(&pinned));
            assert_eq!(current_cpu(), Some(here));
            assert_eq!(move_to_another_cpu(here), None);
            assert!(same(&affinity(), &pinned));
            assert_eq!(current_cpu(), Some(here));
        })
        .join()
        .unwrap();
    }

    /// Parting sleeps first; a thread that the sleep left on its CPU moves
    /// the next time, and then sleeps again. A thread pinned to one CPU
    /// always sleeps.
    #[test]
    fn parting_sleeps_then_moves_a_thread_the_sleep_left_in_place() {
        std::thread::spawn(|| {
            let allowed = affinity();
            // SAFETY: `allowed` is a valid set.
            if unsafe { libc::CPU_COUNT(&allowed) } >= 2 {
                let here = current_cpu().unwrap();
                assert!(!moved_away(), "the first parting sleeps");
                // Still on `here` unless the kernel moved us meanwhile,
                // which would make this parting a sleep again.
                if current_cpu() == Some(here) {
                    assert!(moved_away(), "left in place, it moves");
                    assert_ne!(current_cpu(), Some(here));
                    assert!(!moved_away(), "after a move, a sleep");
                }
                assert!(same(&affinity(), &allowed));
            }
            let here = current_cpu().unwrap();
            let mut pinned = empty_cpu_set();
            // SAFETY: as in `is_set`.
            unsafe { libc::CPU_SET(here, &mut pinned) };
            assert!(set_affinity(&pinned));
            for _ in 0..3 {
                assert!(!moved_away(), "a pinned thread always sleeps");
            }
            assert!(same(&affinity(), &pinned));
        })
        .join()
        .unwrap();
    }
}
