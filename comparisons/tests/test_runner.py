import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import COMPARISONS
from runner import LANGS
from runner import __main__ as runner
from runner.toolchains import REQUIRED, VERSION_ARGS, detect, newest_jdk


def results_of(out: Path):
    (jsonl,) = out.glob("*.jsonl")
    meta = json.loads(jsonl.with_name(jsonl.stem + ".meta.json").read_text())
    return [json.loads(ln) for ln in jsonl.read_text().splitlines()], meta


@pytest.fixture
def bin_with_make_only(tmp_path, monkeypatch):
    """A PATH on which make exists and no language toolchain does."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "make").symlink_to(shutil.which("make"))
    monkeypatch.setenv("PATH", str(bindir))
    return bindir


def test_every_language_says_what_it_needs():
    # runner.LANGS is the one list of languages; the toolchain table follows it.
    assert list(REQUIRED) == list(LANGS)
    assert all(cmd in VERSION_ARGS for cmds in REQUIRED.values() for cmd in cmds)


def test_java_and_scala_get_the_newest_jdk_of_at_least_21(tmp_path):
    def jdk(name, version):
        home = tmp_path / name
        (home / "bin").mkdir(parents=True)
        for exe in ("java", "javac"):
            (home / "bin" / exe).write_text("#!/bin/sh\n")
            (home / "bin" / exe).chmod(0o755)
        (home / "release").write_text(f'IMPLEMENTOR="x"\nJAVA_VERSION="{version}"\n')
        return home

    jdk("jdk-17", "17.0.15")
    jdk("jdk-21", "21.0.2")
    newest = jdk("jdk-25", "25.0.3")
    assert newest_jdk({}, tmp_path) == (newest.resolve(), (25, 0, 3))
    assert newest_jdk({"JAVA_HOME": str(tmp_path / "jdk-17")}, tmp_path)[1] == (25, 0, 3)
    (newest / "release").unlink()
    assert newest_jdk({}, tmp_path)[1] == (21, 0, 2)
    assert newest_jdk({}, tmp_path / "none") is None


def test_detect_reports_what_is_missing(bin_with_make_only, tmp_path):
    tc = detect("java", COMPARISONS)
    assert not tc.available and tc.reason == "mvn not found on PATH"
    tc = detect("python", tmp_path / "comparisons")  # no .venv beside it
    assert not tc.available and "no project venv at" in tc.reason


def test_missing_toolchain_is_skipped_not_fatal(bin_with_make_only, tmp_path):
    root = tmp_path / "comparisons"
    for lang in ("go", "rust"):
        (root / lang).mkdir(parents=True)
        (root / lang / "Makefile").write_text("build:\n\tfalse\n")  # never reached
    shutil.copy(COMPARISONS / "WORKLOADS.md", root)
    out = tmp_path / "out"
    code = runner.main(
        [
            "--mode",
            "smoke",
            "--langs",
            "go,rust",
            "--root",
            str(root),
            "--out",
            str(out),
        ]
    )
    assert code == 0  # a missing toolchain is a skip, even in smoke mode
    lines, meta = results_of(out)
    assert lines == []
    assert meta["skipped"] == [
        {"lang": "go", "reason": "go not found on PATH"},
        {"lang": "rust", "reason": "cargo, rustc not found on PATH"},
    ]
    assert meta["run"] == [] and meta["errors"] == [] and meta["finished"]


GOOD_LINE = {
    "suite": "C",
    "workload": "C2",
    "lang": "python",
    "impl": "fake",
    "via": "native",
    "kind": "queue",
    "params": {"capacity": 1, "producers": 1, "consumers": 1, "messages": 2000},
    "unit": "ns/msg",
    "median": 2.0,
    "min": 1.0,
    "max": 3.0,
    "runs": 1,
    "host": {"cpus": 2, "os": "linux", "toolchain": "fake"},
}


def fake_root(
    tmp_path: Path, program: str, build_ok: bool = True, workloads_md: str | None = None
) -> Path:
    """A comparisons folder whose python program is `program` (a shell script body),
    with a .venv beside it so the python toolchain is found."""
    root = tmp_path / "comparisons"
    (root / "python").mkdir(parents=True)
    text = workloads_md or (COMPARISONS / "WORKLOADS.md").read_text()
    (root / "WORKLOADS.md").write_text(text)
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(sys.executable)
    (root / "python" / "bench.sh").write_text("#!/bin/sh\n" + textwrap.dedent(program))
    recipe = (
        "mkdir -p build && cp bench.sh build/bench && chmod +x build/bench"
        if build_ok
        else ("echo 'bench.c:1: error: oops' >&2; exit 2")
    )
    (root / "python" / "Makefile").write_text(f"build:\n\t{recipe}\n")
    for suite in ("c", "z"):  # the runner runs the suites a program has a file for
        (root / "python" / f"suite_{suite}.py").touch()
    return root


def run_fake(
    tmp_path,
    program,
    mode="smoke",
    build_ok=True,
    workloads_md=None,
    suites="C",
    extra=(),
    before_run=None,
):
    """Runs `suites` (the fake programs print suite C lines), with `extra` runner flags;
    `before_run(root)` may add to the fake root first."""
    root = fake_root(tmp_path, program, build_ok, workloads_md)
    if before_run:
        before_run(root)
    out = tmp_path / "out"
    code = runner.main(
        [
            "--mode",
            mode,
            *(("--suites", suites) if suites else ()),
            "--langs",
            "python,go",
            "--root",
            str(root),
            "--out",
            str(out),
            "--timeout",
            "60",
            *extra,
        ]
    )
    return (code, *results_of(out), root)


def test_program_gets_the_python_column_and_valid_lines_are_kept(tmp_path):
    program = f"""
        echo "$@" > "$(dirname "$0")/args"
        echo progress >&2
        echo '{json.dumps(GOOD_LINE)}'
    """
    code, lines, meta, root = run_fake(tmp_path, program, mode="quick")
    assert code == 0
    assert (root / "python" / "build" / "args").read_text().split() == [
        "--suite",
        "C",
        "--runs",
        "5",
        "--warmup",
        "1",
        "--messages",
        "20000",
        "--handoff-messages",
        "5000",
    ]
    assert lines == [GOOD_LINE]
    assert meta["mode"] == "quick" and meta["parameters"]["python"]["M"] == "20000"
    python = meta["languages"]["python"]
    assert python["status"] == "ok" and python["lines"] == 1
    assert python["suites"]["C"]["status"] == "ok" and python["suites"]["C"]["lines"] == 1
    assert meta["suites"]["C"]["params"] == ["M", "M0"]
    assert meta["suites"]["C"]["duration_s"] == python["suites"]["C"]["duration_s"]
    # go has no Makefile in the fake root: skipped with the reason.
    assert meta["skipped"][0]["lang"] == "go" and "no Makefile" in meta["skipped"][0]["reason"]
    assert "python" in meta["host"]["toolchains"]


def test_workloads_and_capacities_are_passed_to_every_program_and_recorded(tmp_path):
    program = f"""
        echo "$@" > "$(dirname "$0")/args"
        echo '{json.dumps(GOOD_LINE)}'
    """
    extra = ("--workloads", "C2,C4", "--capacities", "1024, unbounded")
    code, lines, meta, root = run_fake(tmp_path, program, extra=extra)
    assert code == 0 and lines == [GOOD_LINE]
    args = (root / "python" / "build" / "args").read_text().split()
    assert args[-4:] == ["--workloads", "C2,C4", "--capacities", "1024,unbounded"]
    assert (meta["workloads"], meta["capacities"]) == ("C2,C4", "1024,unbounded")
    # Without the flags nothing is passed, and the meta file says "all".
    code, _, meta, root = run_fake(tmp_path / "all", program)
    assert code == 0 and meta["capacities"] == "all"
    assert "--capacities" not in (root / "python" / "build" / "args").read_text()


def test_each_suite_gets_its_own_workloads_and_a_suite_with_none_does_not_run(tmp_path):
    program = f"""
        echo "$@" > "$(dirname "$0")/args"
        echo '{json.dumps(GOOD_LINE)}'
    """
    # Every suite is chosen (no --suites); only C has C2, so only C runs.
    code, _, meta, root = run_fake(tmp_path, program, suites=None, extra=("--workloads", "C2"))
    assert code == 0 and list(meta["suites"]) == ["C"]
    args = (root / "python" / "build" / "args").read_text().split()
    assert args[:2] == ["--suite", "C"] and args[-2:] == ["--workloads", "C2"]


def test_an_unknown_workload_is_a_usage_error(tmp_path, capsys):
    assert runner.main(["--suites", "C", "--workloads", "C2,L1", "--out", str(tmp_path)]) == 2
    assert "unknown workload(s) L1; known: C1, C2" in capsys.readouterr().err


def test_an_unknown_capacity_is_a_usage_error_naming_the_known_ones(tmp_path, capsys):
    assert runner.main(["--capacities", "1024,7", "--out", str(tmp_path)]) == 2
    assert "unknown capacity(s) 7; known: 0, 1, 1024, unbounded" in capsys.readouterr().err


def test_smoke_fails_on_an_invalid_line_but_keeps_the_good_ones(tmp_path):
    bad = dict(GOOD_LINE, runs=0)
    program = f"""
        echo '{json.dumps(GOOD_LINE)}'
        echo '{json.dumps(bad)}'
    """
    code, lines, meta, _ = run_fake(tmp_path, program)
    assert code == 1
    assert lines == [GOOD_LINE]
    (error,) = meta["errors"]
    assert error["lang"] == "python" and error["suite"] == "C"
    assert error["message"] == "1 invalid line(s)"
    assert "runs must be an integer >= 1" in error["invalid"][0]["problems"][0]


def test_a_failing_program_is_recorded_with_its_stderr(tmp_path):
    program = """
        echo 'python: error: C2 capacity=1: sum check failed' >&2
        exit 1
    """
    code, lines, meta, _ = run_fake(tmp_path, program)
    assert code == 1 and lines == []
    (error,) = meta["errors"]
    assert error["message"] == "exited with status 1; no valid result line"
    assert "sum check failed" in error["stderr_tail"]
    assert meta["languages"]["python"]["status"] == "failed"


def test_a_hanging_program_is_killed_after_the_timeout(tmp_path):
    root = fake_root(tmp_path, "sleep 30\n")
    out = tmp_path / "out"
    code = runner.main(
        [
            "--mode",
            "smoke",
            "--langs",
            "python",
            "--root",
            str(root),
            "--out",
            str(out),
            "--timeout",
            "1",
        ]
    )
    _, meta = results_of(out)
    assert code == 1
    assert meta["errors"][0]["message"].startswith("killed after the 1 s timeout")


def test_a_failed_build_skips_the_language_and_fails_only_smoke(tmp_path):
    code, _, meta, _ = run_fake(tmp_path, "exit 0\n", mode="quick", build_ok=False)
    assert code == 0  # quick and full go on to the report
    (error,) = meta["errors"]
    assert error["stage"] == "build" and "oops" in error["stderr_tail"]
    assert meta["languages"]["python"]["status"] == "build_failed"
    code, *_ = run_fake(tmp_path / "again", "exit 0\n", mode="smoke", build_ok=False)
    assert code == 1


def test_a_line_of_another_suite_is_invalid(tmp_path):
    program = f"""
        echo '{json.dumps(dict(GOOD_LINE, suite="L"))}'
    """
    code, lines, meta, _ = run_fake(tmp_path, program)
    assert code == 1 and lines == []
    assert "suite 'L' is not one of C" in meta["errors"][0]["invalid"][0]["problems"][0]


def test_a_suite_parameter_missing_from_the_modes_table_is_a_usage_error(tmp_path, capsys):
    root = tmp_path / "comparisons"
    root.mkdir()
    text = (COMPARISONS / "WORKLOADS.md").read_text()
    text = text.replace("Parameters: M, M0.", "Parameters: M, M0, Z.", 1)
    (root / "WORKLOADS.md").write_text(text)
    assert runner.main(["--root", str(root), "--out", str(tmp_path / "out")]) == 2
    assert "suite C needs Z, not in the Modes table" in capsys.readouterr().err


def test_unknown_language_or_suite_is_a_usage_error(tmp_path, capsys):
    assert runner.main(["--langs", "cobol", "--out", str(tmp_path)]) == 2
    assert runner.main(["--suites", "C,Z", "--out", str(tmp_path)]) == 2
    assert "unknown suite(s) Z; known: C" in capsys.readouterr().err


@pytest.mark.skipif(
    not os.access(COMPARISONS.parent / ".venv" / "bin" / "python", os.X_OK),
    reason="no project venv",
)
def test_smoke_run_of_the_real_python_program(tmp_path):
    out = tmp_path / "out"
    assert runner.main(["--mode", "smoke", "--langs", "python", "--out", str(out)]) == 0
    lines, meta = results_of(out)
    assert meta["errors"] == [] and meta["run"] == ["python"]
    if shutil.which("cc"):  # the host probe ran around each suite's run
        probes = [e["probe_ns"] for e in meta["languages"]["python"]["suites"].values()]
        assert probes and all(ns is not None and ns > 0 for p in probes for ns in p)
    assert {ln["workload"] for ln in lines} >= {"C1", "C2", "C3", "C4", "C6"}
    assert {ln["workload"] for ln in lines if ln["suite"] == "L"} == {
        "L1",
        "L2",
        "L3",
        "L5",
        "L2f",
        "L3f",
    }
    assert all(
        ln["lang"] == "python" and ln["params"].get("messages", 2000) == 2000 for ln in lines
    )


def test_a_suite_without_its_file_is_skipped_for_that_language(tmp_path):
    program = f"echo '{json.dumps(GOOD_LINE)}'"
    root = fake_root(tmp_path, program)
    (root / "python" / "suite_c.py").unlink()
    out = tmp_path / "out"
    args = ["--mode", "smoke", "--suites", "C", "--langs", "python", "--root", str(root)]
    assert runner.main([*args, "--out", str(out)]) == 0
    meta = json.loads(next(out.glob("*.meta.json")).read_text())
    assert meta["errors"] == [] and meta["languages"]["python"]["suites"] == {}
    assert meta["skipped"] == [
        {
            "lang": "python",
            "suite": "C",
            "reason": "suite C: no suite file (suite_c.* or SuiteC.*)",
        }
    ]
