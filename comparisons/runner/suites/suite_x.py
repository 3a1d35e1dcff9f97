"""Suite X (execution models): how to read its lines and compute its claims'
rows.

The claims' words and rules are in WORKLOADS.md ("Claims of suite X"). X1's
configurations are pool sizes W; X2 and X3 have one configuration per model
(the implementation). Claims group rows by `kind`, never by implementation
name.
"""

from ..claims import Claim, Row
from ..fmt import fmt_ns, fmt_ratio
from .base import Column, Data, RowKey, Suite, is_int, module_suite, row_order

UNITS = {"X1": "ns/task", "X2": "ns/request", "X3": "ns/task"}
ONE = "model"  # the one configuration of X2 and X3
NON_BLOCKING = ("callback-pool", "green")
LIGHTWEIGHT = ("green", "promise")
MEMORY = ("rss_per_task_b", "vm_per_task_b")
PAGE = 4096  # Xc's floor for a model's virtual size per task (it can be 0)
# Where a language has no platform-thread row of X3, Xc compares with these.
THREAD_FALLBACK = ("java", "rust", "c", "scala", "python")
# No machine does a step of the CPU work in less (WORKLOADS.md, "The work's
# floor"): a faster X1 or X2 line did not do its work.
STEP_FLOOR_NS = 0.4


def _number(v) -> bool:
    return (is_int(v) or isinstance(v, float)) and v >= 0


def check(line: dict) -> list[str]:
    params, workload, errors = line["params"], line["workload"], []
    needed = {
        "X1": ("workers", "tasks", "steps"),
        "X2": ("requests", "latency_ms", "steps"),
        "X3": ("tasks",),
    }[workload]
    for key in needed:
        v = params.get(key)
        if not (is_int(v) and v > 0):
            errors.append(f"params.{key} must be a positive integer, got {v!r}")
    if workload == "X2" and not (is_int(params.get("threads")) and params["threads"] >= 0):
        errors.append(f"params.threads must be an integer >= 0, got {params.get('threads')!r}")
    if not errors and workload != "X3":
        errors += below_floor(line)
    for key in MEMORY:
        if workload == "X3" and not _number(line.get(key)):
            errors.append(f"X3 lines must carry {key}, a number >= 0, got {line.get(key)!r}")
        if workload != "X3" and key in line:
            errors.append(f"only X3 lines carry {key}")
    return errors


def below_floor(line: dict) -> list[str]:
    """Why an X1 or X2 line's fastest run is too fast for its CPU work: the
    work's floor is steps x STEP_FLOOR_NS per task over the threads that run
    it at once (X1's workers, X2's threads, at most the cores; 0 threads: the
    cores)."""
    host, params = line.get("host"), line["params"]
    cpus = host.get("cpus") if isinstance(host, dict) else None
    if not (is_int(cpus) and cpus >= 1 and _number(line.get("min"))):
        return []  # the generic checks say what is wrong
    threads = params["workers"] if line["workload"] == "X1" else params["threads"]
    floor = params["steps"] * STEP_FLOOR_NS / min(threads or cpus, cpus)
    if line["min"] >= floor:
        return []
    return [
        f"its fastest run, {line['min']} {line['unit']}, is below the CPU work's floor of "
        f"{floor:,.0f} ({params['steps']:,} steps x {STEP_FLOOR_NS} ns on "
        f"{min(threads or cpus, cpus)} threads at once): the work was dropped or shortened"
    ]


def config(line: dict) -> str:
    return str(line["params"]["workers"]) if line["workload"] == "X1" else ONE


def config_order(col: str) -> tuple:
    return (int(col),) if col.isdigit() else (0,)


def config_label(col: str) -> str:
    return f"W = {col}" if col.isdigit() else ""


def columns(workload: str) -> list[Column]:
    if workload == "X1":
        return [Column("tasks", lambda ln: f"{ln['params']['tasks']:,}")]
    out = [Column("ctx switches", lambda ln: f"{ln.get('ctx_switches', 0):,.0f}")]
    if workload == "X2":
        return [
            Column("requests", lambda ln: f"{ln['params']['requests']:,}"),
            Column("OS threads", lambda ln: str(ln["params"]["threads"] or "runtime")),
            *out,
        ]
    return [
        Column("tasks", lambda ln: f"{ln['params']['tasks']:,}"),
        Column("resident B/task", lambda ln: f"{ln['rss_per_task_b']:,.0f}"),
        Column("virtual B/task", lambda ln: f"{ln['vm_per_task_b']:,.0f}"),
        *out,
    ]


def bar_note(line: dict) -> str:
    return line["kind"] if line["workload"] != "X1" else ""


def cell_note(line: dict) -> str:
    """X1's table shows each pool size's context switches beside its figure."""
    return f", {line.get('ctx_switches', 0):,.0f} cs" if line["workload"] == "X1" else ""


def threads_are_cores(suite: Suite, data: Data) -> Claim:
    rows = []
    for key, cells in sorted(data.get("X1", {}).items(), key=lambda kv: row_order(kv[0])):
        cores = str(next(iter(cells.values()))["host"]["cpus"])
        if "1" not in cells or cores not in cells:
            continue
        at = {w: ln["median"] for w, ln in cells.items()}
        best_w = min(at, key=at.get)
        ratio, ratio2 = at[cores] / at[best_w], at["1"] / at[cores]
        rows.append(
            Row(
                "/".join(key),
                [
                    *key,
                    cores,
                    fmt_ns(at["1"]),
                    fmt_ns(at[cores]),
                    f"{fmt_ns(at[best_w])} (W = {best_w})",
                    fmt_ratio(ratio),
                    fmt_ratio(ratio2),
                ],
                ratio,
                ratio2,
            )
        )
    return Claim(
        suite.claim_spec("Xa"),
        [
            "lang",
            "impl",
            "via",
            "cores",
            "W = 1 (ns/task)",
            "W = cores",
            "best W",
            "cores / best",
            "1 / cores",
        ],
        rows,
        "no implementation reported X1 at both W = 1 and W = cores.",
    )


def single(data: Data, workload: str) -> dict[RowKey, dict]:
    """The one line of each implementation of X2 or X3."""
    return {k: cells[ONE] for k, cells in data.get(workload, {}).items() if ONE in cells}


def async_saves_waiting(suite: Suite, data: Data) -> Claim:
    lines = single(data, "X2")
    rows = []
    for lang in sorted({k[0] for k in lines}, key=lambda lg: row_order((lg, "", ""))):
        mine = {k: ln for k, ln in lines.items() if k[0] == lang}
        blocking = [
            ln
            for ln in mine.values()
            if ln["kind"] == "blocking-pool" and ln["params"]["threads"] == ln["host"]["cpus"]
        ]
        if not blocking:
            continue
        pool = min(blocking, key=lambda ln: ln["median"])
        for key in sorted(mine, key=row_order):
            model = mine[key]
            if model["kind"] not in NON_BLOCKING:
                continue
            ratio = pool["median"] / model["median"]
            ratio2 = pool.get("ctx_switches", 0) / max(model.get("ctx_switches", 0), 1)
            rows.append(
                Row(
                    f"{lang} {key[1]}",
                    [
                        lang,
                        f"{pool['impl']}",
                        f"{key[1]} ({model['kind']})",
                        fmt_ns(pool["median"]),
                        fmt_ns(model["median"]),
                        f"{pool.get('ctx_switches', 0):,.0f}",
                        f"{model.get('ctx_switches', 0):,.0f}",
                        fmt_ratio(ratio),
                        fmt_ratio(ratio2),
                    ],
                    ratio,
                    ratio2,
                )
            )
    return Claim(
        suite.claim_spec("Xb"),
        [
            "lang",
            "blocking pool",
            "non-blocking model",
            "blocking ns/request",
            "model ns/request",
            "blocking cs",
            "model cs",
            "time blocking / model",
            "cs blocking / model",
        ],
        rows,
        "no language has both a blocking pool of cores threads and a non-blocking model in X2.",
    )


def thread_cost(suite: Suite, data: Data) -> Claim:
    lines = single(data, "X3")
    threads = {k[0]: ln for k, ln in lines.items() if ln["kind"] == "thread-per-request"}
    rows = []
    for key in sorted(lines, key=row_order):
        model = lines[key]
        if model["kind"] not in LIGHTWEIGHT:
            continue
        ref_lang = (
            key[0]
            if key[0] in threads
            else next((lg for lg in THREAD_FALLBACK if lg in threads), None)
        )
        if ref_lang is None:
            continue
        ref = threads[ref_lang]
        ratio = ref["vm_per_task_b"] / max(model["vm_per_task_b"], PAGE)
        ratio2 = ref["median"] / model["median"]
        rows.append(
            Row(
                "/".join(key),
                [
                    *key,
                    model["kind"],
                    f"{ref_lang} {ref['impl']}",
                    f"{ref['vm_per_task_b']:,.0f} / {ref['rss_per_task_b']:,.0f}",
                    f"{model['vm_per_task_b']:,.0f} / {model['rss_per_task_b']:,.0f}",
                    f"{fmt_ns(ref['median'])} / {fmt_ns(model['median'])}",
                    fmt_ratio(ratio),
                    fmt_ratio(ratio2),
                ],
                ratio,
                ratio2,
            )
        )
    return Claim(
        suite.claim_spec("Xc"),
        [
            "lang",
            "impl",
            "via",
            "kind",
            "platform threads",
            "threads B/task (virtual / resident)",
            "model B/task (virtual / resident)",
            "ns/task threads / model",
            "virtual size: threads / model",
            "time: threads / model",
        ],
        rows,
        "no lightweight X3 model with a platform-thread row to compare against.",
    )


def claims(suite: Suite, data: Data) -> list[Claim]:
    return [
        threads_are_cores(suite, data),
        async_saves_waiting(suite, data),
        thread_cost(suite, data),
    ]


SUITE = module_suite(
    "X",
    globals(),
    cell_note=cell_note,
    line_charts={"X1": "pool size W (workers), log scale"},
)
