"""The host probe: built and run by the runner around each program's run,
shown by the report, which warns on a suite during which the host changed
speed."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import COMPARISONS, FIXTURES, section
from runner import host_state, probe, report
from test_runner import GOOD_LINE, run_fake

needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="no cc on PATH")


@needs_cc
def test_the_real_probe_builds_and_measures_a_round_trip():
    built = probe.build(COMPARISONS)
    assert built.program is not None, built.reason
    ns = probe.measure(built)
    assert ns is not None and 1 < ns < 1e6


@needs_cc
def test_the_real_probe_on_one_cpu_says_so_and_measures_nothing():
    built = probe.build(COMPARISONS)
    mine = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(mine)})  # inherited by the probe
    try:
        done = subprocess.run([str(built.program)], capture_output=True, text=True, check=True)
        assert json.loads(done.stdout) == {"probe": "pingpong", "skipped": "one CPU to run on"}
        assert probe.measure(built) is None
    finally:
        os.sched_setaffinity(0, mine)


def fake_probe(root, recipe, script=""):
    """A probe folder in the fake root whose `make build` runs `recipe`,
    beside `script` as pingpong.sh."""
    (root / "probe").mkdir()
    (root / "probe" / "Makefile").write_text(f"build:\n\t{recipe}\n")
    (root / "probe" / "pingpong.sh").write_text(f"#!/bin/sh\n{script}\n")


PROGRAM = f"echo '{json.dumps(GOOD_LINE)}'"


def test_each_program_run_is_bracketed_by_two_probes(tmp_path):
    recipe = "mkdir -p build && cp pingpong.sh build/pingpong && chmod +x build/pingpong"
    script = """echo '{"ns_per_round_trip": 123.5}'"""
    code, _, meta, _ = run_fake(
        tmp_path, PROGRAM, before_run=lambda root: fake_probe(root, recipe, script)
    )
    assert code == 0
    assert meta["host"]["probe"]["status"] == "ok"
    assert meta["languages"]["python"]["suites"]["C"]["probe_ns"] == [123.5, 123.5]


def test_without_a_probe_the_run_goes_on_and_says_why(tmp_path):
    code, lines, meta, _ = run_fake(tmp_path, PROGRAM)
    assert code == 0 and lines == [GOOD_LINE]
    assert meta["host"]["probe"]["status"] == "unavailable"
    assert "no Makefile in" in meta["host"]["probe"]["reason"]
    assert "probe_ns" not in meta["languages"]["python"]["suites"]["C"]


def test_a_probe_that_does_not_build_is_unavailable_with_the_error(tmp_path):
    code, _, meta, _ = run_fake(
        tmp_path, PROGRAM, before_run=lambda root: fake_probe(root, "echo oops >&2; exit 3")
    )
    assert code == 0
    said = meta["host"]["probe"]
    assert said["status"] == "unavailable"
    # make's last line, as "make: ..." or, under another make, "make[2]: ...".
    assert said["reason"].startswith("make -C probe build exited with 2: make")
    assert said["reason"].endswith("[Makefile:2: build] Error 3")


def test_a_probe_that_prints_no_figure_measures_nothing(tmp_path):
    script = tmp_path / "pingpong"
    script.write_text("#!/bin/sh\necho 'not json'\n")
    script.chmod(0o755)
    assert probe.measure(probe.Probe(script)) is None
    script.write_text("#!/bin/sh\necho '{\"ns_per_round_trip\": 90}'; exit 1\n")
    assert probe.measure(probe.Probe(script)) is None
    assert probe.measure(probe.Probe(None, "none built")) is None


def meta_with_probes(probes: dict[str, list]) -> dict:
    """The report fixture's meta file with suite C's probes per language."""
    meta = json.loads((FIXTURES / "results.meta.json").read_text())
    meta["host"]["probe"] = {"status": "ok", "program": "probe/build/pingpong"}
    for lang, ns in probes.items():
        entry = meta["languages"].setdefault(lang, {"status": "ok", "suites": {}})
        entry.setdefault("suites", {}).setdefault("C", {"status": "ok"})["probe_ns"] = ns
    return meta


def written_with(tmp_path, meta: dict) -> str:
    results = tmp_path / "results.jsonl"
    shutil.copy(FIXTURES / "results.jsonl", results)
    (tmp_path / "results.meta.json").write_text(json.dumps(meta))
    return report.write_report(results, tmp_path / "report").read_text()


def test_the_report_warns_on_a_suite_during_which_the_host_changed_speed(tmp_path):
    text = written_with(tmp_path, meta_with_probes({"go": [110, 120], "rust": [540, None]}))
    suite = section(text, "## Suite C")
    assert "**The host changed speed during this suite's runs**" in suite
    assert "110 ns (go, before) to 540 ns (rust, before) per round trip, 4.91×" in suite
    assert "| go | C | 110 | 120 |" in text and "| rust | C | 540 | — |" in text


def test_no_warning_while_the_probes_agree(tmp_path):
    text = written_with(tmp_path, meta_with_probes({"go": [110, 150], "rust": [130, 210]}))
    assert "changed speed" not in text
    assert "| rust | C | 130 | 210 |" in text


def test_a_missing_probe_is_said_and_warns_of_nothing(tmp_path):
    meta = meta_with_probes({})
    meta["host"]["probe"] = {"status": "unavailable", "reason": "no Makefile in probe"}
    text = written_with(tmp_path, meta)
    assert "Host probe: unavailable (no Makefile in probe)." in text
    assert "changed speed" not in text
    assert host_state.suite_warning(None, "C") == []
