//! [`Message`]: a handle's failure message as C reads it, made once.

use std::ffi::{c_char, CString};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// A C string made on the first read and kept until the handle goes, in
/// one word: a `OnceLock<CString>` took three, in every handle and so in
/// every spawned task's allocation, where a housed handle lives (F2's
/// task cell: 168 bytes with it, 152 with this).
pub(super) struct Message(AtomicPtr<c_char>);

impl Message {
    /// No message yet.
    pub(super) const fn new() -> Message {
        Message(AtomicPtr::new(ptr::null_mut()))
    }

    /// The message, made by `make` if there is none yet. Two threads that
    /// race both make one; the first stored is kept, the other freed.
    pub(super) fn get_or_make(&self, make: impl FnOnce() -> CString) -> *const c_char {
        let made = self.0.load(Ordering::Acquire);
        if !made.is_null() {
            return made;
        }
        let new = make().into_raw();
        match self
            .0
            .compare_exchange(ptr::null_mut(), new, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => new,
            Err(first) => {
                // SAFETY: `new` came from `into_raw` above and was not stored.
                drop(unsafe { CString::from_raw(new) });
                first
            }
        }
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        let made = *self.0.get_mut();
        if !made.is_null() {
            // SAFETY: a stored message came from `CString::into_raw`, and
            // is freed once, here.
            drop(unsafe { CString::from_raw(made) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn the_first_message_made_is_kept_for_every_read() {
        let m = Message::new();
        let first = m.get_or_make(|| CString::new("first").unwrap());
        let again = m.get_or_make(|| unreachable!("made once"));
        assert_eq!(first, again);
        // SAFETY: the message lives as long as `m`.
        assert_eq!(unsafe { CStr::from_ptr(first) }.to_str(), Ok("first"));
    }
}
