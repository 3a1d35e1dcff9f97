//! Where tests hook into the core (feature `test-hooks`, see
//! `crate::test_hooks`): pause points and per-thread counters. Without the
//! feature, and under loom, each hook compiles to nothing.

/// A point where a test may pause this thread (feature `test-hooks`);
/// nothing otherwise.
#[inline(always)]
pub(crate) fn hook(point: Point) {
    #[cfg(all(feature = "test-hooks", not(loom)))]
    crate::test_hooks::reach(point);
    #[cfg(not(all(feature = "test-hooks", not(loom))))]
    let _ = point;
}

/// Counts an event of this thread (feature `test-hooks`); nothing otherwise.
#[inline(always)]
pub(crate) fn count(what: Count) {
    #[cfg(all(feature = "test-hooks", not(loom)))]
    crate::test_hooks::count(what);
    #[cfg(not(all(feature = "test-hooks", not(loom))))]
    let _ = what;
}

/// A place in the channel's code where a test may pause a thread (see
/// `test_hooks::Pause`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Point {
    /// A buffered send has claimed its slot and not yet written the value.
    SendClaimed,
    /// A buffered receive has claimed its slot and not yet read the value.
    RecvClaimed,
    /// A send to a list buffer (unbounded, or above 65,536) has read the
    /// tail it will try to claim, and not yet checked for room.
    SendReadTail,
}

/// What a thread counts as it runs (see `test_hooks::Counts`).
// Parks and wakes are not counted under loom, whose parker is a model.
#[cfg_attr(loom, allow(dead_code))]
pub(crate) enum Count {
    /// It went to sleep (a park of its thread).
    Park,
    /// It woke a sleeping thread (an unpark).
    Wake,
    /// Another thread claimed the buffer position it tried to claim.
    LostClaim,
    /// It registered to be told when a buffered channel can go on.
    Watch,
    /// It told a registered waiter of a buffered channel.
    Tell,
    /// A refused buffer operation of its paused and tried again.
    Retry,
    /// It gave up its CPU (a yield) while waiting for another thread.
    Yield,
    /// A receive from a list buffer found the slot it claimed not yet
    /// written by its sender, and waited.
    WriteWait,
    /// A send to a bounded list buffer read the head to learn its room.
    RoomLook,
}
