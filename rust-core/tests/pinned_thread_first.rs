//! A thread pinned to one CPU that waits first does not make the whole
//! process wait as on one CPU. The core reads once whether the process has
//! one CPU to run on (where it never spins); it used to read the calling
//! thread's affinity, so a pinned thread that waited first stopped every
//! thread from spinning for good. Its own test binary: the reading is made
//! once per process, by the first wait of this file's one test.

#![cfg(all(feature = "test-hooks", target_os = "linux"))]

use std::thread;
use std::time::Duration;

use polyconc::chan::{Chan, SendTimeoutError};
use polyconc::test_hooks;

/// The retries of a send that times out on a full ring nobody drains: 4
/// when the core spins, 10 when it reads one CPU (as in
/// tests/buffers.rs).
fn retries_of_a_send_on_a_full_ring() -> u64 {
    let ch = Chan::new(1024);
    for i in 0..1024 {
        ch.send(i).unwrap();
    }
    let before = test_hooks::counts().retries();
    let sent = ch.send_timeout(usize::MAX, Duration::from_millis(300));
    assert_eq!(sent, Err(SendTimeoutError::Timeout(usize::MAX)));
    test_hooks::counts().retries() - before
}

/// Pins the calling thread to the first CPU it may run on.
fn pin_to_one_cpu() {
    // SAFETY: plain bits, zeroed is the empty set; the calls get a set of
    // the size given.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        assert_eq!(
            libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set),
            0
        );
        let first = (0..libc::CPU_SETSIZE as usize)
            .find(|&cpu| libc::CPU_ISSET(cpu, &set))
            .unwrap();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(first, &mut set);
        assert_eq!(
            libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set),
            0
        );
    }
}

#[test]
fn a_pinned_thread_that_waits_first_leaves_spinning_on() {
    if thread::available_parallelism().is_ok_and(|n| n.get() == 1) {
        return; // one CPU indeed: nothing to tell apart
    }
    let pinned = thread::spawn(|| {
        pin_to_one_cpu();
        assert_eq!(thread::available_parallelism().unwrap().get(), 1);
        retries_of_a_send_on_a_full_ring()
    })
    .join()
    .unwrap();
    let free = thread::spawn(retries_of_a_send_on_a_full_ring)
        .join()
        .unwrap();
    assert_eq!((pinned, free), (4, 4));
}
