//! Channels of large elements: making one must not build its first block
//! of slots on the stack (issue 10, fault 6: a debug build overflowed a
//! spawned thread's stack making `Chan::<[u8; 50_000]>::unbounded()`; one
//! block of 31 such values is 1.5 MB).

use polyconc::chan::Chan;

type Big = [u8; 50_000];

fn on_stack(stack: usize, f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn lists_of_large_values_are_made_on_a_small_stack() {
    on_stack(256 << 10, || {
        let unbounded = Chan::<Big>::unbounded();
        let big = Chan::<Big>::new(1 << 20);
        assert!(unbounded.is_empty() && big.is_empty());
    });
}

#[test]
fn large_values_go_through_on_a_spawned_threads_stack() {
    // 2 MiB, a spawned thread's default: room for a debug build's copies
    // of a value while it is sent and received, not for a block.
    on_stack(2 << 20, || {
        let ch = Chan::<Big>::unbounded();
        for i in 0..3u8 {
            ch.send([i; 50_000]).unwrap();
        }
        for i in 0..3u8 {
            assert!(ch.recv().unwrap().iter().all(|&b| b == i));
        }
    });
}
