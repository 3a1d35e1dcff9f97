"""Parse the Modes table of WORKLOADS.md, the single source of M, runs, warmup, T."""

import re
from dataclasses import dataclass

FLAVORS = ("native", "python")


class ModesError(ValueError):
    """WORKLOADS.md has no usable Modes table."""


@dataclass(frozen=True)
class ModeParams:
    messages: int
    runs: int
    warmup: int
    threads: tuple[int, ...]

    def as_dict(self) -> dict:
        return {
            "messages": self.messages,
            "runs": self.runs,
            "warmup": self.warmup,
            "threads": list(self.threads),
        }


# Row names in the table -> field of ModeParams.
_ROWS = {"M": "messages", "runs": "runs", "warmup": "warmup", "T": "threads"}
_HEADER = re.compile(r"^\s*(\w+)\s*\(\s*(native|python|all)\s*\)\s*$", re.IGNORECASE)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _int(text: str, where: str) -> int:
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise ModesError(f"Modes table: {where}: {text!r} is not an integer") from None


def parse_modes(text: str) -> dict[str, dict[str, ModeParams]]:
    """Return {mode: {"native": ModeParams, "python": ModeParams}}.

    A column "<mode> (all)" gives the same numbers to both flavours.
    """
    lines = text.splitlines()
    try:
        start = next(
            i for i, ln in enumerate(lines) if re.match(r"^##\s+Modes\s*$", ln)
        )
    except StopIteration:
        raise ModesError("WORKLOADS.md has no '## Modes' section") from None
    table: list[list[str]] = []
    for ln in lines[start + 1 :]:
        if ln.startswith("#"):
            break
        if ln.lstrip().startswith("|"):
            table.append(_cells(ln))
        elif table:
            break  # the first table of the section ends here
    if len(table) < 3:
        raise ModesError("the Modes section has no table with a header and rows")
    header, rows = table[0], [r for r in table[2:]]
    columns: list[tuple[str, tuple[str, ...]]] = []
    for name in header[1:]:
        m = _HEADER.match(name)
        if not m:
            raise ModesError(
                f"Modes table: column {name!r} is not '<mode> (native|python|all)'"
            )
        flavor = m.group(2).lower()
        columns.append((m.group(1).lower(), FLAVORS if flavor == "all" else (flavor,)))
    values: dict[tuple[str, str], dict[str, object]] = {}
    for row in rows:
        key = row[0]
        if key not in _ROWS:
            continue  # rows the runner does not need are allowed
        if len(row) != len(header):
            raise ModesError(
                f"Modes table: row {key!r} has {len(row)} cells, header has {len(header)}"
            )
        for (mode, flavors), cell in zip(columns, row[1:]):
            where = f"row {key}, column {mode}"
            if key == "T":
                value: object = tuple(
                    _int(t, where) for t in cell.split(",") if t.strip()
                )
            else:
                value = _int(cell, where)
            for flavor in flavors:
                values.setdefault((mode, flavor), {})[_ROWS[key]] = value
    result: dict[str, dict[str, ModeParams]] = {}
    for (mode, flavor), fields in values.items():
        missing = sorted(set(_ROWS.values()) - set(fields))
        if missing:
            raise ModesError(
                f"Modes table: mode {mode} ({flavor}) lacks rows for {', '.join(missing)}"
            )
        result.setdefault(mode, {})[flavor] = ModeParams(**fields)
    for mode, flavors in result.items():
        if set(flavors) != set(FLAVORS):
            raise ModesError(
                f"Modes table: mode {mode} needs both a native and a Python column"
            )
    return result
