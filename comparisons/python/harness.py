"""The harness of the Python benchmark program (WORKLOADS.md, "Program
interface"): flags, the warm-up and measured runs, context switches and the
JSON lines. Suite S lives in suite_s.py, found by its name."""

import argparse
import importlib
import json
import os
import platform
import resource
import statistics
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Every flag of WORKLOADS.md's Modes table besides --suite, --runs and
# --warmup: (flag, type, help). A suite reads the ones it uses from the
# parsed arguments and ignores the rest.
PARAMETERS = (
    ("--messages", int, "M, messages per channel run"),
    ("--handoff-messages", int, "M0, messages per channel run at capacity 0 or 1 (default: M)"),
    ("--ops", int, "K, lock operations per run"),
    ("--handoff-ops", int, "K0, lock operations per run of a fair lock (none here: accepted)"),
    ("--threads", str, "T, thread counts for contended runs (comma-separated)"),
    ("--tasks", int, "N, tasks per future/pool run"),
    ("--pool-sizes", str, "W, pool sizes (comma-separated)"),
    ("--latency-ms", int, "D, simulated service latency in ms"),
    ("--parked", int, "Q, parked tasks"),
    ("--work", int, "I, LCG steps in L3's critical section"),
    ("--window-ms", int, "S, fairness window of L2f and L3f in ms"),
)

# The values --capacities chooses from: C2-C4's capacities in WORKLOADS.md,
# spelt as the lines' "capacity" param.
FLOW_CAPACITIES = ("0", "1", "1024", "unbounded")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def spawn(target, *args) -> threading.Thread:
    """A thread whose exception ends the program: the other side of its channel
    would otherwise wait forever, and a hang reports nothing."""

    def guarded():
        try:
            target(*args)
        except BaseException:
            log(f"python: error: worker {target.__name__} raised:\n{traceback.format_exc()}")
            os._exit(1)

    return threading.Thread(target=guarded, name=target.__name__)


@dataclass
class Config:
    """One configuration of a suite: `run()` does one run and returns (elapsed
    ns of its measured part, its result); the result must equal `expected`;
    the figure is elapsed / `divisor` in `unit`. `impl` has name, via, kind.

    A `windowed` run (L2f, L3f) returns (elapsed, counter, per-thread counts)
    instead: the counts must add up to the counter, which replaces `expected`
    and `divisor`, and the line carries their fairness index."""

    workload: str
    impl: Any
    params: dict
    unit: str
    run: Callable[[], tuple[int, int]]
    expected: int
    divisor: int
    windowed: bool = False
    # Measures what the line adds (X3's memory per task) once, outside the runs.
    extra: Callable[[], dict] | None = None

    def label(self) -> str:
        params = " ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.workload} {self.impl.name} {params}"


def ctx_switches() -> int:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_nvcsw + ru.ru_nivcsw


def jain(counts) -> float:
    """Jain's fairness index: (sum c)^2 / (n sum c^2); 1.0 when all are equal."""
    return sum(counts) ** 2 / (len(counts) * sum(c * c for c in counts))


def measure(config: Config, runs: int, warmup: int):
    """Returns (per-op figures, mean context switches per run, fairness
    indices of a windowed config's measured runs) or None on a failed check."""
    figures, switches, fairness = [], 0, []
    for n in range(warmup + runs):
        before = ctx_switches()
        elapsed, total, *counts = config.run()
        after = ctx_switches()
        divisor, expected = config.divisor, config.expected
        if config.windowed:
            (counts,) = counts
            divisor = expected = sum(counts)
        if total != expected or divisor <= 0:
            log(
                f"python: error: {config.label()}: sum check failed: got {total}, "
                f"expected {expected}" + (" (the threads' own counts)" if config.windowed else "")
            )
            return None
        if n >= warmup:
            figures.append(elapsed / divisor)
            switches += after - before
            if config.windowed:
                fairness.append(jain(counts))
    return figures, switches / runs, fairness


def load_suite(name: str):
    """The module suite_<name>.py, or None if this program has no such suite."""
    try:
        return importlib.import_module(f"suite_{name.lower()}")
    except ModuleNotFoundError as e:
        if e.name != f"suite_{name.lower()}":
            raise
        return None


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--suite", required=True)
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--warmup", type=int, required=True)
    for flag, kind, text in PARAMETERS:
        p.add_argument(flag, type=kind, default=0, help=text)
    p.add_argument("--workloads", help="comma-separated subset of the suite's workloads")
    p.add_argument("--impls", help="comma-separated subset of the suite's implementations")
    p.add_argument(
        "--capacities",
        help="comma-separated capacities of C2-C4 to run: "
        f"{', '.join(FLOW_CAPACITIES)} (default: all; C1, C5, C6 and the other suites ignore it)",
    )
    args = p.parse_args(argv)
    args.module = load_suite(args.suite) if args.suite.isalnum() else None
    if args.module is None:
        p.error(f"suite {args.suite!r}: this program has no suite_{args.suite.lower()}.py")
    problem = args.module.check(args)
    if problem:
        p.error(problem)
    if args.runs < 1 or args.warmup < 0:
        p.error("--runs must be >= 1 and --warmup >= 0")
    known = args.module.WORKLOADS
    args.workloads = args.workloads.split(",") if args.workloads else list(known)
    bad = [w for w in args.workloads if w not in known]
    if bad:
        p.error(f"unknown workload(s) {', '.join(bad)}; known: {', '.join(known)}")
    if args.capacities is not None:
        args.capacities = [c.strip() for c in args.capacities.split(",") if c.strip()]
        known = ",".join(FLOW_CAPACITIES)
        if not args.capacities:
            p.error(f"--capacities: name at least one of {known}")
        for c in args.capacities:
            if c not in FLOW_CAPACITIES:
                p.error(f'--capacities: unknown capacity "{c}" (known: {known})')
    return args


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--x3-child"]:  # X3's fresh child process (suite_x.py)
        return load_suite("X").child(argv[1:])
    args = parse_args(argv)
    suite = args.module
    impls = suite.impls()
    if args.impls:
        wanted = args.impls.split(",")
        known = {i.name for i in impls}
        for name in wanted:
            if name not in known:
                log(
                    f"python: impl {name!r} is not available here "
                    f"(available: {', '.join(sorted(known))})"
                )
        impls = [i for i in impls if i.name in wanted]
    host = {
        "cpus": os.cpu_count(),
        "os": "linux",
        "toolchain": f"cpython{platform.python_version()}",
    }
    failed = False
    for config in suite.configurations(impls, args.workloads, args):
        log(f"python: {config.label()}: {args.warmup} warm-up + {args.runs} runs")
        result = measure(config, args.runs, args.warmup)
        if result is None:
            failed = True
            continue
        figures, switches, fairness = result
        try:
            extra = config.extra() if config.extra else {}
        except (OSError, RuntimeError, ValueError) as e:
            log(f"python: error: {config.label()}: {e}")
            failed = True
            continue
        line = {
            "suite": args.suite,
            "workload": config.workload,
            "lang": "python",
            "impl": config.impl.name,
            "via": config.impl.via,
            "kind": config.impl.kind,
            "params": config.params,
            "unit": config.unit,
            "median": round(statistics.median(figures), 2),
            "min": round(min(figures), 2),
            "max": round(max(figures), 2),
            "runs": args.runs,
            **({"fairness": round(statistics.median(fairness), 2)} if fairness else {}),
            **extra,
            "ctx_switches": round(switches, 1),
            "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "host": host,
        }
        print(json.dumps(line), flush=True)
    return 1 if failed else 0
