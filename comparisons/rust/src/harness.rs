//! The harness of the Rust benchmark program (`comparisons/WORKLOADS.md`,
//! "Program interface"): the flags of every Modes-table parameter, the
//! warm-up and measured runs, context switches from `getrusage` and the JSON
//! lines. Each suite is a module `suite_<s>` implementing [`Suite`].

use std::cell::Cell;
use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::workloads::{Capacity, FLOW_CAPACITIES};

/// `rustc --version` of the compiler that built this program (build.rs).
pub const TOOLCHAIN: &str = env!("POLYCONC_COMPARE_RUSTC");

const USAGE: &str =
    "usage: bench --suite S [--runs R] [--warmup W] [--messages M] [--handoff-messages M0] \
[--ops K] [--handoff-ops K0] [--threads T] [--tasks N] [--pool-sizes W] [--latency-ms D] [--parked Q] \
[--work I] [--window-ms S] [--workloads a,b] [--impls a,b] [--capacities a,b]

--capacities: only these capacities of C2-C4 run (0, 1, 1024, unbounded; default all);
C1, C5, C6 and the other suites ignore it";

/// One run's timed part: it does the work and returns its result (a sum, a
/// counter) for the check. The clock runs from the call to the return,
/// unless the body moves either end with [`start_clock`] or [`stop_clock`].
pub type Body = Box<dyn FnOnce() -> u64>;

thread_local! {
    /// Where the running body put the ends of its timed part, if it did.
    static BOUNDS: Cell<Bounds> = const { Cell::new(Bounds { start: None, stop: None }) };
}

/// The ends of a timed part that a body set itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Bounds {
    start: Option<Instant>,
    stop: Option<Instant>,
}

/// Starts the running body's clock now, for a body whose set-up must stay
/// outside its figure (suite L: once every thread waits at the start
/// barrier, where the C and Java programs start theirs). Called on the
/// thread that runs the body; the last call counts.
///
/// ```
/// polyconc_compare::harness::start_clock(); // outside a body: no effect on any run
/// ```
pub fn start_clock() {
    BOUNDS.with(|b| {
        b.set(Bounds {
            start: Some(Instant::now()),
            ..b.get()
        })
    });
}

/// Stops the running body's clock now, for a body that ends what it
/// started after its figure (suite F: the fixed pool's shutdown and join,
/// which the C program does after its clock). Called on the thread that
/// runs the body; the last call counts.
///
/// ```
/// polyconc_compare::harness::stop_clock(); // outside a body: no effect on any run
/// ```
pub fn stop_clock() {
    BOUNDS.with(|b| {
        b.set(Bounds {
            stop: Some(Instant::now()),
            ..b.get()
        })
    });
}

/// Where the running body started and stopped its clock, if it did (for
/// the suites' tests of their bodies).
#[cfg(test)]
pub(crate) fn clock_set() -> (Option<Instant>, Option<Instant>) {
    let b = BOUNDS.with(Cell::get);
    (b.start, b.stop)
}

/// Runs `body` and returns its result with the length of its timed part:
/// from the call (or its [`start_clock`]) to the return (or its
/// [`stop_clock`]).
fn timed(body: Body) -> (u64, Duration) {
    BOUNDS.with(|b| b.set(Bounds::default()));
    let called = Instant::now();
    let got = body();
    let returned = Instant::now();
    (got, BOUNDS.with(Cell::take).span(called, returned))
}

impl Bounds {
    /// The timed part between `called` and `returned`, each end moved
    /// where the body set it.
    fn span(self, called: Instant, returned: Instant) -> Duration {
        self.stop
            .unwrap_or(returned)
            .saturating_duration_since(self.start.unwrap_or(called))
    }
}

/// The values of the Modes table's flags (0 or empty when not given); a
/// suite uses the ones it needs.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// M, `--messages`.
    pub messages: u64,
    /// M0, `--handoff-messages`: M of suite C at capacities 0 and 1.
    pub handoff_messages: u64,
    /// K0, `--handoff-ops`: K of a fair lock (this program's locks are not
    /// fair; accepted as every Modes-table flag is).
    pub handoff_ops: u64,
    /// K, `--ops`.
    pub ops: u64,
    /// T, `--threads`.
    pub threads: Vec<usize>,
    /// N, `--tasks`.
    pub tasks: u64,
    /// W, `--pool-sizes`.
    pub pool_sizes: Vec<usize>,
    /// D, `--latency-ms`.
    pub latency_ms: u64,
    /// Q, `--parked`.
    pub parked: u64,
    /// I, `--work`.
    pub work: u64,
    /// S, `--window-ms`.
    pub window_ms: u64,
    /// `--capacities`: the capacities of C2–C4 to run (`None`: all).
    pub capacities: Option<Vec<Capacity>>,
    /// `--impls`: the implementations to run (empty: all). A suite builds
    /// nothing of the others, not even to probe what they can express: a
    /// large channel built and dropped changes the allocator's state (glibc
    /// raises its trim threshold after a big free) for the runs that follow.
    pub impls: Vec<String>,
}

/// One measured configuration of one implementation.
pub struct Case {
    /// The workload id ("C2").
    pub workload: &'static str,
    /// The line's `impl`.
    pub impl_name: &'static str,
    /// The line's `kind`: one of the suite's kinds in WORKLOADS.md.
    pub kind: &'static str,
    /// For progress lines and errors.
    pub label: String,
    /// The figure's unit.
    pub unit: &'static str,
    /// The line's `params` object.
    pub params: Value,
    /// Operations per run: the figure is elapsed ns / ops.
    pub ops: u64,
    /// The result every run must give.
    pub want: u64,
    /// Builds one run outside its timed part.
    pub prepare: Box<dyn Fn() -> Body>,
    /// Set for a window run (L2f, L3f): the per-thread counts of the run just
    /// done. They must add up to the body's result (the counter), which
    /// replaces `ops` and `want`; the line carries their fairness index.
    pub counts: Option<Box<dyn Fn() -> Vec<u64>>>,
}

/// A suite of WORKLOADS.md as this program runs it.
pub trait Suite {
    /// Its id ("C").
    fn id(&self) -> &'static str;
    /// Its workload ids, in output order.
    fn workloads(&self) -> &'static [&'static str];
    /// The implementations it measures.
    fn impls(&self) -> Vec<&'static str>;
    /// Why `params` cannot run the suite.
    fn check(&self, params: &Params) -> Result<(), String>;
    /// The cases of one workload, in output order; a configuration an
    /// implementation cannot express is left out.
    fn cases(&self, workload: &str, params: &Params) -> Vec<Case>;
    /// Members a case's line adds after its figures, measured once after
    /// its runs (X3: memory per task, from a child process); none unless
    /// the suite says so.
    fn extras(&self, case: &Case) -> Result<Map<String, Value>, String> {
        let _ = case;
        Ok(Map::new())
    }
}

/// The parsed command line.
struct Options<'a> {
    suite: &'a dyn Suite,
    params: Params,
    runs: usize,
    warmup: usize,
    workloads: Vec<String>,
    impls: Vec<String>,
}

/// `Ok(None)` when help was asked for.
fn parse_args<'a>(
    args: &[String],
    suites: &[&'a dyn Suite],
) -> Result<Option<Options<'a>>, String> {
    let (mut suite, mut runs, mut warmup) = (None, 5, 1);
    let (mut workloads, mut impls) = (None, None);
    let mut params = Params::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument {arg:?}"));
        };
        // Both "--flag value" and "--flag=value", as Go's flag package allows.
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name, value.to_string()),
            None => {
                let value = args
                    .next()
                    .ok_or_else(|| format!("--{flag} needs a value"))?;
                (flag, value.clone())
            }
        };
        match name {
            "suite" => suite = Some(value),
            "runs" => runs = number(name, &value)?,
            "warmup" => warmup = number(name, &value)?,
            "messages" => params.messages = number(name, &value)?,
            "handoff-messages" => params.handoff_messages = number(name, &value)?,
            "ops" => params.ops = number(name, &value)?,
            "handoff-ops" => params.handoff_ops = number(name, &value)?,
            "threads" => params.threads = numbers(name, &value)?,
            "tasks" => params.tasks = number(name, &value)?,
            "pool-sizes" => params.pool_sizes = numbers(name, &value)?,
            "latency-ms" => params.latency_ms = number(name, &value)?,
            "parked" => params.parked = number(name, &value)?,
            "work" => params.work = number(name, &value)?,
            "window-ms" => params.window_ms = number(name, &value)?,
            "workloads" => workloads = Some(value),
            "impls" => impls = Some(value),
            "capacities" => params.capacities = Some(capacities(&value)?),
            _ => return Err(format!("unknown flag --{name}")),
        }
    }
    let id = suite.ok_or("--suite is required")?;
    let suite = *suites
        .iter()
        .find(|s| s.id() == id)
        .ok_or_else(|| format!("--suite {id:?}: this program has no such suite"))?;
    suite.check(&params)?;
    if runs < 1 {
        return Err(format!("--runs {runs}: need at least 1 measured run"));
    }
    let workloads = list(workloads, suite.workloads(), "workload")?;
    let impls = list(impls, &suite.impls(), "implementation")?;
    params.impls = impls.clone();
    Ok(Some(Options {
        suite,
        params,
        runs,
        warmup,
        workloads,
        impls,
    }))
}

fn number<N: std::str::FromStr>(name: &str, value: &str) -> Result<N, String> {
    value
        .parse()
        .map_err(|_| format!("--{name} {value:?}: not a non-negative integer"))
}

fn numbers(name: &str, value: &str) -> Result<Vec<usize>, String> {
    value.split(',').map(|v| number(name, v.trim())).collect()
}

/// The capacities of `--capacities`, each one of C2–C4's.
fn capacities(value: &str) -> Result<Vec<Capacity>, String> {
    let known: Vec<String> = FLOW_CAPACITIES.iter().map(|c| c.to_string()).collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let chosen = list(Some(value.to_string()), &known, "capacity")?;
    if chosen.is_empty() {
        return Err(format!(
            "--capacities {value:?}: name at least one of {}",
            known.join(",")
        ));
    }
    Ok(chosen
        .iter()
        .map(|c| FLOW_CAPACITIES[known.iter().position(|k| k == c).expect("a known capacity")])
        .collect())
}

/// The items of the comma-separated `value` (all of `known` when absent),
/// each one of `known`.
fn list(value: Option<String>, known: &[&str], what: &str) -> Result<Vec<String>, String> {
    let Some(value) = value else {
        return Ok(known.iter().map(|s| s.to_string()).collect());
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if known.contains(&s) {
                Ok(s.to_string())
            } else {
                Err(format!("unknown {what} {s:?} (known: {})", known.join(",")))
            }
        })
        .collect()
}

/// The whole program behind `main`: exit status 2 for a bad command line, 1
/// if any case failed its check, else 0.
pub fn run(
    args: &[String],
    suites: &[&dyn Suite],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let o = match parse_args(args, suites) {
        Ok(Some(o)) => o,
        Ok(None) => {
            let _ = writeln!(stderr, "{USAGE}");
            return 0;
        }
        Err(e) => {
            let _ = writeln!(stderr, "bench: {e}\n{USAGE}");
            return 2;
        }
    };
    let mut failed = false;
    for &workload in o.suite.workloads() {
        if !o.workloads.iter().any(|w| w == workload) {
            continue;
        }
        for case in o.suite.cases(workload, &o.params) {
            if !o.impls.iter().any(|i| i == case.impl_name) {
                continue;
            }
            let measured = measure(&case, o.runs, o.warmup, stderr)
                .and_then(|f| o.suite.extras(&case).map(|extras| (f, extras)));
            match measured {
                Ok((figures, extras)) => {
                    let mut line = result_line(o.suite.id(), &case, &figures);
                    if let Value::Object(members) = &mut line {
                        members.extend(extras);
                    }
                    let written = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
                    if let Err(e) = written {
                        let _ = writeln!(stderr, "bench: writing a result line: {e}");
                        return 1;
                    }
                }
                Err(e) => {
                    let _ = writeln!(stderr, "bench: FAILED: {e}");
                    failed = true;
                }
            }
        }
    }
    u8::from(failed)
}

/// What the measured runs of one case gave.
#[derive(Debug)]
struct Figures {
    median: f64,
    min: f64,
    max: f64,
    runs: usize,
    /// Context switches per measured run.
    ctx_switches: u64,
    /// A window run's median fairness index.
    fairness: Option<f64>,
    /// Median CPU time (user + system, every thread) per operation, ns.
    cpu_median: f64,
}

fn rusage() -> libc::rusage {
    // SAFETY: getrusage only writes the struct it is given, and an all-zero
    // rusage is a valid value of that plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a live rusage to write; RUSAGE_SELF of a live process
    // cannot fail (EFAULT needs a bad pointer).
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) failed");
    ru
}

/// User plus system CPU time of the whole process, in ns: beside the wall
/// time it shows what a figure cost, since wall time alone rewards a
/// waiter that burns the other core.
fn cpu_ns(ru: &libc::rusage) -> i64 {
    let ns = |t: libc::timeval| t.tv_sec * 1_000_000_000 + t.tv_usec * 1_000;
    ns(ru.ru_utime) + ns(ru.ru_stime)
}

fn switches(ru: &libc::rusage) -> i64 {
    ru.ru_nvcsw + ru.ru_nivcsw
}

/// Does the warm-up and measured runs, checking the result of every run
/// (warm-ups included) on a freshly prepared body.
fn measure(
    case: &Case,
    runs: usize,
    warmup: usize,
    progress: &mut dyn Write,
) -> Result<Figures, String> {
    let (label, unit) = (&case.label, case.unit);
    let mut per_op = Vec::with_capacity(runs);
    let mut cpu_per_op = Vec::with_capacity(runs);
    let mut fairness = Vec::with_capacity(runs);
    let mut switched = 0;
    for r in 0..warmup + runs {
        let body = (case.prepare)();
        let before = rusage();
        let (got, elapsed) = timed(body);
        let after = rusage();
        let mut ops = case.ops;
        if let Some(counts) = &case.counts {
            let counts = counts();
            let sum: u64 = counts.iter().sum();
            if sum != got || got == 0 {
                return Err(format!(
                    "{label}: counter {got}, the threads counted {sum} (a lost or miscounted increment)"
                ));
            }
            ops = got;
            if r >= warmup {
                fairness.push(jain(&counts));
            }
        } else if got != case.want {
            return Err(format!(
                "{label}: sum {got}, want {} (lost, duplicated or miscounted)",
                case.want
            ));
        }
        let figure = elapsed.as_nanos() as f64 / ops as f64;
        // Progress only; a closed stderr must not stop the measurements.
        if r < warmup {
            let _ = writeln!(progress, "{label}: warm-up {figure:.1} {unit}");
        } else {
            let _ = writeln!(
                progress,
                "{label}: run {}/{runs} {figure:.1} {unit}",
                r - warmup + 1
            );
            per_op.push(figure);
            cpu_per_op.push((cpu_ns(&after) - cpu_ns(&before)) as f64 / ops as f64);
            switched += switches(&after) - switches(&before);
        }
    }
    let n = per_op.len();
    let mid = median(&mut per_op);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    Ok(Figures {
        fairness: (!fairness.is_empty()).then(|| (median(&mut fairness) * 100.0).round() / 100.0),
        median: round(mid),
        min: round(per_op[0]),
        max: round(per_op[n - 1]),
        runs,
        ctx_switches: (switched as f64 / runs as f64).round() as u64,
        cpu_median: round(median(&mut cpu_per_op)),
    })
}

/// The median of `xs`, which it sorts; of an even count, the mean of the two
/// middle values.
fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 0 {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    } else {
        xs[n / 2]
    }
}

/// Jain's fairness index of the counts: (Σc)² / (n·Σc²); 1 when all are
/// equal, 1/n when one has everything.
pub fn jain(counts: &[u64]) -> f64 {
    let sum: f64 = counts.iter().map(|&c| c as f64).sum();
    let squares: f64 = counts.iter().map(|&c| (c as f64).powi(2)).sum();
    sum * sum / (counts.len() as f64 * squares)
}

/// One line of the result schema; `max_rss_kb` is the peak RSS now.
fn result_line(suite: &str, case: &Case, f: &Figures) -> Value {
    // SAFETY: sysconf has no preconditions.
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1);
    let mut line = json!({
        "suite": suite, "workload": case.workload, "lang": "rust",
        "impl": case.impl_name, "via": "native", "kind": case.kind, "params": case.params,
        "unit": case.unit, "median": f.median, "min": f.min, "max": f.max,
        "runs": f.runs, "ctx_switches": f.ctx_switches, "cpu_median": f.cpu_median,
        // ru_maxrss is in kilobytes on Linux.
        "max_rss_kb": rusage().ru_maxrss,
        "host": {"cpus": cpus, "os": std::env::consts::OS, "toolchain": TOOLCHAIN},
    });
    if let Some(f) = f.fairness {
        line["fairness"] = json!(f);
    }
    line
}

#[cfg(test)]
mod tests;
