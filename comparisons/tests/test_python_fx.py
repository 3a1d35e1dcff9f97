"""Smoke runs of comparisons/python/bench.py's suites F and X (suite_f.py,
suite_x.py), on the polyconc the venv has built (`make test` builds it
first); their own sum checks decide the exit status."""

import json
import re
import sys

from conftest import COMPARISONS, python_bench
from runner.schema import validate

sys.path.insert(0, str(COMPARISONS / "python"))
import suite_x  # the benchmark's modules live in python/


def lines_of(run):
    assert run.returncode == 0, run.stderr
    lines = [json.loads(ln) for ln in run.stdout.splitlines()]
    for ln in lines:
        assert validate(ln) == [], ln
        assert ln["lang"] == "python" and ln["runs"] == 2
    return lines


def bench_f(*args, polyconc_dir=None):
    return python_bench(
        *"--suite F --tasks 200 --runs 2 --warmup 1".split(), *args, polyconc_dir=polyconc_dir
    )


def bench_x(*args, polyconc_dir=None):
    return python_bench(
        *"--suite X --tasks 200 --pool-sizes 1,2 --latency-ms 1 --parked 50".split(),
        *"--runs 2 --warmup 1".split(),
        *args,
        polyconc_dir=polyconc_dir,
    )


def test_f_has_polyconc_rows_beside_the_peers():
    lines = lines_of(bench_f())
    seen = {(ln["workload"], ln["impl"], ln["via"], ln["params"]["executor"]) for ln in lines}
    assert ("F3", "core", "pyo3", "fixed") in seen
    assert ("F3", "concurrent.futures", "native", "fixed") in seen
    core = next(ln for ln in lines if ln["impl"] == "core" and ln["workload"] == "F3")
    assert core["kind"] == "future" and core["params"]["round_trips"] == 20


def test_x3_promises_carry_memory_and_reserve_less_than_threads():
    lines = lines_of(bench_x("--workloads", "X3"))
    x3 = {ln["impl"]: ln for ln in lines}
    assert set(x3) == {"threading.Thread", "asyncio", "core.Promise"}
    promise, thread = x3["core.Promise"], x3["threading.Thread"]
    assert (promise["kind"], promise["via"]) == ("promise", "pyo3")
    assert promise["params"] == {"tasks": 50}
    # Every parked thread reserves a stack; a parked promise does not.
    assert thread["vm_per_task_b"] > 64 * 1024 > promise["vm_per_task_b"]


def test_without_polyconc_its_rows_are_left_out():
    for run in (bench_f(polyconc_dir="no_polyconc"), bench_x(polyconc_dir="no_polyconc")):
        lines = lines_of(run)
        assert "polyconc is not importable" in run.stderr
        assert lines and not any(ln["via"] == "pyo3" for ln in lines)


def test_the_cpu_work_gives_the_specs_values():
    """WORKLOADS.md's table: steps, task 1's result, the sum of tasks 1..20."""
    text = (COMPARISONS / "WORKLOADS.md").read_text()
    rows = re.findall(r"^\| (\d+) \| 0x([0-9a-f]+) \| 0x([0-9a-f]+) \|$", text, re.M)
    steps = {int(s) for s, _, _ in rows}
    assert {suite_x.X1_STEPS, suite_x.X2_STEPS} <= steps
    for s, one, twenty in rows:
        assert suite_x.cpu_work(1, int(s)) == int(one, 16), s
        assert suite_x.work_sum(20, int(s)) & suite_x.MASK == int(twenty, 16), s
