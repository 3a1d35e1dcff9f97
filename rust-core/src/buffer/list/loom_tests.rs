//! loom models of a bounded list: its room, which senders learn from the
//! head only once their tail reaches what they learnt before
//! (`room_below`, read and written relaxed), so that whatever stale value
//! a sender reads, the list never holds more than its capacity; and its
//! blocks made up front, which a sender and a receiver cross into. Under
//! loom a block holds 3 values, so the sends here also cross into a
//! second block.
//!
//! Run with the Makefile's `test-loom` (the crate's unit tests under
//! `--cfg loom`).

use loom::thread;

use super::List;
use crate::buffer::Refused;
use crate::loom::Arc;

/// A full list of 2; one receive and two senders racing for the room it
/// frees: at most one of them gets it, and the values left are in order.
#[test]
fn two_senders_race_for_the_room_one_receive_frees() {
    loom::model(|| {
        let list = Arc::new(List::try_new(2).expect("a list"));
        assert!(list.try_push(0u32).is_ok() && list.try_push(1).is_ok());
        let receiver = {
            let list = Arc::clone(&list);
            thread::spawn(move || list.try_pop().ok())
        };
        // A send that went through sees at most the capacity held.
        let send = |list: &List<u32>, v| match list.try_push(v) {
            Ok(()) => {
                assert!(list.len() <= 2, "held more than its capacity");
                true
            }
            Err(Refused::NotReady(_)) => false,
            Err(_) => panic!("closed or busy"),
        };
        let sender = {
            let list = Arc::clone(&list);
            thread::spawn(move || send(&list, 2))
        };
        let pushed = send(&list, 3);
        assert_eq!(receiver.join().unwrap(), Some(0), "the oldest value");
        let others = sender.join().unwrap();
        assert!(!(pushed && others), "two sends into the room of one");
        let mut left = Vec::new();
        while let Ok(v) = list.try_pop() {
            left.push(v);
        }
        assert_eq!(left[0], 1);
        assert_eq!(left.len(), 1 + usize::from(pushed || others));
    });
}

/// A list made with three blocks linked in advance: a sender crosses into
/// the second while a receiver takes what it sends. The receiver gets the
/// values in order, and then finds the list empty: the second block's
/// successor, made with the list, is no sign that the tail is past it.
#[test]
fn a_sender_and_a_receiver_cross_into_a_block_made_up_front() {
    loom::model(|| {
        // Three blocks' worth (3 slots a block under loom).
        let list = Arc::new(List::try_new(9).expect("a list"));
        let sender = {
            let list = Arc::clone(&list);
            thread::spawn(move || {
                for v in 0..4u32 {
                    assert!(list.try_push(v).is_ok(), "room for 4");
                }
            })
        };
        let mut got = Vec::new();
        while got.len() < 4 {
            match list.try_pop() {
                Ok(v) => got.push(v),
                Err(Refused::NotReady(())) => thread::yield_now(),
                Err(_) => panic!("closed or busy"),
            }
        }
        sender.join().unwrap();
        assert_eq!(got, [0, 1, 2, 3]);
        assert!(matches!(list.try_pop(), Err(Refused::NotReady(()))));
    });
}

/// A list that grows past its three blocks made up front by a run of
/// blocks linked in advance (see `grow`): a sender makes the run as it
/// takes the last slot made up front, and crosses into the run's second
/// block, while a receiver takes what it sends. The receiver gets the values in order,
/// and then finds the list empty: a link within the run is no sign that
/// the tail is past it.
#[test]
fn a_sender_and_a_receiver_cross_into_a_run_the_list_grows_by() {
    loom::model(|| {
        // Seven blocks' worth: three made up front, the others in runs.
        let list = Arc::new(List::try_new(20).expect("a list"));
        for v in 0..8u32 {
            assert!(list.try_push(v).is_ok(), "room for 8");
        }
        let sender = {
            let list = Arc::clone(&list);
            thread::spawn(move || {
                for v in 8..13u32 {
                    assert!(list.try_push(v).is_ok(), "room for 13");
                }
            })
        };
        let mut got = Vec::new();
        while got.len() < 13 {
            match list.try_pop() {
                Ok(v) => got.push(v),
                Err(Refused::NotReady(())) => thread::yield_now(),
                Err(_) => panic!("closed or busy"),
            }
        }
        sender.join().unwrap();
        assert_eq!(got, (0..13).collect::<Vec<_>>());
        assert!(matches!(list.try_pop(), Err(Refused::NotReady(()))));
    });
}
