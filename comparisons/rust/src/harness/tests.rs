//! The harness's flags, runs and JSON lines, checked through `run`.

use super::*;
use crate::suite_c::SuiteC;

const SUITES: &[&dyn Suite] = &[&SuiteC];

fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn run_str(s: &str) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(&args(s), SUITES, &mut out, &mut err);
    let text = |b| String::from_utf8(b).expect("UTF-8 output");
    (code, text(out), text(err))
}

#[test]
fn defaults_are_every_workload_and_implementation() {
    let o = parse_args(&args("--suite C --messages 10"), SUITES)
        .unwrap()
        .unwrap();
    assert_eq!((o.params.messages, o.runs, o.warmup), (10, 5, 1));
    assert_eq!(o.workloads, ["C1", "C2", "C3", "C4", "C5", "C6"]);
    assert_eq!(
        o.impls,
        [
            "core",
            "crossbeam-channel",
            "flume",
            "std::sync::mpsc",
            "core.ArrayBlockingQueue",
            "core.ArrayBlockingQueue.fair",
            "core.LinkedBlockingQueue",
            "core.SynchronousQueue",
            "core.LinkedTransferQueue.transfer"
        ]
    );
}

#[test]
fn both_flag_spellings_every_parameter_and_lists_parse() {
    let o = parse_args(
        &args(
            "--suite=C --messages 20 --handoff-messages=30 --runs=2 --warmup 0 --ops 7 --handoff-ops 8 --threads 2,4 --tasks 9 \
             --pool-sizes=1,128 --latency-ms 1 --parked 5 --work 3 --window-ms=4 \
             --workloads C6,C2 --impls flume,core --capacities=unbounded,0",
        ),
        SUITES,
    )
    .unwrap()
    .unwrap();
    assert_eq!((o.runs, o.warmup), (2, 0));
    assert_eq!(
        o.params,
        Params {
            messages: 20,
            handoff_messages: 30,
            ops: 7,
            handoff_ops: 8,
            threads: vec![2, 4],
            tasks: 9,
            pool_sizes: vec![1, 128],
            latency_ms: 1,
            parked: 5,
            work: 3,
            window_ms: 4,
            capacities: Some(vec![Capacity::Unbounded, Capacity::Bounded(0)]),
            impls: vec!["flume".to_string(), "core".to_string()],
        }
    );
    assert_eq!(o.workloads, ["C6", "C2"]);
    assert_eq!(o.impls, ["flume", "core"]);
}

#[test]
fn bad_command_lines_exit_2_and_say_why() {
    for (line, why) in [
        ("--messages 10", "--suite is required"),
        ("--suite L", "no such suite"),
        ("--suite C", "at least 10"),
        ("--suite C --messages 9", "at least 10"),
        (
            "--suite C --messages 10 --runs 0",
            "at least 1 measured run",
        ),
        ("--suite C --runs x", "not a non-negative integer"),
        ("--suite C --threads 2,x", "not a non-negative integer"),
        (
            "--suite C --messages 10 --workloads C7",
            "unknown workload \"C7\"",
        ),
        (
            "--suite C --messages 10 --impls kanal",
            "unknown implementation \"kanal\"",
        ),
        (
            "--suite C --messages 10 --capacities 1024,2",
            "unknown capacity \"2\" (known: 0,1,1024,unbounded)",
        ),
        (
            "--suite C --messages 10 --capacities ,",
            "name at least one",
        ),
        ("--suite C --bogus 1", "unknown flag --bogus"),
        ("--suite C --runs", "--runs needs a value"),
    ] {
        let (code, out, err) = run_str(line);
        assert_eq!(code, 2, "{line}");
        assert!(out.is_empty(), "{line}");
        assert!(err.contains(why), "{line}: {err}");
    }
}

#[test]
fn prints_one_schema_line_per_configuration_and_implementation() {
    let (code, out, _) = run_str("--suite C --messages 200 --runs 1 --warmup 0");
    assert_eq!(code, 0);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    // C1 + 3 workloads x 4 capacities + C5 + C6, on four channels, less
    // std's C4 (single consumer) and C5 (no select); and the queues at
    // their capacities (C1: three; C2-C4: two arrays at 1 and 1024, the
    // linked one at 1, 1024 and unbounded, two rendezvous at 0; C6: the
    // two rendezvous).
    assert_eq!(lines.len(), 4 * (1 + 12 + 1 + 1) - 4 - 1 + 3 + 3 * 9 + 2);
    for l in &lines {
        assert_eq!(l["suite"], "C");
        assert_eq!(l["lang"], "rust");
        assert_eq!(l["via"], "native");
        // polyconc's queues are "core.<Java's name>"; its channel is "core".
        let queue = l["impl"].as_str().unwrap().starts_with("core.");
        assert_eq!(l["kind"], if queue { "queue" } else { "channel" });
        assert_eq!(l["runs"], 1);
        assert!(l["median"].as_f64().unwrap() > 0.0);
        assert_eq!(l["host"]["toolchain"], TOOLCHAIN);
        assert!(TOOLCHAIN.starts_with("rustc "));
    }
    let c6 = lines.iter().find(|l| l["workload"] == "C6").unwrap();
    assert_eq!(c6["unit"], "ns/roundtrip");
    assert_eq!(c6["params"], json!({"capacity": 0, "round_trips": 20}));
    let c5 = lines.iter().find(|l| l["workload"] == "C5").unwrap();
    assert_eq!(c5["params"]["channels"], 4);
    assert!(lines
        .iter()
        .any(|l| l["params"]["capacity"] == "unbounded" && l["impl"] == "std::sync::mpsc"));
    assert!(!lines.iter().any(
        |l| l["impl"] == "std::sync::mpsc" && (l["workload"] == "C4" || l["workload"] == "C5")
    ));
}

#[test]
fn hand_off_configurations_run_the_hand_off_message_count() {
    let (code, out, _) = run_str(
        "--suite C --messages 200 --handoff-messages 50 --runs 1 --warmup 0 \
         --impls core,core.ArrayBlockingQueue.fair --workloads C2,C6",
    );
    assert_eq!(code, 0);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let messages = |capacity: Value| {
        lines
            .iter()
            .find(|l| {
                l["workload"] == "C2" && l["impl"] == "core" && l["params"]["capacity"] == capacity
            })
            .map(|l| l["params"]["messages"].clone())
    };
    assert_eq!(messages(json!(0)), Some(json!(50)));
    assert_eq!(messages(json!(1)), Some(json!(50)));
    assert_eq!(messages(json!(1024)), Some(json!(200)));
    assert_eq!(messages(json!("unbounded")), Some(json!(200)));
    let c6 = lines.iter().find(|l| l["workload"] == "C6").unwrap();
    assert_eq!(c6["params"]["round_trips"], 5);
    // A fair queue hands off every message, whatever its capacity.
    let fair = lines
        .iter()
        .find(|l| l["impl"] == "core.ArrayBlockingQueue.fair" && l["params"]["capacity"] == 1024)
        .unwrap();
    assert_eq!(fair["params"]["messages"], 50);
}

#[test]
fn capacities_choose_among_c2_to_c4_only() {
    let (code, out, _) = run_str(
        "--suite C --messages 200 --runs 1 --warmup 0 --impls core,core.LinkedBlockingQueue \
         --capacities 1024,unbounded",
    );
    assert_eq!(code, 0);
    let mut got: Vec<(String, String, String)> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"))
        .map(|l| {
            let s = |v: &Value| v.as_str().map_or_else(|| v.to_string(), String::from);
            (
                s(&l["workload"]),
                s(&l["impl"]),
                s(&l["params"]["capacity"]),
            )
        })
        .collect();
    got.sort();
    let mut want = Vec::new();
    for imp in ["core", "core.LinkedBlockingQueue"] {
        // C1 at capacity M and C5 at 1024 whatever the filter; the queue
        // has no select (C5) and no rendezvous (C6).
        want.push(("C1".to_string(), imp.to_string(), "200".to_string()));
        for w in ["C2", "C3", "C4"] {
            for cap in ["1024", "unbounded"] {
                want.push((w.to_string(), imp.to_string(), cap.to_string()));
            }
        }
    }
    want.push(("C5".into(), "core".into(), "1024".into()));
    want.push(("C6".into(), "core".into(), "0".into()));
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn a_wrong_result_fails_the_case() {
    let case = Case {
        workload: "C2",
        impl_name: "lossy",
        kind: "channel",
        label: "C2 lossy".into(),
        unit: "ns/msg",
        params: json!({}),
        ops: 100,
        want: 5050,
        prepare: Box::new(|| Box::new(|| 5049)),
        counts: None,
    };
    let e = measure(&case, 1, 0, &mut Vec::new()).unwrap_err();
    assert!(e.contains("sum 5049, want 5050"), "{e}");
}

#[test]
fn a_window_run_checks_its_counts_and_reports_their_fairness() {
    let window = |counts: Vec<u64>| Case {
        workload: "L2f",
        impl_name: "fake",
        kind: "mutex",
        label: "L2f fake".into(),
        unit: "ns/op",
        params: json!({}),
        ops: 0,
        want: 0,
        prepare: Box::new(|| Box::new(|| 4)),
        counts: Some(Box::new(move || counts.clone())),
    };
    let f = measure(&window(vec![3, 1]), 3, 1, &mut Vec::new()).unwrap();
    assert_eq!(f.fairness, Some(0.8));
    let e = measure(&window(vec![3, 2]), 1, 0, &mut Vec::new()).unwrap_err();
    assert!(e.contains("counter 4, the threads counted 5"), "{e}");
    assert_eq!(jain(&[5, 5, 5]), 1.0);
}

#[test]
fn suite_c_makes_cases_only_for_the_chosen_implementations() {
    let params = Params {
        messages: 20,
        handoff_messages: 30,
        impls: vec!["core".to_string()],
        ..Params::default()
    };
    for workload in ["C1", "C2", "C6"] {
        let cases = SuiteC.cases(workload, &params);
        assert!(!cases.is_empty(), "{workload}");
        assert!(cases.iter().all(|c| c.impl_name == "core"), "{workload}");
    }
    let all = SuiteC.cases(
        "C2",
        &Params {
            impls: Vec::new(),
            ..params
        },
    );
    assert!(all.iter().any(|c| c.impl_name == "crossbeam-channel"));
}

#[test]
fn a_body_moves_the_ends_of_its_timed_part() {
    let called = Instant::now();
    let at = |ms| called + Duration::from_millis(ms);
    let (returned, none) = (at(100), Bounds::default());
    assert_eq!(none.span(called, returned), Duration::from_millis(100));
    let moved = Bounds {
        start: Some(at(10)),
        stop: Some(at(70)),
    };
    assert_eq!(moved.span(called, returned), Duration::from_millis(60));
    let started = Bounds {
        start: Some(at(30)),
        stop: None,
    };
    assert_eq!(started.span(called, returned), Duration::from_millis(70));
    // What a body set is read by the run it belongs to, and is gone after it.
    let (got, _) = timed(Box::new(|| {
        start_clock();
        stop_clock();
        let set = BOUNDS.with(Cell::get);
        u64::from(set.start.is_some() && set.stop.is_some())
    }));
    assert_eq!(got, 1);
    assert_eq!(BOUNDS.with(Cell::get), Bounds::default());
}
