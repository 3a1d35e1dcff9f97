"""The Python examples of the READMEs run, and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from _helpers import run_child

HERE = Path(__file__).resolve().parent
READMES = [HERE.parent.parent / "README.md", HERE.parent / "README.md"]

# A run picked the closed `results` before the buffered `errors` about one
# time in seven; this many runs would almost surely see such a slip.
RUNS = 30


def python_examples(readme: Path) -> list[str]:
    """The ```python blocks of `readme` (for the root README: of its
    "## Python" section)."""
    text = readme.read_text()
    section = text.split("\n## Python\n", 1)[-1].split("\n## ", 1)[0]
    found = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert found, f"no Python example in {readme}"
    return found


EXAMPLES = [(readme, i) for readme in READMES for i in range(len(python_examples(readme)))]


def promised_output(code: str) -> list[str]:
    """The lines the example's comments say it prints: `print(...)  # out`."""
    return [line.split("  # ", 1)[1] for line in code.splitlines() if "print(" in line]


@pytest.mark.parametrize(
    ("readme", "index"),
    EXAMPLES,
    ids=[f"{p.relative_to(HERE.parent.parent)}-{i}" for p, i in EXAMPLES],
)
def test_python_example_prints_what_it_says(readme: Path, index: int) -> None:
    code = python_examples(readme)[index]
    expected = promised_output(code)
    assert expected, "the example says what it prints"
    assert run_child(code).splitlines() == expected  # as a user runs it
    for _ in range(RUNS):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(readme), "exec"), {})
        assert out.getvalue().splitlines() == expected
