"""Smoke runs of comparisons/python/bench.py (harness.py + suite_c.py); its own
sum checks decide the exit status."""

import json
import sys
import threading

from conftest import COMPARISONS, python_bench
from runner.schema import validate

sys.path.insert(0, str(COMPARISONS / "python"))
import suite_c  # the benchmark's modules live in python/

TESTS = COMPARISONS / "tests"
M = 400


def bench(*args, polyconc_dir=None):
    return python_bench(
        *("--suite C --messages".split()),
        str(M),
        *("--runs 2 --warmup 1".split()),
        *args,
        polyconc_dir=polyconc_dir,
    )


def configs(stdout):
    lines = [json.loads(ln) for ln in stdout.splitlines()]
    for ln in lines:
        assert validate(ln) == [], ln
        assert ln["lang"] == "python" and ln["runs"] == 2
    return lines, {
        (ln["workload"], ln["impl"], ln["via"], ln["params"]["capacity"]) for ln in lines
    }


def test_peers_without_polyconc():
    run = bench(polyconc_dir="no_polyconc")
    assert run.returncode == 0, run.stderr
    assert "polyconc is not importable" in run.stderr
    lines, seen = configs(run.stdout)
    q, sq = "queue.Queue", "queue.SimpleQueue"
    expected = {
        ("C1", q, "native", M),
        ("C1", sq, "native", "unbounded"),
        ("C6", q, "native", 1),
        ("C6", sq, "native", "unbounded"),
    }
    for w in ("C2", "C3", "C4"):
        expected |= {(w, q, "native", c) for c in (1, 1024, "unbounded")} | {
            (w, sq, "native", "unbounded")
        }
    assert {c for c in seen if c[1] != "janus"} == expected
    assert not any(c[1].startswith("core") for c in seen)
    c6 = next(ln for ln in lines if ln["workload"] == "C6")
    assert c6["params"]["round_trips"] == M // 10 and c6["unit"] == "ns/roundtrip"
    c4 = next(ln for ln in lines if ln["workload"] == "C4")
    assert (c4["params"]["producers"], c4["params"]["consumers"]) == (4, 4)


def test_core_through_the_polyconc_api():
    run = bench("--impls", "core", polyconc_dir="fake_polyconc")
    assert run.returncode == 0, run.stderr
    lines, seen = configs(run.stdout)
    expected = {
        ("C1", "core", "pyo3", M),
        ("C5", "core", "pyo3", 1024),
        ("C6", "core", "pyo3", 0),
    }
    for w in ("C2", "C3", "C4"):
        expected |= {(w, "core", "pyo3", c) for c in (0, 1, 1024, "unbounded")}
    assert seen == expected
    c5 = next(ln for ln in lines if ln["workload"] == "C5")
    assert c5["params"]["channels"] == 4 and c5["params"]["producers"] == 4


def test_hand_offs_run_the_hand_off_message_count():
    run = bench(
        "--impls",
        "core,core.ArrayBlockingQueue.fair",
        "--workloads",
        "C2,C6",
        "--handoff-messages",
        "100",
        polyconc_dir="fake_polyconc",
    )
    assert run.returncode == 0, run.stderr
    lines, _ = configs(run.stdout)

    def messages(impl):
        return {
            ln["params"]["capacity"]: ln["params"]["messages"]
            for ln in lines
            if ln["workload"] == "C2" and ln["impl"] == impl
        }

    assert messages("core") == {0: 100, 1: 100, 1024: M, "unbounded": M}
    # A fair queue hands every message to the longest waiter: M0 at any capacity.
    assert messages("core.ArrayBlockingQueue.fair") == {1: 100, 1024: 100}
    c6 = next(ln for ln in lines if ln["workload"] == "C6" and ln["impl"] == "core")
    assert c6["params"]["round_trips"] == 10


QUEUES = {
    "core.ArrayBlockingQueue": (1, 1024),
    "core.ArrayBlockingQueue.fair": (1, 1024),
    "core.LinkedBlockingQueue": (1, 1024, "unbounded"),
    "core.SynchronousQueue": (0,),
    "core.LinkedTransferQueue.transfer": (0,),
}


def test_polyconc_queues_at_the_capacities_each_has():
    run = bench("--impls", ",".join(QUEUES), polyconc_dir="fake_polyconc")
    assert run.returncode == 0, run.stderr
    lines, seen = configs(run.stdout)
    # As the Rust and C programs: the rendezvous queues have C6 and no C1,
    # the others C1 (capacity M) and no C6; none has select (C5).
    expected = set()
    for q, caps in QUEUES.items():
        expected |= {(w, q, "pyo3", c) for w in ("C2", "C3", "C4") for c in caps}
        expected.add(("C6", q, "pyo3", 0) if caps == (0,) else ("C1", q, "pyo3", M))
    assert seen == expected
    assert {ln["kind"] for ln in lines} == {"queue"}


def test_a_lost_message_fails_the_sum_check():
    run = bench("--impls", "core", "--workloads", "C2,C5", polyconc_dir="lossy_polyconc")
    assert run.returncode == 1
    assert run.stdout == ""  # no figure for a failed configuration
    assert run.stderr.count("sum check failed") == 5
    assert f"expected {M * (M + 1) // 2}" in run.stderr


def test_a_lost_message_fails_the_queues_sum_check():
    run = bench("--impls", ",".join(QUEUES), "--workloads", "C2", polyconc_dir="lossy_polyconc")
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.count("sum check failed") == sum(len(c) for c in QUEUES.values())


def test_every_flag_of_the_modes_table_is_accepted():
    run = bench(
        *("--ops 5 --threads 2,4 --tasks 3 --pool-sizes 1,2 --latency-ms 1 --parked 10".split()),
        *("--work 1 --window-ms 1".split()),
        *("--workloads C6 --impls queue.Queue".split()),
    )
    assert run.returncode == 0, run.stderr
    (line,) = configs(run.stdout)[0]
    assert line["params"]["round_trips"] == M // 10


def test_c2_to_c4_start_the_consumers_first(monkeypatch):
    """Every consumer starts before the first producer (WORKLOADS.md), and
    every message arrives; run_many is C2-C4's one code path."""
    started = []
    real_start = threading.Thread.start

    def start(thread):
        started.append(thread.name)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    for producers, consumers in suite_c.SHAPES.values():
        started.clear()
        m = 1003
        _, total = suite_c.run_many(suite_c.QueueImpl(), 1024, m, producers, consumers)
        assert total == m * (m + 1) // 2
        want = ["consume_until_sentinel"] * consumers + ["produce"] * producers
        assert started == want


def test_capacities_choose_among_c2_to_c4_only():
    run = bench(
        *("--capacities 1024,unbounded --impls queue.Queue".split()),
        polyconc_dir="no_polyconc",
    )
    assert run.returncode == 0, run.stderr
    lines = configs(run.stdout)[0]
    got = [(ln["workload"], ln["params"]["capacity"]) for ln in lines]
    c = [(w, cap) for w in ("C2", "C3", "C4") for cap in (1024, "unbounded")]
    assert got == [("C1", M), *c, ("C6", 1)]


def test_bad_capacities_are_rejected_with_the_known_ones():
    run = bench("--capacities", "1024,2")
    assert run.returncode == 2, run.stderr
    assert 'unknown capacity "2" (known: 0,1,1024,unbounded)' in run.stderr
    run = bench("--capacities", ",")
    assert run.returncode == 2 and "name at least one of 0,1,1024,unbounded" in run.stderr


def test_bad_arguments_are_rejected():
    run = bench("--workloads", "C9")
    assert run.returncode == 2 and "unknown workload(s) C9" in run.stderr
    run = bench("--suite", "Y")  # the later --suite wins
    assert run.returncode == 2 and "this program has no suite_y.py" in run.stderr
