//! Suites F and X at a tiny size: every case gives its expected result
//! through the same bodies the benchmark times.

use polyconc_compare::harness::{Params, Suite};
use polyconc_compare::suite_f::SuiteF;
use polyconc_compare::suite_x::{cpu_work, work_sum, SuiteX};

#[test]
fn work_sum_is_the_loops_sum() {
    for steps in [0, 1, 7, 300] {
        let looped = (1..=50).fold(0u64, |s, i| s.wrapping_add(cpu_work(i, steps)));
        assert_eq!(work_sum(50, steps), looped, "steps {steps}");
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
