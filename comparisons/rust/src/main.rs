//! The suite C benchmark program of `comparisons/WORKLOADS.md` in Rust: runs
//! the workloads on polyconc ("core"), crossbeam-channel, flume and
//! `std::sync::mpsc`, and prints one JSON line per configuration and
//! implementation on stdout (see "Program interface"); progress and errors go
//! to stderr.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

use polyconc_compare::workloads::{configs, prepare, Body, Capacity, Config, ImplKind, Workload};
use serde_json::{json, Value};

/// `rustc --version` of the compiler that built this program (build.rs).
const TOOLCHAIN: &str = env!("POLYCONC_COMPARE_RUSTC");

const USAGE: &str = "usage: bench --suite C [--messages M] [--runs R] [--warmup W] \
[--workloads C1,C2,...] [--impls core,crossbeam-channel,flume,std::sync::mpsc]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = run(&args, &mut io::stdout().lock(), &mut io::stderr().lock());
    ExitCode::from(code)
}

/// The parsed command line; defaults are the full native mode.
#[derive(Debug, PartialEq)]
struct Options {
    messages: u64,
    runs: usize,
    warmup: usize,
    workloads: Vec<Workload>,
    impls: Vec<ImplKind>,
}

/// `Ok(None)` when help was asked for.
fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut o = Options {
        messages: 1_000_000,
        runs: 5,
        warmup: 1,
        workloads: Workload::ALL.to_vec(),
        impls: ImplKind::ALL.to_vec(),
    };
    let mut suite = None;
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
            "messages" => o.messages = number(name, &value)?,
            "runs" => o.runs = number(name, &value)?,
            "warmup" => o.warmup = number(name, &value)?,
            "workloads" => o.workloads = list(&value, &Workload::ALL, |w| w.id(), "workload")?,
            "impls" => o.impls = list(&value, &ImplKind::ALL, |i| i.name(), "implementation")?,
            // Suite C has fixed thread counts; T is accepted so that the
            // runner can pass every program the same flags.
            "threads" => {}
            _ => return Err(format!("unknown flag --{name}")),
        }
    }
    match suite.as_deref() {
        Some("C") => {}
        Some(s) => {
            return Err(format!(
                "--suite {s:?}: this program implements only suite C"
            ))
        }
        None => return Err("--suite is required (only C exists here)".into()),
    }
    if o.messages < 10 {
        return Err(format!(
            "--messages {}: need at least 10 (C6 does messages/10 round trips)",
            o.messages
        ));
    }
    if o.runs < 1 {
        return Err(format!("--runs {}: need at least 1 measured run", o.runs));
    }
    Ok(Some(o))
}

fn number<N: std::str::FromStr>(name: &str, value: &str) -> Result<N, String> {
    value
        .parse()
        .map_err(|_| format!("--{name} {value:?}: not a non-negative integer"))
}

/// The items of a comma-separated list, each one of `known` (by `name`).
fn list<T: Copy>(
    value: &str,
    known: &[T],
    name: impl Fn(T) -> &'static str,
    what: &str,
) -> Result<Vec<T>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            known
                .iter()
                .copied()
                .find(|&k| name(k) == s)
                .ok_or_else(|| {
                    let names: Vec<_> = known.iter().map(|&k| name(k)).collect();
                    format!("unknown {what} {s:?} (known: {})", names.join(","))
                })
        })
        .collect()
}

/// The whole program behind `main`: exit status 2 for a bad command line, 1
/// if any configuration failed its sum check, else 0.
fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    let o = match parse_args(args) {
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
    for workload in Workload::ALL {
        if !o.workloads.contains(&workload) {
            continue;
        }
        for config in configs(workload, o.messages) {
            for imp in ImplKind::ALL {
                if !o.impls.contains(&imp) {
                    continue;
                }
                // A configuration the implementation cannot express is left out.
                let Some(first) = prepare(imp, &config) else {
                    continue;
                };
                let mut first = Some(first);
                let next = || {
                    first.take().unwrap_or_else(|| {
                        prepare(imp, &config).expect("prepared for this configuration before")
                    })
                };
                let label = format!("{} [{}]", config.label(), imp.name());
                match measure(&config, &label, next, o.runs, o.warmup, stderr) {
                    Ok(figures) => {
                        let line = result_line(&config, imp, &figures);
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
    }
    u8::from(failed)
}

/// What the measured runs of one configuration gave.
#[derive(Debug)]
struct Figures {
    median: f64,
    min: f64,
    max: f64,
    runs: usize,
    /// Context switches per measured run.
    ctx_switches: u64,
}

fn rusage() -> libc::rusage {
    // SAFETY: getrusage only writes the struct it is given, and an all-zero
    // rusage is a valid value of that plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // RUSAGE_SELF of a live process cannot fail (EFAULT needs a bad pointer).
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) failed");
    ru
}

fn switches(ru: &libc::rusage) -> i64 {
    ru.ru_nvcsw + ru.ru_nivcsw
}

/// Does the warm-up and measured runs, checking the sum of every run
/// (warm-ups included); `next` gives each run's freshly prepared body.
fn measure(
    config: &Config,
    label: &str,
    mut next: impl FnMut() -> Body,
    runs: usize,
    warmup: usize,
    progress: &mut dyn Write,
) -> Result<Figures, String> {
    let want = config.want_sum();
    let unit = unit(config);
    let mut per_op = Vec::with_capacity(runs);
    let mut switched = 0;
    for r in 0..warmup + runs {
        let body = next();
        let before = rusage();
        let start = Instant::now();
        let got = body();
        let elapsed = start.elapsed();
        let after = rusage();
        if got != want {
            return Err(format!(
                "{label}: sum {got}, want {want} (messages lost or duplicated)"
            ));
        }
        let figure = elapsed.as_nanos() as f64 / config.messages as f64;
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
            switched += switches(&after) - switches(&before);
        }
    }
    per_op.sort_by(f64::total_cmp);
    let n = per_op.len();
    let median = if n % 2 == 0 {
        (per_op[n / 2 - 1] + per_op[n / 2]) / 2.0
    } else {
        per_op[n / 2]
    };
    let round = |x: f64| (x * 10.0).round() / 10.0;
    Ok(Figures {
        median: round(median),
        min: round(per_op[0]),
        max: round(per_op[n - 1]),
        runs,
        ctx_switches: (switched as f64 / runs as f64).round() as u64,
    })
}

fn unit(config: &Config) -> &'static str {
    if config.workload == Workload::C6 {
        "ns/roundtrip"
    } else {
        "ns/msg"
    }
}

/// One line of the result schema; `max_rss_kb` is the peak RSS now.
fn result_line(config: &Config, imp: ImplKind, f: &Figures) -> Value {
    let capacity = match config.capacity {
        Capacity::Bounded(n) => json!(n),
        Capacity::Unbounded => json!("unbounded"),
    };
    let params = match config.workload {
        Workload::C6 => json!({"capacity": capacity, "round_trips": config.messages}),
        Workload::C5 => json!({
            "capacity": capacity, "producers": config.producers,
            "consumers": config.consumers, "messages": config.messages,
            "channels": config.channels,
        }),
        _ => json!({
            "capacity": capacity, "producers": config.producers,
            "consumers": config.consumers, "messages": config.messages,
        }),
    };
    // SAFETY: sysconf has no preconditions.
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1);
    json!({
        "suite": "C", "workload": config.workload.id(), "lang": "rust",
        "impl": imp.name(), "via": "native", "kind": "channel", "params": params,
        "unit": unit(config), "median": f.median, "min": f.min, "max": f.max,
        "runs": f.runs, "ctx_switches": f.ctx_switches,
        // ru_maxrss is in kilobytes on Linux.
        "max_rss_kb": rusage().ru_maxrss,
        "host": {"cpus": cpus, "os": std::env::consts::OS, "toolchain": TOOLCHAIN},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn run_str(s: &str) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&args(s), &mut out, &mut err);
        let text = |b| String::from_utf8(b).expect("UTF-8 output");
        (code, text(out), text(err))
    }

    #[test]
    fn defaults_are_the_full_native_mode() {
        let o = parse_args(&args("--suite C")).unwrap().unwrap();
        assert_eq!((o.messages, o.runs, o.warmup), (1_000_000, 5, 1));
        assert_eq!(o.workloads, Workload::ALL);
        assert_eq!(o.impls, ImplKind::ALL);
    }

    #[test]
    fn both_flag_spellings_and_lists_parse() {
        let o = parse_args(&args(
            "--suite=C --messages 20 --runs=2 --warmup 0 --threads 2,4 --workloads C6,C2 --impls flume,core",
        ))
        .unwrap()
        .unwrap();
        assert_eq!((o.messages, o.runs, o.warmup), (20, 2, 0));
        assert_eq!(o.workloads, [Workload::C6, Workload::C2]);
        assert_eq!(o.impls, [ImplKind::Flume, ImplKind::Core]);
    }

    #[test]
    fn bad_command_lines_exit_2_and_say_why() {
        for (line, why) in [
            ("--messages 10", "--suite is required"),
            ("--suite L", "only suite C"),
            ("--suite C --messages 9", "at least 10"),
            ("--suite C --runs 0", "at least 1 measured run"),
            ("--suite C --runs x", "not a non-negative integer"),
            ("--suite C --workloads C7", "unknown workload \"C7\""),
            (
                "--suite C --impls kanal",
                "unknown implementation \"kanal\"",
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
        // std's C4 (single consumer) and C5 (no select).
        assert_eq!(lines.len(), 4 * (1 + 12 + 1 + 1) - 4 - 1);
        for l in &lines {
            assert_eq!(l["lang"], "rust");
            assert_eq!(l["via"], "native");
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
        assert!(!lines
            .iter()
            .any(|l| l["impl"] == "std::sync::mpsc"
                && (l["workload"] == "C4" || l["workload"] == "C5")));
    }

    #[test]
    fn a_wrong_sum_fails_the_configuration() {
        let config = &configs(Workload::C2, 100)[0];
        let mut err = Vec::new();
        let lossy = || -> Body { Box::new(|| 5049) };
        let e = measure(config, "C2 lossy", lossy, 1, 0, &mut err).unwrap_err();
        assert!(e.contains("sum 5049, want 5050"), "{e}");
    }
}
