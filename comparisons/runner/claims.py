"""Claims as values: what WORKLOADS.md says (title, statement, ratio, rule), the
rows a suite computes from one run, and the verdict the rule gives on them."""

import operator
import re
from dataclasses import dataclass, field

from .fmt import fmt_ratio, spread

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
_CLAUSE = r"(ratio2?)\s*(>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)?)"
_RULE = re.compile(rf"^{_CLAUSE}(?:\s+and\s+{_CLAUSE})?$")


class RuleError(ValueError):
    """A claim's rule in WORKLOADS.md is not `ratio <op> <number>` (optionally
    `and ratio2 <op> <number>`)."""


@dataclass(frozen=True)
class Rule:
    """`ratio <op> <threshold>`, optionally `and ratio2 <op2> <threshold2>`:
    true in a row whose ratios satisfy every comparison."""

    op: str
    threshold: float
    op2: str | None = None
    threshold2: float | None = None

    @classmethod
    def parse(cls, text: str) -> "Rule":
        m = _RULE.match(text.strip())
        if not m or m.group(1) != "ratio" or m.group(4) not in (None, "ratio2"):
            raise RuleError(
                f"rule {text!r} is not 'ratio <op> <number>' or 'ratio <op> <number> and "
                "ratio2 <op> <number>' (op: >, >=, <, <=)"
            )
        second = (m.group(5), float(m.group(6))) if m.group(4) else (None, None)
        return cls(m.group(2), float(m.group(3)), *second)

    def holds(self, ratio: float, ratio2: float | None = None) -> bool:
        if not _OPS[self.op](ratio, self.threshold):
            return False
        if self.op2 is None:
            return True
        return ratio2 is not None and _OPS[self.op2](ratio2, self.threshold2)

    def __str__(self) -> str:
        first = f"ratio {self.op} {self.threshold:.2f}"
        return first if self.op2 is None else f"{first} and ratio2 {self.op2} {self.threshold2:.2f}"


@dataclass(frozen=True)
class ClaimSpec:
    """One row of a suite's claims table in WORKLOADS.md."""

    id: str
    title: str
    statement: str
    ratio: str  # how the ratio of a row is computed
    rule: Rule


@dataclass(frozen=True)
class Row:
    """One row of a claim's table: its cells (the ratio last) and its ratio."""

    label: str  # names the row in the verdict's list of exceptions
    cells: list[str]
    ratio: float
    ratio2: float | None = None  # for a rule that compares two ratios


@dataclass(frozen=True)
class Verdict:
    held: int
    total: int

    def __str__(self) -> str:
        if self.total == 0:
            return "**No data**"
        if self.held == self.total:
            return f"**Held** ({self.held} of {self.total})"
        if self.held == 0:
            return f"**Did not hold** (0 of {self.total})"
        return f"**Held in {self.held} of {self.total}**"


@dataclass(frozen=True)
class Claim:
    """A claim checked on one run: WORKLOADS.md's text, the rows, the verdict."""

    spec: ClaimSpec
    header: list[str]  # the ratio's column last; its name names the ratio
    rows: list[Row]
    no_data: str  # why there are no rows, when there are none
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def statement(self) -> str:
        return self.spec.statement

    @property
    def rule(self) -> Rule:
        return self.spec.rule

    @property
    def verdict(self) -> Verdict:
        return Verdict(
            sum(1 for r in self.rows if self.rule.holds(r.ratio, r.ratio2)), len(self.rows)
        )


def _numeric(cell: str) -> bool:
    return bool(re.fullmatch(r"[—\d.,×]+", cell))


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table; columns of numbers (and —) are right-aligned."""
    align = ["---:|" if all(_numeric(r[i]) for r in rows) else "---|" for i in range(len(header))]
    return [
        "| " + " | ".join(header) + " |",
        "|" + "".join(align),
        *["| " + " | ".join(r) + " |" for r in rows],
    ]


def ratios(row: Row) -> str:
    """A row's ratio, and its ratio2 where it has one."""
    second = f", {fmt_ratio(row.ratio2)}" if row.ratio2 is not None else ""
    return fmt_ratio(row.ratio) + second


def render(claim: Claim, level: str) -> list[str]:
    """A claim as Markdown under a heading of `level` ("####"): statement and
    rule, table, verdict."""
    out = [
        f"{level} {claim.spec.id}: {claim.title}",
        "",
        (
            f"Claim: {claim.statement}. Ratio = {claim.spec.ratio}. "
            f"Rule: held in a row if {claim.rule}."
        ),
        "",
    ]
    if not claim.rows:
        return [*out, f"**No data**: {claim.no_data}", ""]
    out += table(claim.header, [r.cells for r in claim.rows])
    verdict = claim.verdict
    # A two-ratio rule's table ends with ratio, ratio2; otherwise with ratio.
    two = claim.rule.op2 is not None
    spreads = f"{claim.header[-2 if two else -1]} {spread([r.ratio for r in claim.rows])}"
    if two:
        ratio2s = [r.ratio2 for r in claim.rows if r.ratio2 is not None]
        spreads += f"; {claim.header[-1]} {spread(ratio2s)}" if ratio2s else ""
    out += ["", f"{verdict} on this machine: {spreads}."]
    if 0 < verdict.held < verdict.total:
        held = [r for r in claim.rows if claim.rule.holds(r.ratio, r.ratio2)]
        failed = [r for r in claim.rows if not claim.rule.holds(r.ratio, r.ratio2)]
        # Name the exceptions: the smaller side.
        word, rows = ("Held", held) if len(held) < len(failed) else ("Did not hold", failed)
        out.append(f"{word} for: " + ", ".join(f"{r.label} ({ratios(r)})" for r in rows) + ".")
    return [*out, *[n for note in claim.notes for n in ("", note)], ""]
