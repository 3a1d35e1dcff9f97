import shutil

import pytest

from conftest import COMPARISONS, FIXTURES, section
from conftest import verdicts as claim_verdicts
from runner import report, suites


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    text = report.write_report(FIXTURES / "results.jsonl", out).read_text()
    return out, text


def row(text, prefix):
    matches = [ln for ln in text.splitlines() if ln.startswith(prefix)]
    assert len(matches) == 1, (prefix, matches)
    return [c.strip() for c in matches[0].strip("|").split("|")]


def test_workload_table_has_medians_run_spreads_ratios_and_bold_fastest(written):
    _, text = written
    c2 = section(text, "#### C2 spsc")
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
        "100 [90.0–120] (2.86×)",
        "**80.0 [72.0–96.0] (1.00×)**",
        "**20.0 [18.0–24.0] (1.00×)**",
        "**25.0 [22.5–30.0] (1.00×)**",
    ]
    assert row(c2, "| go | chan | native")[4:] == [
        "**35.0 [31.5–42.0] (1.00×)**",
        "300 [270–360] (3.75×)",
        "40.0 [36.0–48.0] (2.00×)",
        "—",
    ]
    assert row(c2, "| python | queue.Queue | native")[3:] == [
        "20,000",
        "—",
        "17,000 [15,300–20,400] (212.50×)",
        "4,000 [3,600–4,800] (200.00×)",
        "3,000 [2,700–3,600] (120.00×)",
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
    c6 = section(text, "#### C6 pingpong")
    assert row(c6, "| lang | impl")[3:] == [
        "round trips",
        "capacity",
        "median (ns/roundtrip)",
    ]
    assert row(c6, "| python | queue.Queue")[3:] == [
        "2,000",
        "1",
        "20,000 [18,000–24,000] (50.00×)",
    ]
    assert row(c6, "| go | chan")[3:] == ["20,000", "0", "**400 [360–480] (1.00×)**"]
    assert "No data." in section(text, "#### C3 mpsc")


def test_claim_rendezvous(written):
    _, text = written
    a = section(text, "#### Ca:")
    assert "Rule: held in a row if ratio > 1.00." in a
    assert row(a, "| go | chan | native")[3:] == ["35.0", "40.0", "0.88×"]
    assert row(a, "| rust | crossbeam-channel")[3:] == ["200", "30.0", "6.67×"]
    assert "queue.Queue" not in a  # it has no capacity 0
    assert (
        "**Held in 4 of 5** on this machine: rendezvous / buffer from 0.88× to 6.67× (median 5.00×)"
        in a
    )
    assert "Did not hold for: go/chan/native (0.88×)." in a


def test_claims_crossing(written):
    _, text = written
    b, c = section(text, "#### Cb:"), section(text, "#### Cc:")
    assert row(b, "| C2 | 0 |")[3:] == ["100", "150", "1.50×"]
    assert row(c, "| C2 | 0 |")[3:] == ["100", "5,000", "50.00×"]
    assert row(c, "| C6 | pingpong |")[3:] == ["500", "10,000", "20.00×"]
    assert "| C6 |" not in b  # C has no C6 line
    assert "| C2 | 1 |" not in b + c  # only native has capacity 1
    assert "**Held** (2 of 2) on this machine: c-abi / native 1.50×." in b
    assert (
        "**Held** (3 of 3) on this machine: pyo3 / native from 20.00× to 50.00× (median 50.00×)"
        in c
    )
    assert "Python runs use a smaller M" in c and "Python runs" not in b


def test_claims_against_peers(written):
    _, text = written
    d, e = section(text, "#### Cd:"), section(text, "#### Ce:")
    assert row(d, "| C2 | 0 |")[2:] == [
        "rust/native",
        "100",
        "go/chan",
        "35.0",
        "2.86×",
    ]
    assert row(d, "| C6 | pingpong |")[2:] == [
        "rust/native",
        "500",
        "go/chan",
        "400",
        "1.25×",
    ]
    assert "**Held in 4 of 6** on this machine" in d
    assert "Did not hold for: C2 0 (2.86×), C6 pingpong (1.25×)." in d
    assert row(e, "| python | C6 | pingpong |")[3:] == [
        "core/pyo3",
        "10,000",
        "queue.Queue",
        "20,000",
        "0.50×",
    ]
    assert "**Held** (6 of 6) on this machine: polyconc / best peer from 0.25× to 0.89×" in e


CLAIMS = ("Ca", "Cb", "Cc", "Cd", "Ce")


def verdicts(text):
    return claim_verdicts(text, CLAIMS)


@pytest.mark.parametrize(
    "held, not_held, rows",
    [
        (
            "claims_held.jsonl",
            "claims_not_held.jsonl",
            {"Ca": 4, "Cb": 2, "Cc": 2, "Cd": 2, "Ce": 2},
        ),
        ("claims_l_held.jsonl", "claims_l_not_held.jsonl", {"La": 1, "Lb": 2, "Lc": 2, "Ld": 1}),
        ("claims_fx_held.jsonl", "claims_fx_not_held.jsonl", {"Fa": 3, "Xa": 1, "Xb": 1, "Xc": 1}),
    ],
    ids=["C", "L", "FX"],
)
def test_verdicts_flip_with_the_figures(tmp_path, held, not_held, rows):
    """The report of `held` holds each claim of `rows` (claim -> its number of
    rows) on all its rows, the report of `not_held` on none."""
    for name, verdict in (
        (held, "**Held** ({n} of {n})"),
        (not_held, "**Did not hold** (0 of {n})"),
    ):
        text = report.write_report(FIXTURES / name, tmp_path / name).read_text()
        assert claim_verdicts(text, rows) == {c: verdict.format(n=n) for c, n in rows.items()}


def test_verdicts_follow_the_rule_written_in_workloads_md(tmp_path):
    text = (COMPARISONS / "WORKLOADS.md").read_text()
    assert "| ratio > 1.00 |" in text
    stricter = suites.registry(text.replace("| ratio > 1.00 |", "| ratio > 20.00 |"))
    assert str(stricter["C"].spec.claims["Ca"].rule) == "ratio > 20.00"
    out = report.write_report(FIXTURES / "claims_held.jsonl", tmp_path, stricter).read_text()
    # Ca's ratios are all 10.00×, the crossings' 2.00× and 4.00×: none above 20.
    assert verdicts(out)["Ca"] == "**Did not hold** (0 of 4)"
    assert verdicts(out)["Cb"] == "**Did not hold** (0 of 2)"
    assert verdicts(out)["Cd"] == "**Held** (2 of 2)"  # its rule is "ratio <= 1.00"


def test_meta_sections(written):
    _, text = written
    # An older meta file without "capacities" ran them all.
    assert "- Mode: **quick**; workloads: all; capacities of C2-C4: all." in text
    assert "| flavour | runs | warmup | M |" in text  # only the parameters suite C uses
    assert "| python | 5 | 1 | 20,000 |" in text
    assert (
        "- Time per suite (its programs' runs in every language; builds not included): C 18m20s."
        in text
    )
    assert "- Host: 2 CPUs, linux 6.1.0-test (x86_64)" in text
    assert "| rust | cargo: cargo 1.90.0; rustc: rustc 1.90.0 |" in text
    assert "- java: skipped: mvn not found on PATH" in text
    assert "- go (suite C): **run failed**: exited with status 1" in text
    assert "sum check failed: got 1, expected 3" in text


def test_charts_are_written_and_linked(written):
    out, text = written
    for w in ("C1", "C2", "C6"):
        assert (out / f"{w}.png").read_bytes().startswith(b"\x89PNG")
        assert f"]({w}.png)" in text
    assert not (out / "C3.png").exists()


def test_no_data_claims_and_stale_charts(tmp_path):
    results = tmp_path / "only-go.jsonl"
    lines = [
        ln for ln in (FIXTURES / "results.jsonl").read_text().splitlines() if '"lang": "go"' in ln
    ]
    results.write_text("\n".join(lines) + "\nnot json\n")
    (tmp_path / "C6.png").write_text("stale")
    (tmp_path / "C1.png").write_text("stale")
    (tmp_path / "C2.svg").write_text("an SVG chart of an older report")
    text = report.write_report(results, tmp_path).read_text()
    assert "No meta file (only-go.meta.json)" in text
    assert "1 line(s) of the results file were invalid" in text
    assert (
        "**No data**: no workload has `core` lines both via native (Rust) and via c-abi (C)."
        in section(text, "#### Cb:")
    )
    assert "**No data**: no workload has both a `core` line" in section(text, "#### Cd:")
    assert "**Held in 0 of 1**" not in text and "**Did not hold** (0 of 1)" in section(
        text, "#### Ca:"
    )
    assert not (tmp_path / "C1.png").exists()  # C1 has no go line: its old chart is gone
    assert (tmp_path / "C6.png").read_bytes().startswith(b"\x89PNG")
    assert not (tmp_path / "C2.svg").exists()


def test_main_uses_the_newest_results_file(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "COMPARISONS_DIR", tmp_path)
    (tmp_path / "results").mkdir()
    assert report.main(["--out", str(tmp_path / "r")]) == 2  # nothing to report yet
    shutil.copy(FIXTURES / "results.jsonl", tmp_path / "results" / "20250101T000000Z.jsonl")
    shutil.copy(
        FIXTURES / "results.meta.json",
        tmp_path / "results" / "20250101T000000Z.meta.json",
    )
    assert report.main(["--out", str(tmp_path / "r")]) == 0
    assert (
        "from `20250101T000000Z.jsonl` (24 result lines, mode quick; suites C)"
        in (tmp_path / "r" / "REPORT.md").read_text()
    )
