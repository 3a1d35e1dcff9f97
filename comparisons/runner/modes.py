"""Parse the Modes table of WORKLOADS.md, the single source of every parameter's
value and of the flag that passes it to the programs."""

import re
from dataclasses import dataclass

from .markdown import section, tables

FLAVORS = ("native", "python")
# Passed to every program whatever its suite.
COMMON = ("runs", "warmup")


class ModesError(ValueError):
    """WORKLOADS.md has no usable Modes table."""


@dataclass(frozen=True)
class Param:
    """One parameter of one mode and flavour: `--flag value`."""

    name: str
    flag: str
    value: int | tuple[int, ...]

    def text(self) -> str:
        """The flag's value: an integer, or a comma-separated list."""
        if isinstance(self.value, tuple):
            return ",".join(str(v) for v in self.value)
        return str(self.value)


Params = dict[str, Param]  # name -> parameter
_HEADER = re.compile(r"^\s*(\w+)\s*\(\s*(native|python|all)\s*\)\s*$", re.IGNORECASE)


def _value(text: str, where: str) -> int | tuple[int, ...]:
    """An integer, or a comma-separated list of them (no thousands separators)."""
    try:
        items = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise ModesError(
            f"Modes table: {where}: {text!r} is not an integer or a list of them"
        ) from None
    return items if "," in text else items[0]


def parse_modes(text: str) -> dict[str, dict[str, Params]]:
    """Return {mode: {"native": Params, "python": Params}}.

    A column "<mode> (all)" gives the same numbers to both flavours.
    """
    lines = section(text, r"##\s+Modes")
    if lines is None:
        raise ModesError("WORKLOADS.md has no '## Modes' section")
    found = tables(lines)
    if not found or len(found[0]) < 2:
        raise ModesError("the Modes section has no table with a header and rows")
    header, *rows = found[0]
    if header[:2] != ["name", "flag"]:
        raise ModesError(
            f"Modes table: the first two columns must be 'name' and 'flag', got {header[:2]}"
        )
    columns: list[tuple[str, tuple[str, ...]]] = []
    for name in header[2:]:
        m = _HEADER.match(name)
        if not m:
            raise ModesError(f"Modes table: column {name!r} is not '<mode> (native|python|all)'")
        flavor = m.group(2).lower()
        columns.append((m.group(1).lower(), FLAVORS if flavor == "all" else (flavor,)))
    result: dict[str, dict[str, Params]] = {}
    for row in rows:
        if len(row) != len(header):
            raise ModesError(
                f"Modes table: row {row[0]!r} has {len(row)} cells, header has {len(header)}"
            )
        name, flag = row[0], row[1]
        if not flag.startswith("--"):
            raise ModesError(f"Modes table: row {name!r}: flag {flag!r} is not --name")
        for (mode, flavors), cell in zip(columns, row[2:], strict=True):
            value = _value(cell, f"row {name}, column {mode}")
            for flavor in flavors:
                result.setdefault(mode, {}).setdefault(flavor, {})[name] = Param(name, flag, value)
    for mode, flavors in result.items():
        if set(flavors) != set(FLAVORS):
            raise ModesError(f"Modes table: mode {mode} needs both a native and a Python column")
        missing = [c for c in COMMON if c not in flavors["native"]]
        if missing:
            raise ModesError(f"Modes table: mode {mode} lacks rows for {', '.join(missing)}")
    return result


def arguments(params: Params, names: tuple[str, ...]) -> list[str]:
    """The command-line flags for the parameters `names` (runs and warmup first)."""
    out: list[str] = []
    for name in (*COMMON, *names):
        if name not in params:
            raise ModesError(f"Modes table has no row {name!r}")
        out += [params[name].flag, params[name].text()]
    return out
