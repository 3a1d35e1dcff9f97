"""The registry of suites. WORKLOADS.md says what a suite is (its workloads and
titles, kinds and claims); a suite's module here says how to read its result
lines (parameters, units, schema checks, configurations) and how to compute the
rows of its claims. The runner and the report know suites only through this
registry: adding a suite is one module here, one entry in REGISTERED and one
program file per language.
"""

import functools
from dataclasses import replace
from pathlib import Path

from .. import COMPARISONS_DIR
from . import suite_c, suite_f, suite_l, suite_x
from .base import Data, RowKey, Suite, parse_spec

__all__ = ["REGISTERED", "Data", "RowKey", "Suite", "default", "registry"]

# Every suite, in the order the runner runs them and the report shows them.
REGISTERED: tuple[Suite, ...] = (suite_c.SUITE, suite_l.SUITE, suite_f.SUITE, suite_x.SUITE)


def registry(text: str) -> dict[str, Suite]:
    """Every registered suite, with what WORKLOADS.md (`text`) says about it."""
    return {s.id: replace(s, spec=parse_spec(text, s.id)) for s in REGISTERED}


@functools.cache
def default() -> dict[str, Suite]:
    """The registry read from comparisons/WORKLOADS.md."""
    return registry(Path(COMPARISONS_DIR / "WORKLOADS.md").read_text())
