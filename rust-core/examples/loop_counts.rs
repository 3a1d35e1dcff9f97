//! One thread sending and receiving in turn, `messages` times, on one
//! channel or queue: the fast path alone, no waiting, for counting the
//! instructions a message costs with callgrind (no timing: on a loaded
//! machine only counts are comparable). Run it for two message counts and
//! divide the difference of the totals by the difference of the counts,
//! so that start-up cancels out:
//!
//! `valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/loop_counts abq 200000`
//!
//! Flavours: `chan` (`Chan::new(1024)`), `chan-unbounded`, `abq`
//! (`ArrayBlockingQueue::new(1024)`), `lbq` (`LinkedBlockingQueue::unbounded()`).

use polyconc::chan::Chan;
use polyconc::queue::{ArrayBlockingQueue, LinkedBlockingQueue};

fn main() {
    let mut args = std::env::args().skip(1);
    let flavour = args.next().unwrap_or_else(|| "chan".to_owned());
    let messages: u64 = match args.next().map(|n| n.parse()) {
        None => 100_000,
        Some(Ok(n)) => n,
        Some(Err(e)) => exit(&format!("messages: {e}")),
    };
    let sum: u64 = match flavour.as_str() {
        "chan" => chan_loop(&Chan::new(1024), messages),
        "chan-unbounded" => chan_loop(&Chan::unbounded(), messages),
        "abq" => {
            let q = ArrayBlockingQueue::new(1024);
            (0..messages)
                .map(|i| {
                    q.put(i).unwrap();
                    q.take().unwrap()
                })
                .sum()
        }
        "lbq" => {
            let q = LinkedBlockingQueue::unbounded();
            (0..messages)
                .map(|i| {
                    q.put(i).unwrap();
                    q.take().unwrap()
                })
                .sum()
        }
        other => exit(&format!(
            "unknown flavour {other}: chan, chan-unbounded, abq, lbq"
        )),
    };
    assert_eq!(sum, messages * messages.saturating_sub(1) / 2);
    println!("{flavour}: {messages} messages");
}

fn chan_loop(ch: &Chan<u64>, messages: u64) -> u64 {
    (0..messages)
        .map(|i| {
            ch.send(i).unwrap();
            ch.recv().unwrap()
        })
        .sum()
}

fn exit(why: &str) -> ! {
    eprintln!("loop_counts: {why}");
    std::process::exit(2)
}
