"""Build and run every language's suite-C benchmark program; see README.md."""

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
from pathlib import Path

from . import COMPARISONS_DIR, LANGS
from .modes import ModesError, parse_modes
from .schema import parse_line
from .toolchains import detect

STDERR_TAIL = 40  # lines of a failing program's stderr kept in the meta file
DEFAULT_TIMEOUT = {"smoke": 300, "quick": 3600, "full": 6 * 3600}  # seconds per program


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fmt_secs(s: float) -> str:
    s = round(s)
    return (
        f"{s // 3600}h{s % 3600 // 60:02d}m{s % 60:02d}s"
        if s >= 3600
        else f"{s // 60}m{s % 60:02d}s"
    )


def describe(obj: dict) -> str:
    p = obj["params"]
    conf = f"capacity={p.get('capacity')}"
    if obj["workload"] == "C6":
        conf += f" round_trips={p.get('round_trips')}"
    return (
        f"{obj['suite']} {obj['lang']} {obj['impl']}/{obj['via']} {obj['workload']} {conf}: "
        f"{obj['median']:.1f} {obj['unit']}"
    )


def previous_meta(out: Path, mode: str) -> dict:
    """The newest earlier meta file of the same mode, for time estimates."""
    for path in sorted(out.glob("*.meta.json"), reverse=True):
        try:
            meta = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if meta.get("mode") == mode and meta.get("finished"):
            return meta
    return {}


class Progress:
    """Elapsed time and an estimate of what is left, from an earlier run's per-language times."""

    def __init__(self, langs: list[str], previous: dict):
        self.start = time.monotonic()
        self.langs = langs
        prev = previous.get("languages", {})
        self.prev = {
            lg: prev[lg] for lg in langs if prev.get(lg, {}).get("status") == "ok"
        }
        self.done: dict[str, float] = {}
        self.current: str | None = None
        self.current_start = self.start
        self.current_lines = 0

    def begin(self, lang: str) -> None:
        self.current, self.current_start, self.current_lines = lang, time.monotonic(), 0

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
        return (
            f"[{fmt_secs(time.monotonic() - self.start)} elapsed, {self.remaining()}]"
        )


def tail(text: str, n: int = STDERR_TAIL) -> str:
    return "\n".join(text.splitlines()[-n:])


def run_program(cmd, lang, results, progress, timeout, verbose):
    """Run one program; stream its valid lines into `results`. Returns its record."""
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
    timer = threading.Timer(timeout, kill_on_timeout)
    timer.start()
    try:
        for raw in proc.stdout:
            line = raw.strip()
            if not line:
                continue
            obj, problems = parse_line(line)
            if problems:
                record["invalid"].append({"line": line[:2000], "problems": problems})
                log(f"{progress.prefix()} {lang}: INVALID line: {'; '.join(problems)}")
                continue
            results.write(json.dumps(obj, separators=(",", ":")) + "\n")
            results.flush()
            record["lines"] += 1
            progress.current_lines += 1
            log(f"{progress.prefix()} {describe(obj)}")
        proc.wait()
    finally:
        timer.cancel()
        drainer.join(timeout=10)
    record["exit_code"] = proc.returncode
    record["stderr_tail"] = "\n".join(stderr_tail)
    record["timed_out"] = timed_out.is_set()
    return record


def host_info(toolchains: dict) -> dict:
    return {
        "cpus": os.cpu_count(),
        "os": platform.system().lower(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "runner_python": platform.python_version(),
        "toolchains": toolchains,
    }


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m runner", description=__doc__)
    p.add_argument("--mode", choices=("smoke", "quick", "full"), default="quick")
    p.add_argument(
        "--langs", help=f"comma-separated subset of {','.join(LANGS)} (default: all)"
    )
    p.add_argument(
        "--workloads",
        help="comma-separated workload ids passed to every program (default: all)",
    )
    p.add_argument(
        "--out", type=Path, help="results folder (default: comparisons/results)"
    )
    p.add_argument(
        "--root", type=Path, default=COMPARISONS_DIR, help="the comparisons folder"
    )
    p.add_argument(
        "--timeout",
        type=float,
        help="seconds per program before it is killed (default by mode)",
    )
    p.add_argument("--verbose", action="store_true", help="echo the programs' stderr")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    root = args.root.resolve()
    try:
        modes = parse_modes((root / "WORKLOADS.md").read_text())
    except (OSError, ModesError) as e:
        log(f"runner: cannot read the Modes table: {e}")
        return 2
    if args.mode not in modes:
        log(
            f"runner: WORKLOADS.md's Modes table has no mode {args.mode!r} (has {', '.join(modes)})"
        )
        return 2
    langs = (
        [s.strip() for s in args.langs.split(",") if s.strip()]
        if args.langs
        else list(LANGS)
    )
    unknown = [lg for lg in langs if lg not in LANGS]
    if unknown:
        log(
            f"runner: unknown language(s) {', '.join(unknown)}; known: {', '.join(LANGS)}"
        )
        return 2
    out = (args.out or root / "results").resolve()
    out.mkdir(parents=True, exist_ok=True)
    timeout = args.timeout or DEFAULT_TIMEOUT[args.mode]
    params = modes[args.mode]

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results_path, n = out / f"{stamp}.jsonl", 1
    while results_path.exists():  # two runs within one second
        results_path, n = out / f"{stamp}-{n}.jsonl", n + 1
    meta_path = results_path.with_name(results_path.stem + ".meta.json")

    meta = {
        "results": results_path.name,
        "mode": args.mode,
        "parameters": {flavor: p.as_dict() for flavor, p in params.items()},
        "workloads": args.workloads or "all",
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "finished": None,
        "languages": {},
        "run": [],
        "skipped": [],
        "errors": [],
        "host": host_info({}),
    }

    def save_meta():
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")

    progress = Progress(langs, previous_meta(out, args.mode))
    log(
        f"runner: mode {args.mode}, languages {', '.join(langs)}; results -> {results_path}"
    )
    with results_path.open("a") as results:
        for lang in langs:
            entry: dict = {"status": "skipped"}
            meta["languages"][lang] = entry
            folder = root / lang
            if not (folder / "Makefile").is_file():
                entry["reason"] = f"no Makefile in {folder}"
                meta["skipped"].append({"lang": lang, "reason": entry["reason"]})
                log(f"runner: {lang}: skipped: {entry['reason']}")
                save_meta()
                continue
            tc = detect(lang, root)
            meta["host"]["toolchains"][lang] = tc.versions
            if not tc.available:
                entry["reason"] = tc.reason
                meta["skipped"].append({"lang": lang, "reason": tc.reason})
                log(f"runner: {lang}: skipped: {tc.reason}")
                save_meta()
                continue
            progress.begin(lang)
            log(f"{progress.prefix()} {lang}: make -C {folder} build")
            build = subprocess.run(
                ["make", "-C", str(folder), "build"],
                capture_output=True,
                text=True,
                check=False,
            )
            if build.returncode != 0:
                entry.update(status="build_failed", exit_code=build.returncode)
                meta["errors"].append(
                    {
                        "lang": lang,
                        "stage": "build",
                        "message": f"make -C {lang} build exited with {build.returncode}",
                        "stderr_tail": tail(build.stdout + build.stderr),
                    }
                )
                log(
                    f"runner: {lang}: build FAILED (exit {build.returncode}):\n{tail(build.stderr, 15)}"
                )
                progress.end(lang)
                save_meta()
                continue
            program = folder / "build" / "bench"
            if not os.access(program, os.X_OK):
                entry.update(status="build_failed")
                meta["errors"].append(
                    {
                        "lang": lang,
                        "stage": "build",
                        "message": f"make -C {lang} build succeeded but {program} is not an executable",
                        "stderr_tail": "",
                    }
                )
                log(f"runner: {lang}: {meta['errors'][-1]['message']}")
                progress.end(lang)
                save_meta()
                continue
            p = params["python" if lang == "python" else "native"]
            cmd = [
                program,
                "--suite",
                "C",
                "--messages",
                p.messages,
                "--runs",
                p.runs,
                "--warmup",
                p.warmup,
            ]
            if args.workloads:
                cmd += ["--workloads", args.workloads]
            log(f"{progress.prefix()} {lang}: {' '.join(str(c) for c in cmd)}")
            record = run_program(cmd, lang, results, progress, timeout, args.verbose)
            progress.end(lang)
            entry.update(
                status="ok",
                lines=record["lines"],
                invalid_lines=len(record["invalid"]),
                exit_code=record["exit_code"],
                duration_s=round(progress.done[lang], 1),
                command=record["command"],
            )
            meta["run"].append(lang)
            problems = []
            if record["timed_out"]:
                problems.append(f"killed after the {timeout:.0f} s timeout")
            elif record["exit_code"] != 0:
                problems.append(f"exited with status {record['exit_code']}")
            if record["invalid"]:
                problems.append(f"{len(record['invalid'])} invalid line(s)")
            if record["lines"] == 0:
                problems.append("no valid result line")
            if problems:
                entry["status"] = "failed"
                meta["errors"].append(
                    {
                        "lang": lang,
                        "stage": "run",
                        "message": "; ".join(problems),
                        "invalid": record["invalid"][:20],
                        "stderr_tail": record["stderr_tail"],
                    }
                )
                log(
                    f"runner: {lang}: FAILED: {'; '.join(problems)}\n{tail(record['stderr_tail'], 15)}"
                )
            save_meta()
    meta["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    meta["duration_s"] = round(time.monotonic() - progress.start, 1)
    save_meta()
    log(
        f"runner: done in {fmt_secs(meta['duration_s'])}: ran {', '.join(meta['run']) or 'nothing'}; "
        f"skipped {', '.join(s['lang'] for s in meta['skipped']) or 'none'}; "
        f"{len(meta['errors'])} error(s). Results: {results_path} (+ {meta_path.name})"
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
