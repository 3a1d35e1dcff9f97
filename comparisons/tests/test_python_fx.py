"""Smoke runs of comparisons/python/bench.py's suites F and X (suite_f.py,
suite_x.py), on the polyconc the venv has built (`make test` builds it
first); their own sum checks decide the exit status."""

import concurrent.futures as cf
import json
import re
import sys

from conftest import COMPARISONS, python_bench
from runner.schema import validate

sys.path.insert(0, str(COMPARISONS / "python"))
import suite_f  # the benchmark's modules live in python/
import suite_x


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
    for w in ("F1", "F2", "F3"):
        assert {(w, "core", "pyo3", "global"), (w, "core", "pyo3", "fixed")} <= seen
    assert ("F3", "concurrent.futures", "native", "fixed") in seen
    f1 = next(ln for ln in lines if ln["impl"] == "core" and ln["workload"] == "F1")
    assert f1["kind"] == "future" and f1["params"]["stages"] == 1000


class Inline(cf.Executor):
    """Runs each task at once on the submitting thread."""

    def __init__(self, workers):
        self.workers = workers

    def submit(self, fn, /, *args, **kwargs):
        done: cf.Future = cf.Future()
        done.set_result(fn(*args, **kwargs))
        return done


def test_f2_fails_when_its_tasks_run_on_the_caller(monkeypatch, capsys):
    assert suite_f.core_fanout("fixed", 50)[1] == 50 * 51 // 2
    monkeypatch.setattr(suite_f.polyconc, "ThreadPool", Inline)
    assert suite_f.core_fanout("fixed", 50)[1] is None
    assert "the caller's among them: True" in capsys.readouterr().err


def test_x_has_polyconc_pool_and_callback_rows():
    lines = lines_of(bench_x("--workloads", "X1,X2"))
    seen = {(ln["workload"], ln["impl"], ln["kind"], ln["via"]) for ln in lines}
    assert ("X2", "core.map", "callback-pool", "pyo3") in seen
    pools = {ln["params"]["workers"] for ln in lines if ln["impl"] == "core.ThreadPool"}
    assert pools == {1, 2}
    core_map = next(ln for ln in lines if ln["impl"] == "core.map")
    assert core_map["params"]["threads"] == core_map["host"]["cpus"]


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
