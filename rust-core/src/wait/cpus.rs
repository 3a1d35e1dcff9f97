//! Whether the process has one CPU to run on, where every waiting policy
//! of [`Backoff`](super::Backoff) skips its spinning.

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
    // SAFETY: a `cpu_set_t` is plain bits; zeroed, it is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is writable for the size given.
    let got = unsafe { libc::sched_getaffinity(tid, std::mem::size_of_val(&set), &mut set) };
    // SAFETY: `set` was filled in by the kernel.
    (got == 0).then(|| unsafe { libc::CPU_COUNT(&set) } as usize)
}
