"""What a suite is: WORKLOADS.md's part (Spec, parsed here) and the
runner's and report's part (Suite, one module per suite in this package)."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import LANGS
from ..claims import Claim, ClaimSpec, Rule
from ..markdown import section, table

RowKey = tuple[str, str, str]  # lang, impl, via
LANG_NAMES = {"rust": "Rust", "c": "C", "python": "Python"}
# {workload: {(lang, impl, via): {configuration: line}}}
Data = dict[str, dict[RowKey, dict[str, dict]]]


class SpecError(ValueError):
    """WORKLOADS.md lacks what a registered suite needs."""


@dataclass(frozen=True)
class Workload:
    id: str  # "C2"
    name: str  # "spsc"
    shape: str  # what it does, from WORKLOADS.md

    @property
    def title(self) -> str:
        return f"{self.name}: {self.shape}"


@dataclass(frozen=True)
class Spec:
    """What WORKLOADS.md says about one suite."""

    title: str
    # Modes-table rows its programs get besides runs and warmup
    # ("Parameters: M." in its section).
    params: tuple[str, ...]
    workloads: dict[str, Workload]
    kinds: dict[str, str]  # kind -> what it covers
    claims: dict[str, ClaimSpec]


@dataclass(frozen=True)
class Column:
    """A column a workload's table shows before the figures, e.g. "messages"."""

    header: str
    cell: Callable[[dict], str]  # from the row's first line


@dataclass(frozen=True)
class Suite:
    """A suite as the runner and the report use it: one module per suite
    fills in the functions; `spec` is what WORKLOADS.md says."""

    id: str
    units: Mapping[str, str]  # workload -> unit of its figure
    # The suite's own checks of one line (the generic ones are in schema.py).
    check: Callable[[dict], list[str]]
    # A line's configuration: its column in the tables and its chart panel.
    config: Callable[[dict], str]
    config_order: Callable[[str], tuple]
    config_label: Callable[[str], str]  # "capacity 1024"
    # Columns of a workload's table before the figures.
    columns: Callable[[str], list[Column]]
    # What a chart's bar label adds to "lang impl (via)", e.g. "capacity 1"
    # where one panel holds several configurations.
    bar_note: Callable[[dict], str]
    claims: Callable[["Suite", Data], list[Claim]]
    spec: Spec | None = field(default=None, compare=False)
    # What a table cell adds after its figure (e.g. ", 120 cs"), if anything.
    cell_note: Callable[[dict], str] = field(default=lambda line: "", compare=False)
    # Workloads whose configurations are numbers drawn as a line chart against
    # them (workload -> the x axis' name) instead of a bar chart.
    line_charts: Mapping[str, str] = field(default_factory=dict, compare=False)

    def claim_spec(self, claim_id: str) -> ClaimSpec:
        assert self.spec is not None, "load the suite with suites.registry()"
        if claim_id not in self.spec.claims:
            raise SpecError(f"WORKLOADS.md's claims of suite {self.id} lack {claim_id}")
        return self.spec.claims[claim_id]


def module_suite(suite_id: str, module: Mapping[str, Any], **optional: Any) -> Suite:
    """The Suite of a suite module (its `globals()`), which defines the
    functions under the fields' names and its units as `UNITS`; `optional`
    sets the fields with defaults (cell_note, line_charts)."""
    return Suite(
        id=suite_id,
        units=module["UNITS"],
        check=module["check"],
        config=module["config"],
        config_order=module["config_order"],
        config_label=module["config_label"],
        columns=module["columns"],
        bar_note=module["bar_note"],
        claims=module["claims"],
        **optional,
    )


def parse_spec(text: str, suite_id: str) -> Spec:
    """Suite `suite_id`'s section of WORKLOADS.md: '## <id>: <title>', its
    workloads table (| id | shape |), 'Parameters: <names>.' line, kinds table
    (| kind | what |) and '### Claims of suite <id>' table (| id | title |
    claim | ratio | rule |)."""
    heading = re.search(rf"^## {re.escape(suite_id)}: (.+)$", text, re.MULTILINE)
    if heading is None:
        raise SpecError(f"WORKLOADS.md has no section '## {suite_id}: <title>'")
    title = heading.group(1).strip()
    lines = section(text, re.escape(heading.group(0).strip()))
    workloads_table = table(lines, "id", "shape")
    if workloads_table is None:
        raise SpecError(f"suite {suite_id}: no workloads table (| id | shape |)")
    workloads = {}
    for row in workloads_table[1:]:
        wid, _, name = row[0].partition(" ")
        workloads[wid] = Workload(wid, name, row[1])
    declared = re.search(r"^Parameters: ([A-Za-z0-9, ]+)\.", "\n".join(lines), re.MULTILINE)
    if declared is None:
        raise SpecError(f"suite {suite_id}: no line 'Parameters: <names>.'")
    params = tuple(p.strip() for p in declared.group(1).split(","))
    kinds_table = table(lines, "kind", "what")
    kinds = {r[0]: r[1] for r in kinds_table[1:]} if kinds_table else {}
    if not kinds:
        raise SpecError(f"suite {suite_id}: no kinds table (| kind | what |)")
    claims: dict[str, ClaimSpec] = {}
    claims_lines = section(text, re.escape(f"### Claims of suite {suite_id}"))
    if claims_lines is not None:
        claims_table = table(claims_lines, "id", "title", "claim")
        for row in claims_table[1:] if claims_table else []:
            if len(row) != 5:
                raise SpecError(f"suite {suite_id}, claim {row[0]}: {len(row)} cells, not 5")
            try:
                rule = Rule.parse(row[4])
            except ValueError as e:
                raise SpecError(f"suite {suite_id}, claim {row[0]}: {e}") from None
            claims[row[0]] = ClaimSpec(row[0], row[1], row[2], row[3], rule)
    return Spec(title, params, workloads, kinds, claims)


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def row_order(key: RowKey) -> tuple:
    """Rows by language (in LANGS' order), this project's library (impl
    `core`) before peers."""
    lang, impl, via = key
    return (
        LANGS.index(lang) if lang in LANGS else len(LANGS),
        impl != "core",
        impl,
        via,
    )


def is_polyconc(impl: str) -> bool:
    """`core` and its variants (`core.send_many/recv_many`) are this project's."""
    return impl == "core" or impl.startswith("core.")


def best(
    rows: dict[RowKey, dict[str, dict]], col: str, keep: Callable[[RowKey, dict], bool]
) -> tuple[RowKey, float] | None:
    """The row with the lowest median in configuration `col` among those whose
    line there `keep(key, line)` accepts, and that median."""
    found = [
        (k, cells[col]["median"])
        for k, cells in rows.items()
        if col in cells and keep(k, cells[col])
    ]
    return min(found, key=lambda kv: kv[1]) if found else None


def python_note(param: str, per: str) -> str:
    """A claim's note where Python's rows ran with a smaller `param`."""
    return (
        f"Python runs use a smaller {param} than native ones (see Parameters); the figures are "
        f"per {per}, so they compare, but Python's shorter runs carry more of the thread "
        "start-up cost."
    )
