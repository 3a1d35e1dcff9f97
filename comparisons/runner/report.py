"""Write comparisons/report/REPORT.md and one PNG chart per workload from a results file.

    python -m runner.report [results.jsonl] [--out DIR]

Without a file, the newest comparisons/results/*.jsonl is used. Its sidecar
<stem>.meta.json supplies host, toolchains, mode, times and failures. Suites,
workloads and claims come from the registry (runner/suites/), so this file
knows no suite by name.
"""

import argparse
import json
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; charts are files
import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from . import COMPARISONS_DIR, host_state, suites
from .claims import render
from .fmt import fmt_ns, fmt_ratio, fmt_runs, fmt_secs
from .modes import Params, parse_modes
from .schema import validate
from .suites import Data, RowKey, Suite
from .suites.base import is_polyconc, row_order

# Its Modes table says what a quick or smoke run cut (the runs' results may
# live elsewhere: COMPARISONS_DIR is only where results/ and report/ are).
WORKLOADS = COMPARISONS_DIR / "WORKLOADS.md"
POLYCONC_COLOR = "#d95f02"  # polyconc's rows
PEER_COLOR = "#7f9cb8"  # everyone else's


def load(path: Path, registry: dict[str, Suite]) -> tuple[list[dict], list[str]]:
    """Valid lines of registered suites, and a note per line that was skipped."""
    lines, notes = [], []
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            notes.append(f"line {n}: not JSON ({e})")
            continue
        problems = validate(obj, registry)
        if problems:
            notes.append(f"line {n}: {'; '.join(problems)}")
        else:
            lines.append(obj)
    return lines, notes


def table_data(suite: Suite, lines: list[dict]) -> Data:
    """{workload: {(lang, impl, via): {configuration: line}}} of one suite; a
    later duplicate replaces an earlier one."""
    data: Data = defaultdict(lambda: defaultdict(dict))
    for line in lines:
        if line["suite"] == suite.id:
            key = (line["lang"], line["impl"], line["via"])
            data[line["workload"]][key][suite.config(line)] = line
    return data


def configs_of(suite: Suite, rows: dict[RowKey, dict[str, dict]]) -> list[str]:
    return sorted({c for cells in rows.values() for c in cells}, key=suite.config_order)


def unit_of(rows: dict[RowKey, dict[str, dict]]) -> str:
    return next(iter(next(iter(rows.values())).values()))["unit"]


def workload_table(suite: Suite, workload: str, rows: dict[RowKey, dict[str, dict]]) -> list[str]:
    cols = configs_of(suite, rows)
    unit = unit_of(rows)
    fastest = {c: min(cells[c]["median"] for cells in rows.values() if c in cells) for c in cols}
    extra = suite.columns(workload)
    head = ["lang", "impl", "via", *(c.header for c in extra)]
    head += [f"{suite.config_label(c) or 'median'} ({unit})" for c in cols]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * 3 + "---:|" * (len(head) - 3)]
    for key in sorted(rows, key=row_order):
        cells = rows[key]
        first = next(iter(cells.values()))
        row = [*key, *(c.cell(first) for c in extra)]
        for c in cols:
            if c not in cells:
                row.append("—")
                continue
            v = cells[c]["median"]
            ratio = fmt_ratio(v / fastest[c]) if fastest[c] > 0 else "n/a"
            text = f"{fmt_runs(cells[c])} ({ratio})"
            text = f"**{text}**" if v == fastest[c] else text
            row.append(text + fairness_note(cells[c]) + suite.cell_note(cells[c]))
        out.append("| " + " | ".join(row) + " |")
    return out


def fairness_note(line: dict) -> str:
    """What a line with a fairness index adds to its figure."""
    return f", fairness {line['fairness']:.2f}" if "fairness" in line else ""


def bar_label(suite: Suite, key: RowKey, line: dict) -> str:
    lang, impl, via = key
    note = suite.bar_note(line)
    return f"{lang} {impl} ({via}{', ' + note if note else ''})"


def chart(suite: Suite, workload: str, rows: dict[RowKey, dict[str, dict]], path: Path) -> None:
    """One panel per configuration: implementations sorted by median as
    horizontal bars (fastest on top) with min–max whiskers, polyconc's rows in
    one colour and the peers in another, the fastest marked."""
    cols = configs_of(suite, rows)
    unit = unit_of(rows)
    panels = [
        sorted(
            ((key, cells[c]) for key, cells in rows.items() if c in cells),
            key=lambda kv: kv[1]["median"],
        )
        for c in cols
    ]
    fig, axes = plt.subplots(
        len(cols),
        1,
        figsize=(10, sum(0.32 * len(p) + 1.3 for p in panels)),
        gridspec_kw={"height_ratios": [len(p) + 2 for p in panels]},
        squeeze=False,
        layout="constrained",
    )
    # A log axis needs a positive left end, even if a run measured 0.
    lo = min((ln["min"] for p in panels for _, ln in p if ln["min"] > 0), default=1.0)
    hi = max(ln["max"] for p in panels for _, ln in p)
    for ax, col, entries in zip(axes[:, 0], cols, panels, strict=True):
        ys = range(len(entries))
        medians = [ln["median"] for _, ln in entries]
        ax.barh(
            ys,
            medians,
            xerr=[
                [ln["median"] - ln["min"] for _, ln in entries],
                [ln["max"] - ln["median"] for _, ln in entries],
            ],
            color=[POLYCONC_COLOR if is_polyconc(key[1]) else PEER_COLOR for key, _ in entries],
            error_kw={"ecolor": "#333333", "capsize": 3, "linewidth": 1},
            height=0.7,
        )
        ax.set_yticks(list(ys), [bar_label(suite, key, ln) for key, ln in entries])
        ax.invert_yaxis()  # fastest on top
        for y, (_, ln) in zip(ys, entries, strict=True):
            mark = "  fastest" if y == 0 else ""
            ax.text(
                ln["max"] * 1.08,
                y,
                f"{fmt_ns(ln['median'])}{fairness_note(ln)}{mark}",
                va="center",
                fontsize=8,
                fontweight="bold" if y == 0 else "normal",
            )
        ax.get_yticklabels()[0].set_fontweight("bold")
        ax.set_xscale("log")
        ax.set_xlim(lo / 1.5, hi * 6)
        ax.grid(axis="x", which="major", alpha=0.3)
        label = suite.config_label(col)
        ax.set_title(label or "one configuration per implementation", fontsize=10, loc="left")
        ax.set_xlabel(
            f"median {unit}, log scale (whiskers: min–max of the runs); lower is better",
            fontsize=9,
        )
    polyconc = [is_polyconc(key[1]) for key in rows]
    axes[0, 0].legend(
        # Only the colours the chart uses (suite L's L4 has no polyconc row).
        handles=[
            *([Patch(color=POLYCONC_COLOR, label="polyconc")] if any(polyconc) else []),
            *([Patch(color=PEER_COLOR, label="peers")] if not all(polyconc) else []),
        ],
        loc="upper right",  # beside the fastest (shortest) bars, clear of the long ones
        fontsize=8,
    )
    title = f"{workload} {suite.spec.workloads[workload].title}"
    fig.suptitle(textwrap.fill(title, 110), fontsize=11)
    fig.savefig(path, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def line_chart(
    suite: Suite, workload: str, rows: dict[RowKey, dict[str, dict]], path: Path
) -> None:
    """Two panels against the workload's numeric configuration (log x axis):
    the median and the context switches per run, one line per implementation,
    the host's core count marked."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 8), sharex=True, layout="constrained")
    for key in sorted(rows, key=row_order):
        cells = sorted(rows[key].items(), key=lambda kv: suite.config_order(kv[0]))
        xs = [int(c) for c, _ in cells]
        style = {"marker": "o", "linewidth": 2 if is_polyconc(key[1]) else 1.2}
        label = bar_label(suite, key, cells[0][1])
        top.plot(xs, [ln["median"] for _, ln in cells], label=label, **style)
        bottom.plot(xs, [ln.get("ctx_switches", 0) for _, ln in cells], label=label, **style)
    cores = next(iter(next(iter(rows.values())).values()))["host"]["cpus"]
    for ax in (top, bottom):
        ax.axvline(cores, color="#444444", linestyle="--", linewidth=1)
        ax.set_xscale("log", base=2)
        ax.grid(alpha=0.3)
    top.text(cores, 1.0, f" cores = {cores}", transform=top.get_xaxis_transform(), va="bottom")
    top.set_yscale("log")
    top.set_ylabel(f"median {unit_of(rows)}, log scale; lower is better")
    bottom.set_yscale("symlog")
    bottom.set_ylim(bottom=0)
    bottom.set_ylabel("context switches per run")
    bottom.set_xlabel(suite.line_charts[workload])
    xs = sorted({int(c) for cells in rows.values() for c in cells})
    bottom.set_xticks(xs, [str(x) for x in xs])
    top.legend(fontsize=8, loc="best")
    title = f"{workload} {suite.spec.workloads[workload].title}"
    fig.suptitle(textwrap.fill(title, 110), fontsize=11)
    fig.savefig(path, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def _values(text: str) -> str:
    return ", ".join(f"{int(v):,}" for v in text.split(","))


def mode_cuts(suite: Suite, meta: dict | None, full: dict[str, Params]) -> list[str]:
    """A sentence on what the run's mode cut from full mode's values of the
    suite's parameters (none for a full run or without a meta file)."""
    mode = (meta or {}).get("mode", "full")
    ran = (meta or {}).get("parameters", {})
    cuts: dict[tuple[str, str, str], list[str]] = {}
    for name in ("runs", "warmup", *suite.spec.params):
        for flavor, params in full.items():
            now, was = ran.get(flavor, {}).get(name), params.get(name)
            if mode != "full" and now is not None and was is not None and now != was.text():
                cuts.setdefault((name, now, was.text()), []).append(flavor)
    if not cuts:
        return []
    flavors = {"native": "native", "python": "Python"}
    said = "; ".join(
        f"{name} {_values(now)} instead of {_values(was)}"
        + ("" if len(fl) == len(full) else f" ({' and '.join(flavors.get(f, f) for f in fl)})")
        for (name, now, was), fl in cuts.items()
    )
    return [f"{mode.capitalize()} mode cut this suite's parameters (see Parameters): {said}.", ""]


def suite_sections(suite: Suite, lines: list[dict], out_dir: Path, heads: list[str]) -> list[str]:
    """A suite's section; `heads` (warnings, the mode's cuts) go under its title."""
    data = table_data(suite, lines)
    md = [f"## Suite {suite.id}: {suite.spec.title}", "", *heads, "### Claims", ""]
    for claim in suite.claims(suite, data):
        md += render(claim, "####")
    md += [
        "### Workloads",
        "",
        (
            "Cells: median [min–max of the measured runs] (ratio of the medians to the fastest "
            "in that column; the fastest is **bold** at 1.00×). "
            '— = the implementation has no such configuration or did not run; "fairness" is '
            "Jain's index of the threads' shares (1.00 = equal). Charts: one panel "
            "per configuration, bars sorted by median with min–max whiskers."
        ),
        "",
    ]
    for workload, spec in suite.spec.workloads.items():
        md += [f"#### {workload} {spec.title}", ""]
        chart_path = out_dir / f"{workload}.png"
        rows = data.get(workload)
        if not rows:
            chart_path.unlink(missing_ok=True)  # a chart from an older report would mislead
            md += ["No data.", ""]
            continue
        md += [*workload_table(suite, workload, rows), ""]
        if workload in suite.line_charts:
            line_chart(suite, workload, rows, chart_path)
        else:
            chart(suite, workload, rows, chart_path)
        md += [
            f"![{workload} chart: median per implementation and configuration]({chart_path.name})",
            "",
        ]
    return md


def meta_sections(meta: dict | None, meta_name: str, lines: list[dict]) -> list[str]:
    out = ["## Machine, toolchains and parameters", ""]
    if meta is None:
        out += [f"No meta file ({meta_name}): host, mode and failures are unknown.", ""]
    else:
        h = meta.get("host", {})
        out.append(
            f"- Host: {h.get('cpus', '?')} CPUs, {h.get('os', '?')} {h.get('kernel', '?')} "
            f"({h.get('machine', '?')}); run started {meta.get('started', '?')}, "
            f"took {meta.get('duration_s', '?')} s."
        )
        out.append(
            f"- Mode: **{meta.get('mode', '?')}**; workloads: {meta.get('workloads', 'all')}; "
            f"capacities of C2-C4: {meta.get('capacities', 'all')}."
        )
        ran = meta.get("suites", {})
        if ran:
            out.append(
                "- Time per suite (its programs' runs in every language; builds not included): "
                + ", ".join(f"{s} {fmt_secs(v['duration_s'])}" for s, v in ran.items())
                + "."
            )
        names = [
            "runs",
            "warmup",
            *dict.fromkeys(p for v in ran.values() for p in v["params"]),
        ]
        params = meta.get("parameters", {})
        out += [
            "",
            "| flavour | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        for flavor, p in params.items():
            values = [p.get(n, "?") for n in names]
            values = [f"{int(v):,}" if str(v).isdigit() else str(v) for v in values]
            out.append(f"| {flavor} | " + " | ".join(values) + " |")
        out += ["", "| lang | toolchain (from the runner) |", "|---|---|"]
        for lang, versions in h.get("toolchains", {}).items():
            text = "; ".join(f"{cmd}: {v}" for cmd, v in versions.items()) or "—"
            out.append(f"| {lang} | {text} |")
        out += host_state.table(meta)
    from_lines = sorted({(ln["lang"], ln["host"]["toolchain"]) for ln in lines})
    if from_lines:
        out += [
            "",
            "Toolchains the programs reported: "
            + ", ".join(f"{lg} {tc}" for lg, tc in from_lines)
            + ".",
        ]
    out += ["", "## Languages skipped and failures", ""]
    if meta is None:
        return [*out, "Unknown (no meta file).", ""]
    skipped, errors = meta.get("skipped", []), meta.get("errors", [])
    if not skipped and not errors:
        out.append(f"None: every language ran ({', '.join(meta.get('run', [])) or 'none'}).")
    for s in skipped:
        where = f"{s['lang']} (suite {s['suite']})" if s.get("suite") else s["lang"]
        out.append(f"- {where}: skipped: {s['reason']}")
    for e in errors:
        where = f"{e['lang']} (suite {e['suite']})" if e.get("suite") else e["lang"]
        out.append(f"- {where}: **{e['stage']} failed**: {e['message']}")
        for bad in e.get("invalid", [])[:3]:
            out.append(f"  - invalid line: {'; '.join(bad['problems'])}")
        if e.get("stderr_tail"):
            tail_lines = e["stderr_tail"].splitlines()[-10:]
            out += ["", "  ```", *[f"  {t}" for t in tail_lines], "  ```"]
    return [*out, ""]


def write_report(results: Path, out_dir: Path, registry: dict[str, Suite] | None = None) -> Path:
    registry = suites.default() if registry is None else registry
    lines, notes = load(results, registry)
    meta_path = results.with_name(results.name.removesuffix(".jsonl") + ".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else None
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.svg"):  # charts of reports before the PNG ones
        old.unlink()
    mode = (meta or {}).get("mode", "unknown")
    shown = [s for s in registry.values() if any(ln["suite"] == s.id for ln in lines)]
    if meta is not None:
        shown = [registry[s] for s in meta.get("suites", {}) if s in registry] or shown
    md = [
        "# polyconc comparisons",
        "",
        (
            f"Generated by `python -m runner.report` from `{results.name}` "
            f"({len(lines)} result lines, "
            f"mode {mode}; suites {', '.join(s.id for s in shown) or 'none'}). Every figure is the "
            "median of the measured runs, in the unit its column names (nanoseconds per message, "
            "round trip, ...); lower is better. Workloads and claims are defined in WORKLOADS.md."
        ),
        "",
    ]
    if mode == "smoke":
        md += [
            "> **Smoke mode**: tiny runs that only check the programs work; "
            "these figures mean nothing.",
            "",
        ]
    if notes:
        md += [
            f"{len(notes)} line(s) of the results file were invalid and left out:",
            "",
        ]
        md += [f"- {n}" for n in notes[:20]] + [""]
    md += meta_sections(meta, meta_path.name, lines)
    full = parse_modes(WORKLOADS.read_text())["full"]
    for suite in shown:
        heads = host_state.suite_warning(meta, suite.id) + mode_cuts(suite, meta, full)
        md += suite_sections(suite, lines, out_dir, heads)
    report = out_dir / "REPORT.md"
    report.write_text("\n".join(md).rstrip() + "\n")
    return report


def newest_results(folder: Path) -> Path | None:
    # Names are UTC timestamps; mtime breaks ties between runs of the same second.
    files = sorted(folder.glob("*.jsonl"), key=lambda f: (f.stat().st_mtime, f.name))
    return files[-1] if files else None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m runner.report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "results",
        nargs="?",
        type=Path,
        help="a results .jsonl (default: the newest in results/)",
    )
    p.add_argument("--out", type=Path, default=COMPARISONS_DIR / "report", help="report folder")
    args = p.parse_args(argv)
    results = args.results or newest_results(COMPARISONS_DIR / "results")
    if results is None:
        print(
            f"report: no results file in {COMPARISONS_DIR / 'results'}; run `make compare` first",
            file=sys.stderr,
        )
        return 2
    if not results.is_file():
        print(f"report: {results} does not exist", file=sys.stderr)
        return 2
    report = write_report(results, args.out)
    print(f"report: wrote {report} from {results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
