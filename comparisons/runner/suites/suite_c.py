"""Suite C (channels): how to read its lines and compute its claims' rows.

The claims' words and rules are in WORKLOADS.md ("Claims of suite C").
"""

from ..claims import Claim, Row
from ..fmt import fmt_ns, fmt_ratio
from .base import (
    LANG_NAMES,
    Column,
    Data,
    Suite,
    best,
    is_int,
    is_polyconc,
    module_suite,
    python_note,
    row_order,
)

# C1 and C6 have one configuration per implementation whatever its capacity
# (M or unbounded; 0 or 1), so they get one figure column and a capacity column.
SINGLE = {"C1": "seq", "C6": "pingpong"}
UNITS = {w: "ns/msg" for w in ("C1", "C2", "C3", "C4", "C5")} | {"C6": "ns/roundtrip"}
# The language each crossing into the core belongs to.
CORE_VIA = {"native": "rust", "c-abi": "c", "pyo3": "python"}
PYTHON_M_NOTE = python_note("M", "message or per round trip")
# The capacities C2-C4 run at, as the lines' params spell them: the values the
# programs' --capacities chooses from (WORKLOADS.md, "Program interface").
CAPACITIES = ("0", "1", "1024", "unbounded")


def check(line: dict) -> list[str]:
    params, workload, errors = line["params"], line["workload"], []
    cap = params.get("capacity")
    if not (cap == "unbounded" or (is_int(cap) and cap >= 0)):
        errors.append(f'params.capacity must be an integer >= 0 or "unbounded", got {cap!r}')
    if workload == "C6":
        needed: tuple[str, ...] = ("round_trips",)
    else:
        needed = ("producers", "consumers", "messages")
        needed += ("channels",) if workload == "C5" else ()
    for key in needed:
        v = params.get(key)
        if not (is_int(v) and v > 0):
            errors.append(f"params.{key} must be a positive integer, got {v!r}")
    return errors


def config(line: dict) -> str:
    return SINGLE.get(line["workload"]) or str(line["params"]["capacity"])


def config_order(col: str) -> tuple:
    return (0, int(col), "") if col.isdigit() else (1, 0, col)


def config_label(col: str) -> str:
    """'' for the one configuration of C1 and C6."""
    if col in SINGLE.values():
        return ""
    return f"capacity {col}" if col != "unbounded" else "unbounded"


def columns(workload: str) -> list[Column]:
    count = "round_trips" if workload == "C6" else "messages"
    out = [Column(count.replace("_", " "), lambda ln: f"{ln['params'].get(count, '?'):,}")]
    if workload in SINGLE:
        out.append(Column("capacity", lambda ln: str(ln["params"]["capacity"])))
    return out


def bar_note(line: dict) -> str:
    """C1 and C6 show every capacity in one panel."""
    return f"capacity {line['params']['capacity']}" if line["workload"] in SINGLE else ""


def rendezvous(suite: Suite, data: Data) -> Claim:
    rows = []
    for key in sorted(data.get("C2", {}), key=row_order):
        cells = data["C2"][key]
        if "0" in cells and "1024" in cells:
            zero, buf = cells["0"]["median"], cells["1024"]["median"]
            rows.append(
                Row(
                    "/".join(key),
                    [*key, fmt_ns(zero), fmt_ns(buf), fmt_ratio(zero / buf)],
                    zero / buf,
                )
            )
    return Claim(
        suite.claim_spec("Ca"),
        [
            "lang",
            "impl",
            "via",
            "capacity 0 (ns/msg)",
            "capacity 1024 (ns/msg)",
            "rendezvous / buffer",
        ],
        rows,
        "no implementation reported C2 at both capacity 0 and capacity 1024.",
    )


def core_row(data: Data, workload: str, via: str) -> dict[str, dict] | None:
    """The cells of impl core reached via `via`, preferring the language that
    crossing belongs to."""
    rows = data.get(workload, {})
    candidates = [k for k in rows if k[1] == "core" and k[2] == via]
    if not candidates:
        return None
    preferred = [k for k in candidates if k[0] == CORE_VIA[via]]
    return rows[(preferred or candidates)[0]]


def crossing(suite: Suite, data: Data, claim_id: str, via: str) -> Claim:
    lang = CORE_VIA[via]
    rows = []
    for workload in suite.spec.workloads:
        native, other = (
            core_row(data, workload, "native"),
            core_row(data, workload, via),
        )
        for col in sorted(native or {}, key=config_order):
            if other and col in other:
                n, o = native[col]["median"], other[col]["median"]
                rows.append(
                    Row(
                        f"{workload} {col}",
                        [
                            workload,
                            col,
                            native[col]["unit"],
                            fmt_ns(n),
                            fmt_ns(o),
                            fmt_ratio(o / n),
                        ],
                        o / n,
                    )
                )
    return Claim(
        suite.claim_spec(claim_id),
        [
            "workload",
            "capacity",
            "unit",
            "native, Rust",
            f"{via}, {LANG_NAMES[lang]}",
            f"{via} / native",
        ],
        rows,
        f"no workload has `core` lines both via native (Rust) and via {via} ({LANG_NAMES[lang]}).",
        [PYTHON_M_NOTE] if via == "pyo3" else [],
    )


def against_peers(suite: Suite, data: Data) -> list[Claim]:
    across, within = [], []
    for workload in suite.spec.workloads:
        rows = data.get(workload, {})
        cols = sorted({c for cells in rows.values() for c in cells}, key=config_order)
        for col in cols:
            core = best(rows, col, lambda k, _: is_polyconc(k[1]))
            peer = best(rows, col, lambda k, _: not is_polyconc(k[1]))
            if core and peer:
                (ck, cv), (pk, pv) = core, peer
                across.append(
                    Row(
                        f"{workload} {col}",
                        [
                            workload,
                            col,
                            f"{ck[0]}/{ck[2]}" + ("" if ck[1] == "core" else f" {ck[1]}"),
                            fmt_ns(cv),
                            f"{pk[0]}/{pk[1]}",
                            fmt_ns(pv),
                            fmt_ratio(cv / pv),
                        ],
                        cv / pv,
                    )
                )
            for lang in {k[0] for k in rows}:
                core = best(rows, col, lambda k, _, lg=lang: k[0] == lg and is_polyconc(k[1]))
                peer = best(rows, col, lambda k, _, lg=lang: k[0] == lg and not is_polyconc(k[1]))
                if core and peer:
                    (ck, cv), (pk, pv) = core, peer
                    within.append(
                        (
                            (row_order((lang, "", "")), workload, config_order(col)),
                            Row(
                                f"{lang} {workload} {col}",
                                [
                                    lang,
                                    workload,
                                    col,
                                    f"{ck[1]}/{ck[2]}",
                                    fmt_ns(cv),
                                    pk[1],
                                    fmt_ns(pv),
                                    fmt_ratio(cv / pv),
                                ],
                                cv / pv,
                            ),
                        )
                    )
    within.sort(key=lambda w: w[0])
    return [
        Claim(
            suite.claim_spec("Cd"),
            [
                "workload",
                "capacity",
                "best polyconc (lang/via)",
                "ns",
                "best peer (lang/impl)",
                "ns",
                "polyconc / best peer",
            ],
            across,
            "no workload has both a `core` line and a peer line at the same capacity.",
        ),
        Claim(
            suite.claim_spec("Ce"),
            [
                "lang",
                "workload",
                "capacity",
                "polyconc (via)",
                "ns",
                "best peer in that language",
                "ns",
                "polyconc / best peer",
            ],
            [r for _, r in within],
            "no language has both a `core` line and a peer line at the same capacity.",
        ),
    ]


def claims(suite: Suite, data: Data) -> list[Claim]:
    return [
        rendezvous(suite, data),
        crossing(suite, data, "Cb", "c-abi"),
        crossing(suite, data, "Cc", "pyo3"),
        *against_peers(suite, data),
    ]


SUITE = module_suite("C", globals())
