import shutil

import pytest
from conftest import COMPARISONS

from runner import report

FIXTURES = COMPARISONS / "tests" / "fixtures"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    text = report.write_report(FIXTURES / "results.jsonl", out).read_text()
    return out, text


def section(text, title):
    start = text.index(title)
    end = text.find("\n### ", start + 1)
    return text[start : end if end != -1 else None]


def row(text, prefix):
    matches = [ln for ln in text.splitlines() if ln.startswith(prefix)]
    assert len(matches) == 1, (prefix, matches)
    return [c.strip() for c in matches[0].strip("|").split("|")]


def test_workload_table_has_medians_ratios_and_bold_fastest(written):
    _, text = written
    c2 = section(text, "### C2 spsc")
    header = row(c2, "| lang | impl | via")
    assert header[4:] == [
        "capacity 0 (ns/msg)",
        "capacity 1 (ns/msg)",
        "capacity 1024 (ns/msg)",
        "unbounded (ns/msg)",
    ]
    assert row(c2, "| rust | core | native") == [
        "rust",
        "core",
        "native",
        "200,000",
        "100 (2.86×)",
        "**80.0 (1.00×)**",
        "**20.0 (1.00×)**",
        "**25.0 (1.00×)**",
    ]
    assert row(c2, "| go | chan | native")[4:] == [
        "**35.0 (1.00×)**",
        "300 (3.75×)",
        "40.0 (2.00×)",
        "—",
    ]
    assert row(c2, "| python | queue.Queue | native")[3:] == [
        "20,000",
        "—",
        "17,000 (212.50×)",
        "4,000 (200.00×)",
        "3,000 (120.00×)",
    ]
    # Rows: rust first, core before peers, python last.
    langs = [
        ln.split("|")[1].strip()
        for ln in c2.splitlines()
        if ln.startswith("| ") and "lang" not in ln
    ]
    assert langs == ["rust", "rust", "c", "go", "python", "python"]


def test_single_column_workloads_show_capacity_per_row(written):
    _, text = written
    c6 = section(text, "### C6 pingpong")
    assert row(c6, "| lang | impl")[3:] == [
        "round trips",
        "capacity",
        "median (ns/roundtrip)",
    ]
    assert row(c6, "| python | queue.Queue")[3:] == ["2,000", "1", "20,000 (50.00×)"]
    assert row(c6, "| go | chan")[3:] == ["20,000", "0", "**400 (1.00×)**"]
    assert "No data." in section(text, "### C3 mpsc")


def test_claim_rendezvous(written):
    _, text = written
    a = section(text, "### (a)")
    assert row(a, "| go | chan | native")[3:] == ["35.0", "40.0", "0.88×"]
    assert row(a, "| rust | crossbeam-channel")[3:] == ["200", "30.0", "6.67×"]
    assert "queue.Queue" not in a  # it has no capacity 0
    assert (
        "**Held in 4 of 5** on this machine: a rendezvous cost from 0.88× to 6.67× (median 5.00×)"
        in a
    )
    assert "Not more expensive for: go/chan/native (0.88×)." in a


def test_claim_crossing(written):
    _, text = written
    b = section(text, "### (b)")
    assert row(b, "| C2 | 0 |")[3:] == ["100", "150", "1.50×", "5,000", "50.00×"]
    assert row(b, "| C6 | pingpong |")[3:] == ["500", "—", "—", "10,000", "20.00×"]
    assert "| C2 | 1 |" not in b  # only native has capacity 1
    assert (
        "Into C (c-abi): **Held** (2 of 2) on this machine: 1.50× the native figure."
        in b
    )
    assert (
        "Into Python (pyo3): **Held** (3 of 3) on this machine: from 20.00× to 50.00× (median 50.00×)"
        in b
    )


def test_claim_against_peers(written):
    _, text = written
    c = section(text, "### (c)")
    assert row(c, "| C2 | 0 |")[2:] == [
        "rust/native",
        "100",
        "go/chan",
        "35.0",
        "2.86×",
    ]
    assert row(c, "| C6 | pingpong |")[2:] == [
        "rust/native",
        "500",
        "go/chan",
        "400",
        "1.25×",
    ]
    assert "Across languages: **Held in 4 of 6** on this machine" in c
    assert row(c, "| python | C6 | pingpong |")[3:] == [
        "core/pyo3",
        "10,000",
        "queue.Queue",
        "20,000",
        "0.50×",
    ]
    assert (
        "Within the same language: **Held** (6 of 6); polyconc / best peer from 0.25× to 0.89×"
        in c
    )


def test_meta_sections(written):
    _, text = written
    assert "- Mode: **quick**" in text
    assert "| python | 20,000 | 5 | 1 | 2,4 |" in text
    assert "- Host: 2 CPUs, linux 6.1.0-test (x86_64)" in text
    assert "| rust | cargo: cargo 1.90.0; rustc: rustc 1.90.0 |" in text
    assert "- java: skipped: mvn not found on PATH" in text
    assert "- go: **run failed**: exited with status 1" in text
    assert "sum check failed: got 1, expected 3" in text


def test_charts_are_written_and_linked(written):
    out, text = written
    for w in ("C1", "C2", "C6"):
        svg = (out / f"{w}.svg").read_text()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert f"]({w}.svg)" in text
    assert not (out / "C3.svg").exists()


def test_no_data_claims_and_stale_charts(tmp_path):
    results = tmp_path / "only-go.jsonl"
    lines = [
        ln
        for ln in (FIXTURES / "results.jsonl").read_text().splitlines()
        if '"lang": "go"' in ln
    ]
    results.write_text("\n".join(lines) + "\nnot json\n")
    (tmp_path / "C6.svg").write_text("stale")
    (tmp_path / "C1.svg").write_text("stale")
    text = report.write_report(results, tmp_path).read_text()
    assert "No meta file (only-go.meta.json)" in text
    assert "1 line(s) of the results file were invalid" in text
    assert "**No data**: no workload has `core` lines" in section(text, "### (b)")
    assert "**No data**: no workload has both a `core` line" in section(text, "### (c)")
    assert "**Held in 0 of 1**" not in text and "**Did not hold** (0 of 1)" in section(
        text, "### (a)"
    )
    assert not (
        tmp_path / "C1.svg"
    ).exists()  # C1 has no go line: its old chart is gone
    assert (tmp_path / "C6.svg").read_text() != "stale"


def test_main_uses_the_newest_results_file(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "COMPARISONS_DIR", tmp_path)
    (tmp_path / "results").mkdir()
    assert report.main(["--out", str(tmp_path / "r")]) == 2  # nothing to report yet
    shutil.copy(
        FIXTURES / "results.jsonl", tmp_path / "results" / "20250101T000000Z.jsonl"
    )
    shutil.copy(
        FIXTURES / "results.meta.json",
        tmp_path / "results" / "20250101T000000Z.meta.json",
    )
    assert report.main(["--out", str(tmp_path / "r")]) == 0
    assert (
        "from `20250101T000000Z.jsonl` (24 result lines, mode quick)"
        in (tmp_path / "r" / "REPORT.md").read_text()
    )
