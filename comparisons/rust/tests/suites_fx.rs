//! Suites F and X at a tiny size: every case gives its expected result
//! through the same bodies the benchmark times; the CPU work gives
//! WORKLOADS.md's values; X3's child measures memory for every model.

use polyconc_compare::harness::{Params, Suite};
use polyconc_compare::suite_f::SuiteF;
use polyconc_compare::suite_x::{cpu_work, memory, parked, work_sum, SuiteX, X1_STEPS, X2_STEPS};

/// The rows of WORKLOADS.md's table of the CPU work's values: steps, task
/// 1's result, the sum of tasks 1..20.
fn spec_values() -> Vec<(u64, u64, u64)> {
    let hex = |s: &str| u64::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok();
    include_str!("../../WORKLOADS.md")
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            match cells[..] {
                ["", steps, one, twenty, ""] if one.starts_with("0x") => {
                    Some((steps.parse().ok()?, hex(one)?, hex(twenty)?))
                }
                _ => None,
            }
        })
        .collect()
}

#[test]
fn the_cpu_work_gives_the_specs_values() {
    let rows = spec_values();
    let steps: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert!(
        steps.contains(&X1_STEPS) && steps.contains(&X2_STEPS),
        "{steps:?}"
    );
    for (steps, one, twenty) in rows {
        assert_eq!(cpu_work(1, steps), one, "task 1, {steps} steps");
        assert_eq!(work_sum(20, steps), twenty, "tasks 1..20, {steps} steps");
    }
}

#[test]
fn every_case_gives_its_result() {
    let p = Params {
        tasks: 200,
        pool_sizes: vec![1, 3],
        latency_ms: 1,
        parked: 50,
        ..Params::default()
    };
    let suites: [&dyn Suite; 2] = [&SuiteF, &SuiteX];
    for suite in suites {
        for w in suite.workloads() {
            let cases = suite.cases(w, &p);
            assert!(!cases.is_empty(), "{w}");
            for case in cases {
                assert_eq!((case.prepare)()(), case.want, "{}", case.label);
                assert!(suite.impls().contains(&case.impl_name), "{}", case.label);
            }
        }
    }
}

#[test]
fn the_memory_child_measures_every_model() {
    for (name, _) in parked::MODELS {
        let m = memory::measure(name, 100).unwrap_or_else(|e| panic!("{name}: {e}"));
        for key in ["rss_per_task_b", "vm_per_task_b"] {
            let v = m[key].as_f64().unwrap_or(-1.0);
            assert!(v >= 0.0, "{name} {key}: {m}");
        }
    }
    let threads = memory::measure("std::thread", 100).unwrap();
    // Each parked thread reserves its stack (std's default: 2 MiB).
    assert!(
        threads["vm_per_task_b"].as_f64().unwrap() >= 1024.0 * 1024.0,
        "{threads}"
    );
    assert!(memory::measure("fibers", 1)
        .unwrap_err()
        .contains("unknown X3 model"));
}

#[test]
fn the_memory_child_prints_one_object_or_says_why() {
    let run = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = memory::child(&args, &mut out, &mut err);
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (code, text(out), text(err))
    };
    let (code, out, _) = run(&["core.Promise", "--parked", "10"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["rss_per_task_b"].is_number() && v["vm_per_task_b"].is_number(),
        "{out}"
    );
    let (code, out, err) = run(&["fibers", "--parked", "10"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("unknown X3 model"), "{err}");
    for bad in [
        &["core.Promise"][..],
        &["core.Promise", "--tasks", "10"],
        &["core.Promise", "--parked", "x"],
    ] {
        assert_eq!(run(bad).0, 2, "{bad:?}");
    }
}
