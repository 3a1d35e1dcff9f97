"""A suite the runner and the report have never heard of works once it is in
the registry: nothing in either names a suite."""

import json

import pytest

from conftest import COMPARISONS
from runner import report, suites
from runner.claims import Claim, Row
from runner.suites.base import Column, Suite
from test_runner import GOOD_LINE, run_fake

SECTION = """
## Z: a suite for the tests

| id | shape |
|---|---|
| Z1 one | one thread counts to K |

Parameters: K, T.

| kind | what |
|---|---|
| counter | counts |

### Claims of suite Z

| id | title | claim | ratio (per row) | rule |
|---|---|---|---|---|
| Za | Counting is cheap | it costs under 10 ns per count | median / 10 ns | ratio < 1.00 |

"""


def counting_is_cheap(suite: Suite, data) -> list[Claim]:
    rows = [
        Row(k[1], [k[1], f"{cells['T=2']['median']}"], cells["T=2"]["median"] / 10)
        for k, cells in data.get("Z1", {}).items()
    ]
    return [Claim(suite.claim_spec("Za"), ["impl", "median / 10 ns"], rows, "no Z1 line.")]


SUITE_Z = Suite(
    id="Z",
    units={"Z1": "ns/op"},
    check=lambda line: [] if line["params"].get("threads") else ["params.threads is missing"],
    config=lambda line: f"T={line['params']['threads']}",
    config_order=lambda col: (col,),
    config_label=lambda col: col,
    columns=lambda workload: [Column("ops", lambda ln: str(ln["params"]["ops"]))],
    bar_note=lambda line: "",
    claims=counting_is_cheap,
)
LINE = dict(
    GOOD_LINE,
    suite="Z",
    workload="Z1",
    impl="counter",
    kind="counter",
    unit="ns/op",
    params={"ops": 2000, "threads": 2},
)


@pytest.fixture
def with_suite_z(monkeypatch):
    monkeypatch.setattr(suites, "REGISTERED", (*suites.REGISTERED, SUITE_Z))
    text = (COMPARISONS / "WORKLOADS.md").read_text()
    return text.replace("## Result schema", SECTION + "## Result schema", 1)


def test_the_report_shows_a_new_suite(with_suite_z, tmp_path):
    results = tmp_path / "z.jsonl"
    results.write_text(json.dumps(LINE) + "\n")
    text = report.write_report(results, tmp_path, suites.registry(with_suite_z)).read_text()
    assert "## Suite Z: a suite for the tests" in text
    assert "**Held** (1 of 1) on this machine" in text  # 2.0 ns / 10 ns < 1
    assert "| python | counter | native | 2000 | **2.00 [1.00–3.00] (1.00×)** |" in text
    assert (tmp_path / "Z1.png").read_bytes().startswith(b"\x89PNG")


def test_the_runner_passes_a_new_suite_its_parameters(with_suite_z, tmp_path):
    program = f"""
        echo "$@" >> "$(dirname "$0")/args"
        case "$*" in
            *"--suite Z"*) echo '{json.dumps(LINE)}';;
            *) echo '{json.dumps(GOOD_LINE)}';;
        esac
    """
    code, lines, meta, root = run_fake(tmp_path, program, workloads_md=with_suite_z, suites="C,Z")
    assert code == 0, meta["errors"]
    calls = (root / "python" / "build" / "args").read_text().splitlines()
    assert calls == [
        "--suite C --runs 1 --warmup 0 --messages 2000 --handoff-messages 2000",
        "--suite Z --runs 1 --warmup 0 --ops 2000 --threads 2",
    ]
    assert lines == [GOOD_LINE, LINE]
    assert set(meta["suites"]) == {"C", "Z"} and meta["suites"]["Z"]["params"] == ["K", "T"]
