use polyconc::chan::Chan;
use std::thread;

#[test]
fn spsc_all_caps() {
    for cap in [Some(0), Some(1), Some(1024), None] {
        let ch = match cap {
            Some(c) => Chan::new(c),
            None => Chan::unbounded(),
        };
        let tx = ch.clone();
        let n = 100_000u64;
        let t = thread::spawn(move || {
            for i in 1..=n {
                tx.send(i).unwrap();
            }
            tx.close();
        });
        let s: u64 = ch.iter().sum();
        t.join().unwrap();
        assert_eq!(s, n * (n + 1) / 2, "cap {:?}", cap);
    }
}
