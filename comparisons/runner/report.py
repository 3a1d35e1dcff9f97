"""Write comparisons/report/REPORT.md and SVG charts from a results file.

    python -m runner.report [results.jsonl] [--out DIR]

Without a file, the newest comparisons/results/*.jsonl is used. Its sidecar
<stem>.meta.json supplies host, toolchains, mode and failures.
"""

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; charts are files
import matplotlib.pyplot as plt

from . import COMPARISONS_DIR
from .schema import validate

WORKLOADS = {
    "C1": "seq: one thread sends M into a channel that holds them all, then receives M",
    "C2": "spsc: 1 producer, 1 consumer",
    "C3": "mpsc: 4 producers, 1 consumer",
    "C4": "mpmc: 4 producers, 4 consumers",
    "C5": "select: 4 producers on their own channels of capacity 1024, 1 consumer selects",
    "C6": "pingpong: 2 threads bounce one message over two channels of capacity 0 (or 1)",
}
# C1 and C6 have one configuration per implementation whatever its capacity
# (M or unbounded; 0 or 1), so they get one figure column and a capacity column.
SINGLE_COLUMN = {"C1": "seq", "C6": "pingpong"}
LANG_ORDER = ["rust", "c", "cpp", "go", "java", "scala", "python"]
CORE_VIA = {
    "native": "rust",
    "c-abi": "c",
    "pyo3": "python",
}  # expected language of each crossing

RowKey = tuple[str, str, str]  # lang, impl, via


def fmt_ns(v: float) -> str:
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_ratio(r: float) -> str:
    return f"{r:.2f}×"


def column_of(line: dict) -> str:
    return SINGLE_COLUMN.get(line["workload"]) or str(line["params"]["capacity"])


def column_sort(col: str):
    return (0, int(col), "") if col.isdigit() else (1, 0, col)


def row_sort(key: RowKey):
    lang, impl, via = key
    return (
        LANG_ORDER.index(lang) if lang in LANG_ORDER else len(LANG_ORDER),
        impl != "core",
        impl,
        via,
    )


def column_label(workload: str, col: str, unit: str) -> str:
    if workload in SINGLE_COLUMN:
        return f"median ({unit})"
    return f"capacity {col} ({unit})" if col != "unbounded" else f"unbounded ({unit})"


def load(path: Path) -> tuple[list[dict], list[str]]:
    """Valid suite-C lines, and a note per line that was skipped."""
    lines, notes = [], []
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            notes.append(f"line {n}: not JSON ({e})")
            continue
        problems = validate(obj)
        if problems:
            notes.append(f"line {n}: {'; '.join(problems)}")
        elif obj["suite"] == "C":
            lines.append(obj)
    return lines, notes


def table_data(lines: list[dict]) -> dict[str, dict[RowKey, dict[str, dict]]]:
    """{workload: {(lang, impl, via): {column: line}}}; a later duplicate replaces an earlier one."""
    data: dict[str, dict[RowKey, dict[str, dict]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for line in lines:
        data[line["workload"]][(line["lang"], line["impl"], line["via"])][
            column_of(line)
        ] = line
    return data


def columns_of(rows: dict[RowKey, dict[str, dict]]) -> list[str]:
    return sorted({c for cells in rows.values() for c in cells}, key=column_sort)


def workload_table(workload: str, rows: dict[RowKey, dict[str, dict]]) -> list[str]:
    cols = columns_of(rows)
    unit = next(iter(next(iter(rows.values())).values()))["unit"]
    fastest = {
        c: min(cells[c]["median"] for cells in rows.values() if c in cells)
        for c in cols
    }
    single = workload in SINGLE_COLUMN
    count = "round trips" if workload == "C6" else "messages"
    head = ["lang", "impl", "via", count] + (["capacity"] if single else [])
    head += [column_label(workload, c, unit) for c in cols]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * 3 + "---:|" * (len(head) - 3)]
    for key in sorted(rows, key=row_sort):
        cells = rows[key]
        first = next(iter(cells.values()))
        p = first["params"]
        row = list(key) + [
            f"{p.get('round_trips' if workload == 'C6' else 'messages', '?'):,}"
        ]
        if single:
            row.append(str(p["capacity"]))
        for c in cols:
            if c not in cells:
                row.append("—")
                continue
            v = cells[c]["median"]
            text = f"{fmt_ns(v)} ({fmt_ratio(v / fastest[c]) if fastest[c] > 0 else 'n/a'})"
            row.append(f"**{text}**" if v == fastest[c] else text)
        out.append("| " + " | ".join(row) + " |")
    return out


def chart(workload: str, rows: dict[RowKey, dict[str, dict]], path: Path) -> None:
    cols = columns_of(rows)
    keys = sorted(rows, key=row_sort)
    unit = next(iter(rows[keys[0]].values()))["unit"]
    width = 0.8 / len(keys)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(cols) + 4), 4.8))
    colors = plt.get_cmap(
        "tab10" if len(keys) <= 10 else "tab20"
    )  # tab10 repeats after 10 rows
    for i, key in enumerate(keys):
        xs = [
            j + (i - (len(keys) - 1) / 2) * width
            for j, c in enumerate(cols)
            if c in rows[key]
        ]
        ys = [rows[key][c]["median"] for c in cols if c in rows[key]]
        ax.bar(xs, ys, width, label=" / ".join(key), color=colors(i % colors.N))
    ax.set_yscale("log")
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels([("capacity " + c if c.isdigit() else c) for c in cols])
    ax.set_ylabel(f"median {unit} (log scale, lower is better)")
    ax.set_title(f"{workload} {WORKLOADS[workload].split(':')[0]}")
    ax.legend(
        fontsize="small",
        bbox_to_anchor=(1.02, 1),
        loc="upper left",
        title="lang / impl / via",
    )
    fig.tight_layout()
    fig.savefig(
        path, format="svg", metadata={"Date": None}
    )  # no date: reruns diff cleanly
    plt.close(fig)


def spread(ratios: list[float]) -> str:
    if min(ratios) == max(ratios):
        return fmt_ratio(ratios[0])
    return (
        f"from {fmt_ratio(min(ratios))} to {fmt_ratio(max(ratios))} "
        f"(median {fmt_ratio(statistics.median(ratios))})"
    )


def verdict(held: int, total: int) -> str:
    if total == 0:
        return "**No data**"
    if held == total:
        return f"**Held** ({held} of {total})"
    if held == 0:
        return f"**Did not hold** (0 of {total})"
    return f"**Held in {held} of {total}**"


def claim_rendezvous(data) -> list[str]:
    out = [
        "### (a) What a rendezvous costs against a buffer",
        "",
        (
            "Claim: on C2 (1 producer, 1 consumer), a rendezvous (capacity 0: each send waits "
            "for its receiver) costs more per message than a buffer of 1024. "
            "Ratio = median at capacity 0 / median at capacity 1024, per implementation."
        ),
        "",
    ]
    pairs = []
    for key in sorted(data.get("C2", {}), key=row_sort):
        cells = data["C2"][key]
        if "0" in cells and "1024" in cells:
            pairs.append((key, cells["0"]["median"], cells["1024"]["median"]))
    if not pairs:
        return out + [
            "**No data**: no implementation reported C2 at both capacity 0 and capacity 1024.",
            "",
        ]
    out += [
        "| lang | impl | via | capacity 0 (ns/msg) | capacity 1024 (ns/msg) | rendezvous / buffer |",
        "|---|---|---|---:|---:|---:|",
    ]
    ratios = []
    for key, zero, buf in pairs:
        ratios.append(zero / buf)
        out.append(
            f"| {' | '.join(key)} | {fmt_ns(zero)} | {fmt_ns(buf)} | {fmt_ratio(zero / buf)} |"
        )
    held = [r for r in ratios if r > 1]
    out += [
        "",
        f"{verdict(len(held), len(ratios))} on this machine: a rendezvous cost {spread(ratios)} the buffered figure.",
    ]
    failed = [f"{'/'.join(k)} ({fmt_ratio(z / b)})" for k, z, b in pairs if z / b <= 1]
    if failed:
        out.append(f"Not more expensive for: {', '.join(failed)}.")
    return out + [""]


def core_row(data, workload: str, via: str) -> dict[str, dict] | None:
    """The cells of impl core reached via `via`, preferring the language that crossing belongs to."""
    rows = data.get(workload, {})
    candidates = [k for k in rows if k[1] == "core" and k[2] == via]
    if not candidates:
        return None
    preferred = [k for k in candidates if k[0] == CORE_VIA[via]]
    return rows[(preferred or candidates)[0]]


def claim_crossing(data) -> list[str]:
    out = [
        "### (b) The cost of crossing into C or Python",
        "",
        (
            "Claim: the same core (impl `core`) costs more per operation when reached from C "
            "through the C ABI or from Python through pyo3 than from Rust directly. "
            "Ratio = median via c-abi (or pyo3) / median via native, same workload and capacity."
        ),
        "",
    ]
    rows = []
    for workload in WORKLOADS:
        native = core_row(data, workload, "native")
        if native is None:
            continue
        cabi, pyo3 = core_row(data, workload, "c-abi"), core_row(data, workload, "pyo3")
        for col in sorted(native, key=column_sort):
            n = native[col]["median"]
            c = cabi.get(col)["median"] if cabi and col in cabi else None
            p = pyo3.get(col)["median"] if pyo3 and col in pyo3 else None
            if c is not None or p is not None:
                rows.append((workload, col, native[col]["unit"], n, c, p))
    if not rows:
        return out + [
            "**No data**: no workload has `core` lines both via native (Rust) and via c-abi (C) or pyo3 (Python).",
            "",
        ]
    out += [
        "| workload | capacity | unit | native, Rust | c-abi, C | c-abi / native | pyo3, Python | pyo3 / native |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for workload, col, unit, n, c, p in rows:
        cells = [fmt_ns(n)]
        cells += [fmt_ns(c), fmt_ratio(c / n)] if c is not None else ["—", "—"]
        cells += [fmt_ns(p), fmt_ratio(p / n)] if p is not None else ["—", "—"]
        out.append(f"| {workload} | {col} | {unit} | {' | '.join(cells)} |")
    out.append("")
    for name, idx in (("C (c-abi)", 4), ("Python (pyo3)", 5)):
        ratios = [r[idx] / r[3] for r in rows if r[idx] is not None]
        if not ratios:
            out.append(f"- Into {name}: **No data**.")
            continue
        held = sum(1 for r in ratios if r > 1)
        out.append(
            f"- Into {name}: {verdict(held, len(ratios))} on this machine: "
            f"{spread(ratios)} the native figure."
        )
    out += [
        "",
        (
            "Python runs use a smaller M than native ones (see Parameters); the figures are per "
            "message or per round trip, so they compare, but Python's shorter runs carry more of "
            "the thread start-up cost."
        ),
        "",
    ]
    return out


def best(
    cells_by_row: dict[RowKey, dict[str, dict]], col: str, keep
) -> tuple[RowKey, float] | None:
    found = [
        (k, cells[col]["median"])
        for k, cells in cells_by_row.items()
        if keep(k) and col in cells
    ]
    return min(found, key=lambda kv: kv[1]) if found else None


def claim_vs_peers(data) -> list[str]:
    out = [
        "### (c) polyconc against the best peer",
        "",
        (
            "Claim: polyconc (impl `core`) is at least as fast as the best peer implementation on each "
            "workload. Ratio = polyconc median / best peer median (below 1.00× = polyconc faster). "
            "First across all languages, then within each language."
        ),
        "",
    ]
    across, within = [], []
    for workload in WORKLOADS:
        rows = data.get(workload, {})
        for col in columns_of(rows) if rows else []:
            core = best(rows, col, lambda k: k[1] == "core")
            peer = best(rows, col, lambda k: k[1] != "core")
            if core and peer:
                across.append((workload, col, core, peer))
            for lang in sorted(
                {k[0] for k in rows}, key=lambda lg: row_sort((lg, "", ""))
            ):
                core = best(rows, col, lambda k, lg=lang: k[0] == lg and k[1] == "core")
                peer = best(rows, col, lambda k, lg=lang: k[0] == lg and k[1] != "core")
                if core and peer:
                    within.append((lang, workload, col, core, peer))
    if not across:
        return out + [
            "**No data**: no workload has both a `core` line and a peer line at the same capacity.",
            "",
        ]
    out += [
        "| workload | capacity | best polyconc (lang/via) | ns | best peer (lang/impl) | ns | polyconc / peer |",
        "|---|---|---|---:|---|---:|---:|",
    ]
    for workload, col, (ck, cv), (pk, pv) in across:
        out.append(
            f"| {workload} | {col} | {ck[0]}/{ck[2]} | {fmt_ns(cv)} | {pk[0]}/{pk[1]} | {fmt_ns(pv)} | "
            f"{fmt_ratio(cv / pv)} |"
        )
    ratios = [cv / pv for _, _, (_, cv), (_, pv) in across]
    out += [
        "",
        (
            f"Across languages: {verdict(sum(1 for r in ratios if r <= 1), len(ratios))} on this machine "
            f"(workload × capacity cells); polyconc / best peer {spread(ratios)}."
        ),
        "",
    ]
    within.sort(key=lambda w: (row_sort((w[0], "", "")), w[1], column_sort(w[2])))
    if within:
        out += [
            "| lang | workload | capacity | polyconc (via) | ns | best peer in that language | ns | polyconc / peer |",
            "|---|---|---|---|---:|---|---:|---:|",
        ]
        for lang, workload, col, (ck, cv), (pk, pv) in within:
            out.append(
                f"| {lang} | {workload} | {col} | core/{ck[2]} | {fmt_ns(cv)} | {pk[1]} | {fmt_ns(pv)} | "
                f"{fmt_ratio(cv / pv)} |"
            )
        ratios = [cv / pv for *_, (_, cv), (_, pv) in within]
        out += [
            "",
            (
                f"Within the same language: {verdict(sum(1 for r in ratios if r <= 1), len(ratios))}; "
                f"polyconc / best peer {spread(ratios)}."
            ),
            "",
        ]
    return out


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
            f"- Mode: **{meta.get('mode', '?')}**; workloads: {meta.get('workloads', 'all')}."
        )
        out += [
            "",
            "| flavour | M (messages) | measured runs | warm-up runs | T (threads) |",
            "|---|---:|---:|---:|---|",
        ]
        for flavor, p in meta.get("parameters", {}).items():
            threads = ",".join(str(t) for t in p.get("threads", []))
            out.append(
                f"| {flavor} | {p.get('messages', '?'):,} | {p.get('runs')} | {p.get('warmup')} | {threads} |"
            )
        out += ["", "| lang | toolchain (from the runner) |", "|---|---|"]
        for lang, versions in h.get("toolchains", {}).items():
            text = "; ".join(f"{cmd}: {v}" for cmd, v in versions.items()) or "—"
            out.append(f"| {lang} | {text} |")
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
        return out + ["Unknown (no meta file).", ""]
    skipped, errors = meta.get("skipped", []), meta.get("errors", [])
    if not skipped and not errors:
        out.append(
            f"None: every language ran ({', '.join(meta.get('run', [])) or 'none'})."
        )
    for s in skipped:
        out.append(f"- {s['lang']}: skipped: {s['reason']}")
    for e in errors:
        out.append(f"- {e['lang']}: **{e['stage']} failed**: {e['message']}")
        for bad in e.get("invalid", [])[:3]:
            out.append(f"  - invalid line: {'; '.join(bad['problems'])}")
        if e.get("stderr_tail"):
            tail_lines = e["stderr_tail"].splitlines()[-10:]
            out += ["", "  ```", *[f"  {t}" for t in tail_lines], "  ```"]
    return out + [""]


def write_report(results: Path, out_dir: Path) -> Path:
    lines, notes = load(results)
    meta_path = results.with_name(results.name.removesuffix(".jsonl") + ".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else None
    out_dir.mkdir(parents=True, exist_ok=True)
    data = table_data(lines)
    mode = (meta or {}).get("mode", "unknown")
    md = [
        "# polyconc comparisons: suite C (channels)",
        "",
        (
            f"Generated by `python -m runner.report` from `{results.name}` ({len(lines)} result lines, "
            f"mode {mode}). Every figure is the median of the measured runs, in nanoseconds per message "
            "(ns/msg) or per round trip (ns/roundtrip); lower is better. Workloads are defined in "
            "WORKLOADS.md."
        ),
        "",
    ]
    if mode == "smoke":
        md += [
            "> **Smoke mode**: tiny runs that only check the programs work; these figures mean nothing.",
            "",
        ]
    if notes:
        md += [
            f"{len(notes)} line(s) of the results file were invalid and left out:",
            "",
        ]
        md += [f"- {n}" for n in notes[:20]] + [""]
    md += meta_sections(meta, meta_path.name, lines)
    md += (
        ["## Claims", ""]
        + claim_rendezvous(data)
        + claim_crossing(data)
        + claim_vs_peers(data)
    )
    md += [
        "## Workloads",
        "",
        (
            "Cells: median (ratio to the fastest in that column; the fastest is **bold** at 1.00×). "
            "— = the implementation has no such capacity or did not run."
        ),
        "",
    ]
    for workload, title in WORKLOADS.items():
        md += [f"### {workload} {title}", ""]
        chart_path = out_dir / f"{workload}.svg"
        rows = data.get(workload)
        if not rows:
            chart_path.unlink(
                missing_ok=True
            )  # a chart from an older report would mislead
            md += ["No data.", ""]
            continue
        md += workload_table(workload, rows) + [""]
        chart(workload, rows, chart_path)
        md += [
            f"![{workload} chart: median per implementation, log scale]({chart_path.name})",
            "",
        ]
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
    p.add_argument(
        "--out", type=Path, default=COMPARISONS_DIR / "report", help="report folder"
    )
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
