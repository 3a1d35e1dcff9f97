//! The C ABI of polyconc (see include/polyconc.h, generated from this crate
//! by cbindgen). Every rule lives in the core; this crate converts
//! arguments and errors and keeps panics out of C, with one file per
//! concern:
//!
//! - `status.rs`: `pc_status` and the one mapping from core errors;
//! - `panic.rs`: the panic boundary every export runs in;
//! - `ffi.rs`: handles, out-pointers and `_free` for every `pc_*` type;
//! - `wait.rs`: `timeout_ns` to how the core waits;
//! - `elem.rs`: fixed-size elements as the core's typed values;
//! - one file per C type: `chan.rs`, `select.rs`, `sync.rs` (locks).
#![allow(non_camel_case_types)]

mod chan;
mod elem;
mod ffi;
mod panic;
mod select;
mod status;
mod sync;
mod wait;

use std::ffi::c_char;

pub use chan::{
    pc_chan, pc_chan_capacity, pc_chan_clone, pc_chan_close, pc_chan_elem_size, pc_chan_free,
    pc_chan_is_closed, pc_chan_len, pc_chan_new, pc_chan_new_with_drop, pc_chan_recv, pc_chan_send,
    pc_drop_fn, PC_UNBOUNDED,
};
pub use select::{
    pc_select, pc_select_case, pc_select_kind, PC_SELECT_DISABLED, PC_SELECT_RECV, PC_SELECT_SEND,
};
pub use status::{
    pc_status, pc_status_str, PC_CLOSED, PC_EMPTY, PC_FULL, PC_INVALID_ARG, PC_NOT_OWNER,
    PC_NO_MEMORY, PC_OK, PC_PANIC, PC_TIMEOUT,
};
pub use sync::{
    pc_mutex, pc_mutex_free, pc_mutex_is_locked, pc_mutex_lock, pc_mutex_new, pc_mutex_unlock,
};
pub use wait::PC_FOREVER;

/// Major version of the library this header belongs to.
pub const PC_VERSION_MAJOR: u32 = 0;
/// Minor version of the library this header belongs to.
pub const PC_VERSION_MINOR: u32 = 1;
/// Patch version of the library this header belongs to.
pub const PC_VERSION_PATCH: u32 = 0;

/// The library's version, e.g. `"0.1.0"` (static; never free it). Compare
/// with `PC_VERSION_MAJOR`/`MINOR`/`PATCH` to check that the header and the
/// library agree.
#[no_mangle]
pub extern "C" fn pc_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constants_match_the_crate() {
        let v = |name: &str, s: &str| s.parse::<u32>().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            PC_VERSION_MAJOR,
            v("major", env!("CARGO_PKG_VERSION_MAJOR"))
        );
        assert_eq!(
            PC_VERSION_MINOR,
            v("minor", env!("CARGO_PKG_VERSION_MINOR"))
        );
        assert_eq!(
            PC_VERSION_PATCH,
            v("patch", env!("CARGO_PKG_VERSION_PATCH"))
        );
    }
}
