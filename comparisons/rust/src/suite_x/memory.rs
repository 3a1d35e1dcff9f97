//! X3's memory per parked task (WORKLOADS.md, suite X): the program starts
//! itself again as a fresh child process (`--x3-child MODEL --parked Q`),
//! which reads `VmRSS` and `VmSize`, parks Q tasks of the model, reads
//! `VmHWM` and `VmPeak`, releases and joins them, and prints the deltas
//! divided by Q as one JSON object.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Map, Value};

use super::parked::Model;

/// The child's flag, first on its command line.
pub const CHILD_FLAG: &str = "--x3-child";

/// Fields (kB) of /proc/self/status, in bytes, in the order asked.
fn status(fields: [&str; 2]) -> Result<[u64; 2], String> {
    let text = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("reading /proc/self/status: {e}"))?;
    let read = |field: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().strip_suffix(" kB")?.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| format!("/proc/self/status has no {field} in kB"))
    };
    Ok([read(fields[0])?, read(fields[1])?])
}

/// What the child measures: the members `rss_per_task_b` and
/// `vm_per_task_b` for q tasks of the model `name`.
pub fn measure(name: &str, q: u64) -> Result<Value, String> {
    let model = Model::new(name)?;
    let [rss, size] = status(["VmRSS", "VmSize"])?;
    let parked = model.park(q)?;
    let peak = status(["VmHWM", "VmPeak"]);
    let got = parked.release_and_join();
    let [hwm, vm_peak] = peak?;
    let want = q * (q + 1) / 2;
    if got != want {
        return Err(format!("the parked tasks got {got}, want {want}"));
    }
    let per_task = |peak: u64, before: u64| peak.saturating_sub(before) as f64 / q as f64;
    Ok(json!({
        "rss_per_task_b": per_task(hwm, rss),
        "vm_per_task_b": per_task(vm_peak, size),
    }))
}

/// The child process's whole program, for `args` after [`CHILD_FLAG`]
/// (`MODEL --parked Q`): exit status 0 after printing the JSON object, 1
/// after an error on `stderr`, 2 for a bad command line.
pub fn child(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    let [name, flag, q] = args else {
        let _ = writeln!(stderr, "usage: bench {CHILD_FLAG} MODEL --parked Q");
        return 2;
    };
    let Some(q) = (flag == "--parked")
        .then(|| q.parse::<u64>().ok())
        .flatten()
    else {
        let _ = writeln!(
            stderr,
            "bench {CHILD_FLAG}: want --parked Q, got {flag} {q}"
        );
        return 2;
    };
    match measure(name, q) {
        Ok(v) => u8::from(writeln!(stdout, "{v}").is_err()),
        Err(e) => {
            let _ = writeln!(stderr, "bench: X3 {name} child: {e}");
            1
        }
    }
}

/// The parent's part: runs this program as X3's fresh child process for q
/// tasks of `name` and returns the members it printed.
pub fn from_child(name: &str, q: u64) -> Result<Map<String, Value>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("X3 {name}: this program: {e}"))?;
    let out = Command::new(exe)
        .args([CHILD_FLAG, name, "--parked"])
        .arg(q.to_string())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("X3 {name}: cannot start the child process: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "X3 {name}: the child process failed ({})",
            out.status
        ));
    }
    match serde_json::from_slice(&out.stdout) {
        Ok(Value::Object(members)) => Ok(members),
        _ => Err(format!(
            "X3 {name}: the child process printed {:?}",
            String::from_utf8_lossy(&out.stdout)
        )),
    }
}
