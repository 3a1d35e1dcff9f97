"""Suite L through the registry: its spec, its lines' checks, its report (tables,
charts, fairness) and its claims' rows (test_report.py checks that their verdicts
flip with the figures); and the Python program's suite_l.py."""

import json

import pytest

from conftest import COMPARISONS, FIXTURES, python_bench, section
from runner import report, suites
from runner.claims import Rule
from runner.schema import validate

TEXT = (COMPARISONS / "WORKLOADS.md").read_text()
CLAIMS = ("La", "Lb", "Lc", "Ld")


def line(workload="L2", **changes):
    params = {"threads": 2, "ops": 1000}
    if workload in ("L2f", "L3f"):
        params = {"threads": 2, "window_ms": 10}
    if workload.startswith("L3"):
        params["work"] = 750
    out = {
        "suite": "L",
        "workload": workload,
        "lang": "go",
        "impl": "sync.Mutex",
        "via": "native",
        "kind": "mutex",
        "params": params,
        "unit": "ns/op",
        "median": 20.0,
        "min": 19.0,
        "max": 22.0,
        "runs": 5,
        "ctx_switches": 3,
        "host": {"cpus": 2, "os": "linux", "toolchain": "go1.26"},
    }
    if workload in ("L2f", "L3f"):
        out["fairness"] = 0.93
    return {**out, **changes}


def test_suite_l_comes_from_workloads_md():
    s = suites.registry(TEXT)["L"]
    assert s.spec.title == "locks and the cost of sharing"
    assert list(s.spec.workloads) == ["L1", "L2", "L3", "L4", "L5", "L2f", "L3f"]
    assert s.spec.workloads["L2f"].name == "fair-short"
    assert set(s.spec.kinds) == {"spin", "mutex", "os-mutex", "atomic", "message"}
    assert s.spec.params == ("K", "K0", "T", "I", "S")
    assert list(s.spec.claims) == list(CLAIMS)
    assert s.spec.claims["Lb"].rule == Rule("<=", 1.2)
    assert set(s.units) == set(s.spec.workloads)


@pytest.mark.parametrize(
    "good",
    [
        line(),
        line("L1", params={"threads": 1, "ops": 1000}),
        line("L3"),
        line("L5", kind="message", params={"threads": 2, "ops": 10, "capacity": 1024}),
        line("L5", kind="message", params={"threads": 2, "ops": 10, "capacity": "unbounded"}),
        line("L2f"),
        line("L3f", fairness=1),
    ],
)
def test_good_lines(good):
    assert validate(good) == []


@pytest.mark.parametrize(
    "bad, message",
    [
        (line(kind="lock"), "kind 'lock' is not one of suite L's"),
        (line("L2f", fairness=None), "fairness must be a number in (0, 1]"),
        (line("L2f", fairness=1.5), "fairness must be a number in (0, 1]"),
        ({k: v for k, v in line("L2f").items() if k != "fairness"}, "must carry fairness"),
        (line(fairness=0.5), "only L2f and L3f lines carry fairness"),
        (line("L3", params={"threads": 2, "ops": 10}), "params.work must be a positive"),
        (line("L1"), "L1 runs on one thread"),
        (line("L5", params={"threads": 2, "ops": 10}), "params.capacity must be"),
        (line("L2f", params={"threads": 2, "ops": 10}), "params.window_ms must be"),
        (line(unit="ns/msg"), "unit of L2 must be 'ns/op'"),
    ],
)
def test_bad_lines_say_why(bad, message):
    problems = validate(bad)
    assert any(message in p for p in problems), problems


def test_claim_rows_name_their_figures(tmp_path):
    text = report.write_report(FIXTURES / "claims_l_held.jsonl", tmp_path).read_text()
    la = section(text, "#### La:")
    # spin/mutex 10/11 at T = 2, 100/40 at T = 8 (the best mutex each time),
    # with the spinlock's context switches beside.
    assert (
        "| rust | core.SpinLock | native | L2 | 0.91× (core.Mutex) | 8 | 2.50× (core.Mutex) "
        "| 20 | 80 | 2.75× |" in la
    )
    lb = section(text, "#### Lb:")
    assert "| rust | L2 | 8 | core.Mutex (native) | 40.0 | 100 (core.SpinLock) | 50.0" in lb
    lc = section(text, "#### Lc:")
    assert "| rust | 2 | 200 (core.Chan) | 10.0 (core.SpinLock) | — | — | 20.00× |" in lc
    ld = section(text, "#### Ld:")
    assert "| L5 | core.Chan | 2 | 200 | c-abi, C | 400 | 2.00× |" in ld


def test_a_claim_without_its_rows_says_so(tmp_path):
    only_l2 = tmp_path / "r.jsonl"
    only_l2.write_text(json.dumps(line()) + "\n")
    text = report.write_report(only_l2, tmp_path / "out").read_text()
    for c in CLAIMS:
        assert "**No data**" in section(text, f"#### {c}:")


def test_tables_have_a_column_per_t_and_the_window_rows_their_fairness(tmp_path):
    results = tmp_path / "r.jsonl"
    rows = [
        line(),
        line(params={"threads": 8, "ops": 1000}, median=40.0, min=40.0, max=40.0),
        line("L2f"),
        line("L2f", impl="spin", kind="spin", median=10.0, min=9.0, max=11.0, fairness=0.51),
    ]
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    text = report.write_report(results, out).read_text()
    l2 = section(text, "#### L2 ")
    assert "| lang | impl | via | ops | T = 2 (ns/op) | T = 8 (ns/op) |" in l2
    # The runs' spread beside the median, none where every run gave the same figure.
    assert (
        "| go | sync.Mutex | native | 1,000 | **20.0 [19.0–22.0] (1.00×)** | **40.0 (1.00×)** |"
        in l2
    )
    l2f = section(text, "#### L2f ")
    assert "| lang | impl | via | window (ms) | T = 2 (ns/op) |" in l2f
    assert "| go | spin | native | 10 | **10.0 [9.00–11.0] (1.00×)**, fairness 0.51 |" in l2f
    assert "| go | sync.Mutex | native | 10 | 20.0 [19.0–22.0] (2.00×), fairness 0.93 |" in l2f
    for w in ("L2", "L2f"):
        assert (out / f"{w}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (out / "L5.png").exists() and "#### L5 by-message" in text


def bench_l(*args, polyconc_dir="fake_polyconc"):
    return python_bench(
        *"--suite L --ops 1000 --threads 2,3 --work 7 --window-ms 5 --runs 2 --warmup 1".split(),
        *args,
        polyconc_dir=polyconc_dir,
    )


def test_python_program_runs_every_workload_with_exact_counts():
    run = bench_l()
    assert run.returncode == 0, run.stderr
    lines = [json.loads(ln) for ln in run.stdout.splitlines()]
    for ln in lines:
        assert validate(ln) == [], ln
    seen = {(ln["workload"], ln["impl"], ln["params"]["threads"]) for ln in lines}
    locks = ("threading.Lock", "threading.RLock", "core.Mutex", "core.SpinLock")
    expected = {("L1", i, 1) for i in locks}
    for t in (2, 3):
        expected |= {(w, i, t) for w in ("L2", "L3", "L2f", "L3f") for i in locks}
        expected |= {("L5", i, t) for i in ("queue.SimpleQueue", "core.Chan")}
    assert seen == expected
    l3 = next(ln for ln in lines if ln["workload"] == "L3" and ln["params"]["threads"] == 3)
    assert l3["params"] == {"threads": 3, "ops": 9, "work": 7}
    core = next(ln for ln in lines if ln["impl"] == "core.Chan")
    assert core["via"] == "pyo3" and core["params"]["capacity"] == 1024
    kinds = {ln["impl"]: (ln["kind"], ln["via"]) for ln in lines}
    assert kinds["core.Mutex"] == ("mutex", "pyo3") and kinds["core.SpinLock"] == ("spin", "pyo3")


def test_python_program_a_lost_increment_fails_l5():
    run = bench_l("--workloads", "L5", "--impls", "core.Chan", polyconc_dir="lossy_polyconc")
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.count("sum check failed") == 2  # T = 2 and T = 3


def test_crossing_leaves_out_rows_whose_l3_work_differs(tmp_path):
    results = tmp_path / "r.jsonl"
    native = line("L3", lang="rust", impl="core.Mutex")
    python = line("L3", lang="python", impl="core.Mutex", via="pyo3", median=900.0, max=900.0)
    python["params"] = {**python["params"], "work": 5}
    same = line("L3", lang="c", impl="core.Mutex", via="c-abi", median=30.0, max=30.0)
    results.write_text("".join(json.dumps(r) + "\n" for r in (native, python, same)))
    ld = section(report.write_report(results, tmp_path / "out").read_text(), "#### Ld:")
    assert "c-abi, C" in ld and "pyo3, Python" not in ld
