//! Suites F and X at a tiny size: every case gives its expected result
//! through the same bodies the benchmark times; the CPU work gives
//! WORKLOADS.md's values.

use polyconc_compare::harness::{Params, Suite};
use polyconc_compare::suite_f::SuiteF;
use polyconc_compare::suite_x::{cpu_work, work_sum, SuiteX, X1_STEPS, X2_STEPS};

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
            for case in suite.cases(w, &p) {
                assert_eq!((case.prepare)()(), case.want, "{}", case.label);
            }
        }
    }
}
