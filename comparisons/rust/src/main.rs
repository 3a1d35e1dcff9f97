//! The Rust benchmark program of `comparisons/WORKLOADS.md`: the harness
//! (`polyconc_compare::harness`) runs the suite `--suite` names and prints one
//! JSON line per configuration and implementation on stdout (see "Program
//! interface"); progress and errors go to stderr. Run with `--x3-child`,
//! it is X3's child process that measures memory per task
//! (`polyconc_compare::suite_x::memory`).

use std::io;
use std::process::ExitCode;

use polyconc_compare::harness::{self, Suite};
use polyconc_compare::suite_c::SuiteC;
use polyconc_compare::suite_f::SuiteF;
use polyconc_compare::suite_l::SuiteL;
use polyconc_compare::suite_x::{memory, SuiteX};

/// Every suite this program has.
const SUITES: &[&dyn Suite] = &[&SuiteC, &SuiteL, &SuiteF, &SuiteX];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(memory::CHILD_FLAG) {
        let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
        return ExitCode::from(memory::child(&args[1..], &mut out, &mut err));
    }
    keep_freed_memory();
    let code = harness::run(
        &args,
        SUITES,
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    );
    ExitCode::from(code)
}

/// Freed memory stays with malloc, as a collected runtime keeps its heap
/// (WORKLOADS.md, Runs): else a run faults in again the pages the runs
/// before it gave back, a cost that depends on what ran before. The C
/// program does the same.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets malloc's parameters; no allocation is
    // live that depends on them (glibc applies them to later calls).
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20); // glibc's most
    }
}
