"""Suite F (futures and promises): how to read its lines and compute its
claim's rows.

The claim's words and rule are in WORKLOADS.md ("Claims of suite F"). A
configuration is one executor (`global`, `fixed`, `runtime`).
"""

from ..claims import Claim, Row
from ..fmt import fmt_ns, fmt_ratio
from .base import Column, Data, RowKey, Suite, is_int, module_suite, row_order

UNITS = {"F1": "ns/stage", "F2": "ns/task", "F3": "ns/roundtrip"}
EXECUTORS = ("global", "fixed", "runtime")
# The pattern's home: every other future library is measured against its
# futures (Scala's `Future`, and `Promise` on F3).
HOME = "scala"


def check(line: dict) -> list[str]:
    params, workload, errors = line["params"], line["workload"], []
    executor = params.get("executor")
    if executor not in EXECUTORS:
        errors.append(f"params.executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    needed = {"F1": ("tasks", "chains", "stages"), "F2": ("tasks",), "F3": ("round_trips",)}
    for key in needed.get(workload, ()):
        v = params.get(key)
        if not (is_int(v) and v > 0):
            errors.append(f"params.{key} must be a positive integer, got {v!r}")
    return errors


def config(line: dict) -> str:
    return line["params"]["executor"]


def config_order(col: str) -> tuple:
    return (EXECUTORS.index(col) if col in EXECUTORS else len(EXECUTORS), col)


def config_label(col: str) -> str:
    return f"executor {col}"


def columns(workload: str) -> list[Column]:
    count = "round_trips" if workload == "F3" else "tasks"
    return [Column(count.replace("_", " "), lambda ln: f"{ln['params'][count]:,}")]


def bar_note(line: dict) -> str:
    return ""


def best_cell(cells: dict[str, dict]) -> dict:
    """The line of the executor with the lowest median."""
    return min(cells.values(), key=lambda ln: ln["median"])


def across_languages(suite: Suite, data: Data) -> Claim:
    rows = []
    for workload in suite.spec.workloads:
        lines = data.get(workload, {})
        futures = {k: best_cell(cells) for k, cells in lines.items()}
        futures = {k: ln for k, ln in futures.items() if ln["kind"] == "future"}
        home = [ln for k, ln in futures.items() if k[0] == HOME]
        if not home:
            continue
        scala = min(home, key=lambda ln: ln["median"])
        others: list[RowKey] = [k for k in futures if k[0] != HOME]
        for key in sorted(others, key=row_order):
            mine = best_cell(lines[key])
            ratio = mine["median"] / scala["median"]
            rows.append(
                Row(
                    f"{workload} {'/'.join(key)}",
                    [
                        workload,
                        *key,
                        f"{fmt_ns(mine['median'])} ({mine['params']['executor']})",
                        f"{fmt_ns(scala['median'])} ({scala['impl']}, "
                        f"{scala['params']['executor']})",
                        fmt_ratio(ratio),
                    ],
                    ratio,
                )
            )
    return Claim(
        suite.claim_spec("Fa"),
        [
            "workload",
            "lang",
            "impl",
            "via",
            "median (executor)",
            "Scala (impl, executor)",
            "ratio to Scala",
        ],
        rows,
        "no workload has both a Scala `future` line and a `future` line of another language.",
    )


def claims(suite: Suite, data: Data) -> list[Claim]:
    return [across_languages(suite, data)]


SUITE = module_suite("F", globals())
