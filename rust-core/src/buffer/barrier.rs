//! An asymmetric barrier between a ring's publish and a waiter's re-check.
//!
//! A sender publishes its slot (a store of the stamp), then looks whether
//! a receiver waits; a receiver registers, then re-checks the stamp. Each
//! side's store must be ordered before its load, or both may miss the
//! other (a lost wake-up). A fence or a read-modify-write on every publish
//! costs a locked instruction per message on x86. The waiter's side is
//! rare (it is about to sleep), so it pays instead: [`heavy`] makes every
//! running thread of the process pass a full barrier (Linux's `membarrier`
//! system call), and [`light`] on the publisher's side only keeps the
//! compiler from moving the load above the store. Either the publisher's
//! store came before its barrier, and the waiter's re-check after `heavy`
//! sees it, or its load came after, and it sees the registration.
//!
//! Where `membarrier` is missing, [`light`] is a real fence, decided once
//! before the first ring exists ([`init`]), so both sides agree.

#[cfg(not(loom))]
use std::sync::atomic::compiler_fence;
#[cfg(not(loom))]
use std::sync::Once;

use crate::loom::{fence, Ordering};

/// Whether `membarrier` serves as the heavy side: set once, before the
/// first ring is made, by [`init`].
#[cfg(not(loom))]
static ASYMMETRIC: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Registers this process for expedited `membarrier`s, once; call before
/// a ring is shared (a ring's constructor does), so that every thread
/// that publishes to or waits on it sees the outcome.
pub(crate) fn init() {
    #[cfg(not(loom))]
    {
        static REGISTER: Once = Once::new();
        REGISTER.call_once(|| {
            if sys::register() {
                ASYMMETRIC.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        });
    }
}

/// The publisher's side: orders its earlier stores before its later loads,
/// given the waiter's [`heavy`].
#[inline]
pub(crate) fn light() {
    #[cfg(not(loom))]
    {
        if ASYMMETRIC.load(std::sync::atomic::Ordering::Relaxed) {
            compiler_fence(Ordering::SeqCst);
        } else {
            fence(Ordering::SeqCst);
        }
    }
    // Loom models the pair as two fences.
    #[cfg(loom)]
    fence(Ordering::SeqCst);
}

/// The waiter's side, after its registration: false if it could not be
/// done (the system call failed, as it may in a child after `fork`), and
/// then the caller must not rely on the publisher seeing its registration.
#[cold]
pub(crate) fn heavy() -> bool {
    fence(Ordering::SeqCst);
    #[cfg(not(loom))]
    if ASYMMETRIC.load(std::sync::atomic::Ordering::Relaxed) {
        return sys::barrier();
    }
    true
}

#[cfg(all(target_os = "linux", not(loom)))]
mod sys {
    // From linux/membarrier.h.
    const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

    fn membarrier(cmd: libc::c_long) -> bool {
        // SAFETY: membarrier takes two integer arguments and touches no
        // memory of ours.
        unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0 as libc::c_long) == 0 }
    }

    pub(super) fn register() -> bool {
        membarrier(REGISTER_PRIVATE_EXPEDITED) && membarrier(PRIVATE_EXPEDITED)
    }

    pub(super) fn barrier() -> bool {
        membarrier(PRIVATE_EXPEDITED)
    }
}

#[cfg(all(not(target_os = "linux"), not(loom)))]
mod sys {
    pub(super) fn register() -> bool {
        false
    }

    pub(super) fn barrier() -> bool {
        false
    }
}
