"""Build every language's benchmark program and run it for each suite; see README.md."""

import argparse
import collections
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from . import COMPARISONS_DIR, LANGS, probe
from .fmt import fmt_secs
from .modes import Params, arguments, parse_modes
from .schema import parse_line
from .suites import Suite
from .suites import registry as suites_registry
from .suites.suite_c import CAPACITIES
from .toolchains import detect

STDERR_TAIL = 40  # lines of a failing program's stderr kept in the meta file
DEFAULT_TIMEOUT = {"smoke": 300, "quick": 3600, "full": 6 * 3600}  # seconds per program


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def describe(obj: dict, suite: Suite) -> str:
    conf = suite.config_label(suite.config(obj)) or suite.bar_note(obj)
    return (
        f"{obj['suite']} {obj['lang']} {obj['impl']}/{obj['via']} {obj['workload']}"
        f"{' ' + conf if conf else ''}: {obj['median']:.1f} {obj['unit']}"
    )


def previous_meta(out: Path, mode: str, suite_ids: str) -> dict:
    """The newest earlier meta file of the same mode and suites, for time estimates."""
    for path in sorted(out.glob("*.meta.json"), reverse=True):
        try:
            meta = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        same_suites = ", ".join(meta.get("suites", {"C": {}})) == suite_ids
        if meta.get("mode") == mode and meta.get("finished") and same_suites:
            return meta
    return {}


class Progress:
    """Elapsed time and an estimate of what is left, from an earlier run's per-language times."""

    def __init__(self, langs: list[str], previous: dict):
        self.start = time.monotonic()
        self.langs = list(langs)
        prev = previous.get("languages", {})
        self.prev = {lg: prev[lg] for lg in langs if prev.get(lg, {}).get("status") == "ok"}
        self.done: dict[str, float] = {}
        self.current: str | None = None
        self.current_start = self.start
        self.current_lines = 0

    def begin(self, lang: str) -> None:
        self.current, self.current_start, self.current_lines = lang, time.monotonic(), 0

    def drop(self, lang: str) -> None:
        """A skipped language: nothing to estimate for it."""
        self.langs.remove(lang)

    def end(self, lang: str) -> None:
        self.done[lang] = time.monotonic() - self.current_start
        self.current = None

    def remaining(self) -> str:
        now = time.monotonic()
        average = sum(self.done.values()) / len(self.done) if self.done else None
        left = 0.0
        for lang in self.langs:
            if lang in self.done:
                continue
            prev = self.prev.get(lang)
            if lang == self.current:
                spent = now - self.current_start
                if prev and prev.get("lines") and self.current_lines:
                    rate = spent / self.current_lines
                    left += max(prev["lines"] - self.current_lines, 0) * rate
                elif prev:
                    left += max(prev["duration_s"] - spent, 0)
                elif average is not None:
                    left += max(average - spent, 0)
                else:
                    return "remaining unknown"
            elif prev:
                left += prev["duration_s"]
            elif average is not None:
                left += average
            else:
                return "remaining unknown"
        return f"~{fmt_secs(left)} left"

    def prefix(self) -> str:
        return f"[{fmt_secs(time.monotonic() - self.start)} elapsed, {self.remaining()}]"


def tail(text: str, n: int = STDERR_TAIL) -> str:
    return "\n".join(text.splitlines()[-n:])


def run_program(cmd, lang: str, suite: Suite, run: "Run") -> dict:
    """Run one program; stream its valid lines into the results file. Returns its record."""
    progress, verbose = run.progress, run.verbose
    record = {"command": [str(c) for c in cmd], "lines": 0, "invalid": []}
    stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    proc = subprocess.Popen(
        [str(c) for c in cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a timeout can end the program and its children
    )

    def drain_stderr():
        for line in proc.stderr:
            stderr_tail.append(line.rstrip("\n"))
            if verbose:
                log(f"    [{lang}] {line.rstrip()}")

    timed_out = threading.Event()

    def kill_on_timeout():
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    drainer = threading.Thread(target=drain_stderr, daemon=True)
    drainer.start()
    timer = threading.Timer(run.timeout, kill_on_timeout)
    timer.start()
    try:
        for raw in proc.stdout:
            line = raw.strip()
            if not line:
                continue
            obj, problems = parse_line(line, {suite.id: suite})
            if not problems and obj["suite"] != suite.id:
                problems = [f"suite {obj['suite']!r}, but the program was asked for {suite.id}"]
            if problems:
                record["invalid"].append({"line": line[:2000], "problems": problems})
                log(f"{progress.prefix()} {lang}: INVALID line: {'; '.join(problems)}")
                continue
            run.results.write(json.dumps(obj, separators=(",", ":")) + "\n")
            run.results.flush()
            record["lines"] += 1
            progress.current_lines += 1
            log(f"{progress.prefix()} {describe(obj, suite)}")
        proc.wait()
    finally:
        timer.cancel()
        drainer.join(timeout=10)
    record["exit_code"] = proc.returncode
    record["stderr_tail"] = "\n".join(stderr_tail)
    record["timed_out"] = timed_out.is_set()
    return record


def host_info() -> dict:
    return {
        "cpus": os.cpu_count(),
        "os": platform.system().lower(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "runner_python": platform.python_version(),
        "toolchains": {},
    }


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m runner", description=__doc__)
    p.add_argument("--mode", choices=("smoke", "quick", "full"), default="quick")
    p.add_argument("--langs", help=f"comma-separated subset of {','.join(LANGS)} (default: all)")
    p.add_argument(
        "--suites",
        help="comma-separated suite ids of WORKLOADS.md (default: every registered suite)",
    )
    p.add_argument(
        "--workloads",
        help="comma-separated workload ids (default: all); each program gets its suite's, "
        "and a suite with none of them does not run",
    )
    p.add_argument(
        "--capacities",
        help=f"comma-separated capacities of C2-C4 passed to every program: "
        f"{', '.join(CAPACITIES)} (default: all)",
    )
    p.add_argument("--out", type=Path, help="results folder (default: comparisons/results)")
    p.add_argument("--root", type=Path, default=COMPARISONS_DIR, help="the comparisons folder")
    p.add_argument(
        "--timeout",
        type=float,
        help="seconds per program before it is killed (default by mode)",
    )
    p.add_argument("--verbose", action="store_true", help="echo the programs' stderr")
    return p.parse_args(argv)


def pick(text: str | None, known, what: str) -> list[str]:
    """The comma-separated subset `text` of `known` (all of it when None)."""
    if not text:
        return list(known)
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ValueError(f"unknown {what}(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return chosen


@dataclass
class Run:
    """One runner invocation: what it runs and what it has recorded so far."""

    root: Path
    mode: str
    params: dict[str, Params]  # flavour -> parameters
    suites: list[Suite]
    workloads: list[str] | None
    capacities: str | None
    timeout: float
    verbose: bool
    results: TextIO
    meta: dict
    meta_path: Path
    progress: Progress
    host_probe: probe.Probe

    def save(self) -> None:
        self.meta_path.write_text(json.dumps(self.meta, indent=2) + "\n")

    def skip(self, lang: str, reason: str) -> None:
        self.meta["languages"][lang] = {"status": "skipped", "reason": reason}
        self.meta["skipped"].append({"lang": lang, "reason": reason})
        self.progress.drop(lang)
        log(f"runner: {lang}: skipped: {reason}")
        self.save()

    def error(self, lang: str, stage: str, message: str, **details) -> None:
        self.meta["errors"].append({"lang": lang, "stage": stage, "message": message, **details})
        self.save()


def build(run: Run, lang: str, folder: Path, make_vars: dict[str, str]) -> Path | None:
    """`make -C <lang> build [VAR=value...]`; the program, or None after
    recording why not."""
    assignments = [f"{k}={v}" for k, v in make_vars.items()]
    log(f"{run.progress.prefix()} {lang}: make -C {folder} build {' '.join(assignments)}")
    made = subprocess.run(
        ["make", "-C", str(folder), "build", *assignments],
        capture_output=True,
        text=True,
        check=False,
    )
    program = folder / "build" / "bench"
    if made.returncode != 0:
        message = f"make -C {lang} build exited with {made.returncode}"
        log(f"runner: {lang}: build FAILED (exit {made.returncode}):\n{tail(made.stderr, 15)}")
        run.error(lang, "build", message, stderr_tail=tail(made.stdout + made.stderr))
    elif not os.access(program, os.X_OK):
        message = f"make -C {lang} build succeeded but {program} is not an executable"
        log(f"runner: {lang}: {message}")
        run.error(lang, "build", message, stderr_tail="")
    else:
        return program
    run.meta["languages"][lang] = {
        "status": "build_failed",
        "exit_code": made.returncode,
    }
    return None


def run_suite(run: Run, lang: str, program: Path, suite: Suite) -> dict:
    """One program run for one suite; returns its record for the meta file."""
    p = run.params["python" if lang == "python" else "native"]
    cmd = [program, "--suite", suite.id, *arguments(p, suite.spec.params)]
    if run.workloads:
        cmd += ["--workloads", ",".join(w for w in run.workloads if w in suite.spec.workloads)]
    if run.capacities:
        cmd += ["--capacities", run.capacities]
    log(f"{run.progress.prefix()} {lang}: {' '.join(str(c) for c in cmd)}")
    started = time.monotonic()
    before = probe.measure(run.host_probe)
    record = run_program(cmd, lang, suite, run)
    after = probe.measure(run.host_probe)
    entry = {
        "status": "ok",
        "lines": record["lines"],
        "invalid_lines": len(record["invalid"]),
        "exit_code": record["exit_code"],
        "duration_s": round(time.monotonic() - started, 1),
        "command": record["command"],
    }
    if run.host_probe.program is not None:
        entry["probe_ns"] = [before, after]
    problems = []
    if record["timed_out"]:
        problems.append(f"killed after the {run.timeout:.0f} s timeout")
    elif record["exit_code"] != 0:
        problems.append(f"exited with status {record['exit_code']}")
    if record["invalid"]:
        problems.append(f"{len(record['invalid'])} invalid line(s)")
    if record["lines"] == 0:
        problems.append("no valid result line")
    if problems:
        entry["status"] = "failed"
        log(
            f"runner: {lang}: suite {suite.id} FAILED: {'; '.join(problems)}\n"
            f"{tail(record['stderr_tail'], 15)}"
        )
        run.error(
            lang,
            "run",
            "; ".join(problems),
            suite=suite.id,
            invalid=record["invalid"][:20],
            stderr_tail=record["stderr_tail"],
        )
    return entry


def has_suite(folder: Path, suite_id: str) -> bool:
    """Whether a language's program has suite `suite_id`: a source file named
    after it (WORKLOADS.md, "Program interface"), outside build output."""
    names = {f"suite_{suite_id.lower()}", f"Suite{suite_id}"}
    return any(
        p.stem in names and not {"build", "target"} & set(p.relative_to(folder).parts)
        for p in folder.rglob("*.*")
    )


def run_language(run: Run, lang: str) -> None:
    """Build one language's program and run it once per suite; every outcome
    (skipped, build failed, a suite failed) lands in the meta file."""
    folder = run.root / lang
    if not (folder / "Makefile").is_file():
        return run.skip(lang, f"no Makefile in {folder}")
    tc = detect(lang, run.root)
    run.meta["host"]["toolchains"][lang] = tc.versions
    if not tc.available:
        return run.skip(lang, tc.reason)
    run.progress.begin(lang)
    program = build(run, lang, folder, tc.make_vars)
    if program is not None:
        suites = {}
        for s in run.suites:
            if has_suite(folder, s.id):
                suites[s.id] = run_suite(run, lang, program, s)
            else:
                reason = f"suite {s.id}: no suite file (suite_{s.id.lower()}.* or Suite{s.id}.*)"
                run.meta["skipped"].append({"lang": lang, "suite": s.id, "reason": reason})
                log(f"runner: {lang}: skipped {reason}")
        for suite_id, entry in suites.items():
            total = run.meta["suites"][suite_id]
            total["duration_s"] = round(total["duration_s"] + entry["duration_s"], 1)
        failed = any(e["status"] != "ok" for e in suites.values())
        run.meta["languages"][lang] = {
            "status": "failed" if failed else "ok",
            "lines": sum(e["lines"] for e in suites.values()),
            "suites": suites,
        }
        run.meta["run"].append(lang)
    run.progress.end(lang)
    run.meta["languages"][lang]["duration_s"] = round(run.progress.done[lang], 1)
    run.save()


def skipped_name(entry: dict) -> str:
    """A skipped language, or a language skipped for one suite ("c (suite F)")."""
    return f"{entry['lang']} (suite {entry['suite']})" if entry.get("suite") else entry["lang"]


def main(argv=None) -> int:
    args = parse_args(argv)
    root = args.root.resolve()
    try:
        text = (root / "WORKLOADS.md").read_text()
        modes = parse_modes(text)
        registry = suites_registry(text)
    except (OSError, ValueError) as e:
        log(f"runner: cannot read WORKLOADS.md: {e}")
        return 2
    if args.mode not in modes:
        log(
            f"runner: WORKLOADS.md's Modes table has no mode {args.mode!r} (has {', '.join(modes)})"
        )
        return 2
    try:
        langs = pick(args.langs, LANGS, "language")
        chosen = [registry[s] for s in pick(args.suites, registry, "suite")]
        capacities = (
            ",".join(pick(args.capacities, CAPACITIES, "capacity")) if args.capacities else None
        )
        workloads = None
        if args.workloads:
            known = [w for s in chosen for w in s.spec.workloads]
            workloads = pick(args.workloads, known, "workload")
            chosen = [s for s in chosen if set(workloads) & set(s.spec.workloads)]
    except ValueError as e:
        log(f"runner: {e}")
        return 2
    for suite in chosen:
        missing = [p for p in suite.spec.params if p not in modes[args.mode]["native"]]
        if missing:
            log(f"runner: suite {suite.id} needs {', '.join(missing)}, not in the Modes table")
            return 2
    out = (args.out or root / "results").resolve()
    out.mkdir(parents=True, exist_ok=True)
    params = modes[args.mode]

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results_path, n = out / f"{stamp}.jsonl", 1
    while results_path.exists():  # two runs within one second
        results_path, n = out / f"{stamp}-{n}.jsonl", n + 1
    meta = {
        "results": results_path.name,
        "mode": args.mode,
        "parameters": {
            flavor: {name: param.text() for name, param in p.items()}
            for flavor, p in params.items()
        },
        "suites": {s.id: {"params": list(s.spec.params), "duration_s": 0.0} for s in chosen},
        "workloads": ",".join(workloads) if workloads else "all",
        "capacities": capacities or "all",
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "finished": None,
        "languages": {},
        "run": [],
        "skipped": [],
        "errors": [],
        "host": host_info(),
    }
    suite_ids = ", ".join(s.id for s in chosen)
    log(
        f"runner: mode {args.mode}, suites {suite_ids}, languages {', '.join(langs)}; "
        f"results -> {results_path}"
    )
    host_probe = probe.build(root)
    meta["host"]["probe"] = host_probe.record()
    if host_probe.program is None:
        log(f"runner: no host probe ({host_probe.reason}); the report cannot check the host")
    with results_path.open("a") as results:
        run = Run(
            root=root,
            mode=args.mode,
            params=params,
            suites=chosen,
            workloads=workloads,
            capacities=capacities,
            timeout=args.timeout or DEFAULT_TIMEOUT[args.mode],
            verbose=args.verbose,
            results=results,
            meta=meta,
            meta_path=results_path.with_name(results_path.stem + ".meta.json"),
            progress=Progress(langs, previous_meta(out, args.mode, suite_ids)),
            host_probe=host_probe,
        )
        run.save()
        for lang in langs:
            run_language(run, lang)
    meta["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    meta["duration_s"] = round(time.monotonic() - run.progress.start, 1)
    run.save()
    for suite_id, total in meta["suites"].items():
        log(f"runner: suite {suite_id} took {fmt_secs(total['duration_s'])} (program runs)")
    log(
        f"runner: done in {fmt_secs(meta['duration_s'])}: "
        f"ran {', '.join(meta['run']) or 'nothing'}; "
        f"skipped {', '.join(skipped_name(s) for s in meta['skipped']) or 'none'}; "
        f"{len(meta['errors'])} error(s). Results: {results_path} (+ {run.meta_path.name})"
    )
    if args.mode == "smoke" and meta["errors"]:
        log(
            "runner: smoke run FAILED: "
            + "; ".join(f"{e['lang']}: {e['message']}" for e in meta["errors"])
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
