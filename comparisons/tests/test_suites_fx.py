"""Suites F and X: the spec's parts, the line checks, and the claims' rows
(test_report.py checks that their verdicts flip with the figures, from two fixed
result files with opposite outcomes)."""

import json
import shutil

import pytest

from conftest import COMPARISONS, FIXTURES, section
from runner import report, suites
from runner.modes import parse_modes
from runner.schema import validate

CLAIMS = ("Fa", "Xa", "Xb", "Xc")


def fixture_lines(name):
    return [json.loads(t) for t in (FIXTURES / name).read_text().splitlines()]


def test_suites_f_and_x_come_from_workloads_md():
    reg = suites.default()
    f, x = reg["F"], reg["X"]
    assert list(f.spec.workloads) == ["F1", "F2", "F3"] and f.spec.params == ("N",)
    assert list(x.spec.workloads) == ["X1", "X2", "X3"] and x.spec.params == ("N", "W", "D", "Q")
    assert set(x.spec.kinds) == {
        "pool",
        "thread-per-request",
        "blocking-pool",
        "callback-pool",
        "green",
        "promise",
    }
    xa = x.spec.claims["Xa"].rule
    assert (xa.op, xa.threshold, xa.op2, xa.threshold2) == ("<=", 1.05, ">=", 1.6)
    assert str(x.spec.claims["Xc"].rule) == "ratio >= 10.00 and ratio2 > 1.00"


def test_the_fixed_lines_are_valid():
    for name in ("claims_fx_held.jsonl", "claims_fx_not_held.jsonl"):
        for line in fixture_lines(name):
            assert validate(line) == [], line


@pytest.mark.parametrize(
    "workload, edit, message",
    [
        ("F1", lambda ln: ln["params"].update(executor="pool"), "params.executor must be one of"),
        ("X3", lambda ln: ln.pop("vm_per_task_b"), "X3 lines must carry vm_per_task_b"),
        ("X3", lambda ln: ln.update(rss_per_task_b=-1), "X3 lines must carry rss_per_task_b"),
        ("X1", lambda ln: ln["params"].pop("workers"), "params.workers must be a positive integer"),
        ("X1", lambda ln: ln.update(vm_per_task_b=1.0), "only X3 lines carry vm_per_task_b"),
        ("X1", lambda ln: ln.update(min=1), "below the CPU work's floor of 40 (100 steps"),
        ("X2", lambda ln: ln.update(min=1), "below the CPU work's floor of 20 (100 steps"),
    ],
)
def test_bad_lines_say_why(workload, edit, message):
    lines = fixture_lines("claims_fx_held.jsonl")
    line = next(ln for ln in lines if ln["workload"] == workload)
    edit(line)
    assert any(message in p for p in validate(line)), validate(line)


def test_the_work_floor_counts_the_threads_that_run_at_once():
    """steps x 0.4 ns per task on one worker, half of it on the two cores,
    and no less on more workers than cores."""
    lines = fixture_lines("claims_fx_held.jsonl")
    x1 = {ln["params"]["workers"]: ln for ln in lines if ln["workload"] == "X1"}
    for workers, fastest, valid in [(1, 39, False), (1, 40, True), (2, 19, False), (4, 20, True)]:
        line = {**x1[workers], "min": fastest}
        assert (validate(line) == []) == valid, (workers, fastest, validate(line))
    green = next(ln for ln in lines if ln["workload"] == "X2")
    green = {**green, "params": {**green["params"], "threads": 0}, "min": 19}
    assert any("on 2 threads at once" in p for p in validate(green)), validate(green)


def test_claim_rows_name_their_figures(tmp_path):
    text = report.write_report(FIXTURES / "claims_fx_held.jsonl", tmp_path).read_text()
    # Java's fixed-pool future at 50 against Scala's best (fixed, 100); the
    # Go channel is not a future and has no row.
    fa = section(text, "#### Fa:")
    assert (
        "| F3 | java | CompletableFuture | native | 50.0 (fixed) | 100 (Promise, fixed) | 0.50× |"
        in fa
    )
    assert "| go |" not in fa
    xa = section(text, "#### Xa:")
    assert (
        "| java | ThreadPoolExecutor | native | 2 | 200 | 100 | 100 (W = 2) | 1.00× | 2.00× |" in xa
    )
    xb = section(text, "#### Xb:")
    assert "| 1,000 | 100 | 400 | 20 | 10.00× | 20.00× |" in xb
    assert "thread-per-request" not in xb  # neither the blocking pool nor non-blocking
    xc = section(text, "#### Xc:")
    assert "| 100.00× | 10.00× |" in xc


def test_x1_is_a_line_chart_and_x3_shows_memory(tmp_path):
    text = report.write_report(FIXTURES / "claims_fx_held.jsonl", tmp_path).read_text()
    assert (
        "| java | ThreadPoolExecutor | native | 200 | **200 (1.00×)**, 10 cs "
        "| **100 (1.00×)**, 20 cs |" in text
    )
    assert "| java | platform-threads | native | 1,000 | 12,000 | 1,000,000 | 50 |" in text
    for w in ("F1", "F2", "F3", "X1", "X2", "X3"):
        assert (tmp_path / f"{w}.png").read_bytes().startswith(b"\x89PNG")


def test_a_claim_without_its_rows_says_so(tmp_path):
    only_go = tmp_path / "r.jsonl"
    go = [ln for ln in fixture_lines("claims_fx_held.jsonl") if ln["lang"] == "go"]
    only_go.write_text("".join(json.dumps(ln) + "\n" for ln in go))
    (tmp_path / "r.meta.json").write_text(
        json.dumps({"suites": {s: {"params": [], "duration_s": 0} for s in "FX"}})
    )
    text = report.write_report(only_go, tmp_path / "out").read_text()
    for c in CLAIMS:
        assert "**No data**" in section(text, f"#### {c}:")


@pytest.mark.parametrize("mode", ["quick", "full"])
def test_the_report_says_what_quick_mode_cut_per_suite(tmp_path, mode):
    results = tmp_path / "r.jsonl"
    shutil.copy(FIXTURES / "claims_fx_held.jsonl", results)
    modes = parse_modes((COMPARISONS / "WORKLOADS.md").read_text())
    params = {f: {n: p.text() for n, p in ps.items()} for f, ps in modes[mode].items()}
    (tmp_path / "r.meta.json").write_text(
        json.dumps(
            {
                "mode": mode,
                "parameters": params,
                "suites": {s: {"params": [], "duration_s": 0} for s in "FX"},
            }
        )
    )
    text = report.write_report(results, tmp_path / "out").read_text()
    said = {s: section(text, f"## Suite {s}:").split("\n\n")[1] for s in "FX"}
    if mode == "full":
        assert said["X"] == "### Claims", said
        return
    assert said["F"] == (
        "Quick mode cut this suite's parameters (see Parameters): N 20,000 instead of "
        "100,000 (native); N 2,000 instead of 20,000 (Python)."
    )
    assert said["X"] == (
        "Quick mode cut this suite's parameters (see Parameters): N 20,000 instead of "
        "100,000 (native); N 2,000 instead of 20,000 (Python); W 1, 2, 4, 8, 32 instead of "
        "1, 2, 4, 8, 32, 128; Q 1,000 instead of 10,000 (Python)."
    )
