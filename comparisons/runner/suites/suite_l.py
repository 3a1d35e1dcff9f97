"""Suite L (locks and the cost of sharing): how to read its lines and compute
its claims' rows.

The claims' words and rules are in WORKLOADS.md ("Claims of suite L"). A
configuration is one thread count T; claims group rows by the lines' `kind`,
never by implementation name, except that polyconc's rows are `core.*`.
"""

from ..claims import Claim, Row
from ..fmt import fmt_ns, fmt_ratio
from .base import (
    LANG_NAMES,
    Column,
    Data,
    RowKey,
    Suite,
    best,
    is_int,
    is_polyconc,
    module_suite,
    python_note,
    row_order,
)

WINDOWED = ("L2f", "L3f")
WORKLOADS = ("L1", "L2", "L3", "L4", "L5", *WINDOWED)
UNITS = dict.fromkeys(WORKLOADS, "ns/op")
LOCKS = ("spin", "mutex", "os-mutex")
MUTEXES = ("mutex", "os-mutex")
PYTHON_K_NOTE = python_note("K", "operation")


def check(line: dict) -> list[str]:
    params, workload, errors = line["params"], line["workload"], []
    needed = ["threads", "window_ms" if workload in WINDOWED else "ops"]
    needed += ["work"] if workload in ("L3", "L3f") else []
    cap = params.get("capacity")
    if workload == "L5" and not (cap == "unbounded" or (is_int(cap) and cap > 0)):
        errors.append(f'params.capacity must be a positive integer or "unbounded", got {cap!r}')
    for key in needed:
        v = params.get(key)
        if not (is_int(v) and v > 0):
            errors.append(f"params.{key} must be a positive integer, got {v!r}")
    if workload == "L1" and params.get("threads") != 1:
        errors.append(f"L1 runs on one thread, got params.threads {params.get('threads')!r}")
    if workload in WINDOWED and "fairness" not in line:
        errors.append(f"{workload} lines must carry fairness (Jain's index)")
    if workload not in WINDOWED and "fairness" in line:
        errors.append(f"only {' and '.join(WINDOWED)} lines carry fairness")
    return errors


def config(line: dict) -> str:
    return str(line["params"]["threads"])


def config_order(col: str) -> tuple:
    return (int(col),)


def config_label(col: str) -> str:
    return f"T = {col}"


def columns(workload: str) -> list[Column]:
    if workload in WINDOWED:
        return [Column("window (ms)", lambda ln: str(ln["params"]["window_ms"]))]
    return [Column("ops", lambda ln: f"{ln['params']['ops']:,}")]


def bar_note(line: dict) -> str:
    return ""


def kind_is(*kinds: str):
    return lambda _key, line: line["kind"] in kinds


def in_lang(lang: str, keep):
    return lambda key, line: key[0] == lang and keep(key, line)


def largest_t(rows: dict[RowKey, dict[str, dict]], lang: str) -> str | None:
    ts = {c for k, cells in rows.items() if k[0] == lang for c in cells}
    return max(ts, key=config_order) if ts else None


def kind_of(cells: dict[str, dict]) -> str:
    return next(iter(cells.values()))["kind"]


def spin_vs_mutex(suite: Suite, data: Data) -> Claim:
    rows = []
    for workload in ("L2", "L3"):
        lines = data.get(workload, {})
        for key in sorted(lines, key=row_order):
            cells = lines[key]
            if kind_of(cells) != "spin":
                continue
            lang, top = key[0], largest_t(lines, key[0])
            relative, switches = {}, {}
            for col in ("2", top):
                mutex = best(lines, col, in_lang(lang, kind_is(*MUTEXES)))
                if col in cells and mutex:
                    relative[col] = (cells[col]["median"] / mutex[1], mutex[0][1])
                    switches[col] = cells[col].get("ctx_switches")
            if top == "2" or len(relative) < 2:
                continue
            ratio = relative[top][0] / relative["2"][0]
            rows.append(
                Row(
                    f"{lang}/{key[1]} {workload}",
                    [
                        *key,
                        workload,
                        f"{fmt_ratio(relative['2'][0])} ({relative['2'][1]})",
                        top,
                        f"{fmt_ratio(relative[top][0])} ({relative[top][1]})",
                        fmt_switches(switches["2"]),
                        fmt_switches(switches[top]),
                        fmt_ratio(ratio),
                    ],
                    ratio,
                )
            )
    return Claim(
        suite.claim_spec("La"),
        [
            "lang",
            "spin impl",
            "via",
            "workload",
            "spin / best mutex at T = 2",
            "largest T",
            "spin / best mutex there",
            "ctx switches T = 2",
            "ctx switches largest T",
            "largest T / T = 2",
        ],
        rows,
        "no language has a spin line and a mutex line at T = 2 and at a larger T.",
    )


def fmt_switches(v) -> str:
    return "—" if v is None else f"{v:,.0f}"


def escalation(suite: Suite, data: Data) -> Claim:
    rows = []
    for workload in ("L1", "L2", "L3"):
        lines = data.get(workload, {})
        for key in sorted(lines, key=row_order):
            cells, lang = lines[key], key[0]
            if not (is_polyconc(key[1]) and kind_of(cells) == "mutex"):
                continue
            for col in sorted(cells, key=config_order):
                spin = best(
                    lines,
                    col,
                    in_lang(lang, lambda k, ln: is_polyconc(k[1]) and ln["kind"] == "spin"),
                )
                os_lock = best(lines, col, in_lang(lang, kind_is("os-mutex")))
                if not (spin and os_lock):
                    continue
                mine = cells[col]["median"]
                floor = min(spin[1], os_lock[1])
                rows.append(
                    Row(
                        f"{lang} {workload} T={col}",
                        [
                            lang,
                            workload,
                            col,
                            f"{key[1]} ({key[2]})",
                            fmt_ns(mine),
                            f"{fmt_ns(spin[1])} ({spin[0][1]})",
                            f"{fmt_ns(os_lock[1])} ({os_lock[0][1]})",
                            fmt_ratio(mine / floor),
                        ],
                        mine / floor,
                    )
                )
    return Claim(
        suite.claim_spec("Lb"),
        [
            "lang",
            "workload",
            "T",
            "polyconc mutex (via)",
            "ns/op",
            "polyconc spin",
            "best os-mutex",
            "mutex / better of the two",
        ],
        rows,
        "no language has polyconc's Mutex beside its SpinLock and an os-mutex line.",
    )


def communicate_vs_share(suite: Suite, data: Data) -> Claim:
    l2, l4, l5 = (data.get(w, {}) for w in ("L2", "L4", "L5"))
    found = []
    for lang in {k[0] for k in l5}:
        for col in {c for k, cells in l5.items() if k[0] == lang for c in cells}:
            message = best(l5, col, in_lang(lang, kind_is("message")))
            lock = best(l2, col, in_lang(lang, kind_is(*LOCKS)))
            if not (message and lock):
                continue
            atomic = best(l4, col, in_lang(lang, kind_is("atomic")))
            ratio = message[1] / lock[1]
            found.append(
                (
                    (row_order((lang, "", "")), config_order(col)),
                    Row(
                        f"{lang} T={col}",
                        [
                            lang,
                            col,
                            f"{fmt_ns(message[1])} ({message[0][1]})",
                            f"{fmt_ns(lock[1])} ({lock[0][1]})",
                            f"{fmt_ns(atomic[1])} ({atomic[0][1]})" if atomic else "—",
                            fmt_ratio(message[1] / atomic[1]) if atomic else "—",
                            fmt_ratio(ratio),
                        ],
                        ratio,
                    ),
                )
            )
    found.sort(key=lambda f: f[0])
    return Claim(
        suite.claim_spec("Lc"),
        [
            "lang",
            "T",
            "best L5 message (ns/op)",
            "best L2 lock (ns/op)",
            "best L4 atomic (ns/op)",
            "message / atomic",
            "message / lock",
        ],
        [r for _, r in found],
        "no language has both an L5 message line and an L2 lock line at the same T.",
    )


def crossing(suite: Suite, data: Data) -> Claim:
    rows = []
    for workload in suite.spec.workloads:
        lines = data.get(workload, {})
        for key in sorted(lines, key=row_order):
            lang, impl, via = key
            native = lines.get(("rust", impl, "native"))
            if not (is_polyconc(impl) and via != "native" and native):
                continue
            for col in sorted(lines[key], key=config_order):
                # L3's work differs between Python and the native languages.
                if col not in native or (
                    native[col]["params"].get("work") != lines[key][col]["params"].get("work")
                ):
                    continue
                n, o = native[col]["median"], lines[key][col]["median"]
                rows.append(
                    Row(
                        f"{impl} {workload} T={col} via {via}",
                        [
                            workload,
                            impl,
                            col,
                            fmt_ns(n),
                            f"{via}, {LANG_NAMES.get(lang, lang)}",
                            fmt_ns(o),
                            fmt_ratio(o / n),
                        ],
                        o / n,
                    )
                )
    return Claim(
        suite.claim_spec("Ld"),
        [
            "workload",
            "impl",
            "T",
            "native, Rust (ns/op)",
            "crossing",
            "ns/op",
            "crossing / native",
        ],
        rows,
        "no polyconc primitive has lines both via native (Rust) and via c-abi or pyo3.",
        [PYTHON_K_NOTE],
    )


def claims(suite: Suite, data: Data) -> list[Claim]:
    return [
        spin_vs_mutex(suite, data),
        escalation(suite, data),
        communicate_vs_share(suite, data),
        crossing(suite, data),
    ]


SUITE = module_suite("L", globals())
