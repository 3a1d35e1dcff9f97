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


def python_example(readme: Path) -> str:
    """The first Python example of `readme`: the channel's."""
    return python_examples(readme)[0]


def promised_output(code: str) -> list[str]:
    """The lines the example's comments say it prints: `print(...)  # out`."""
    return [line.split("  # ", 1)[1] for line in code.splitlines() if "print(" in line]


@pytest.mark.parametrize("readme", READMES, ids=lambda p: str(p.relative_to(HERE.parent.parent)))
def test_python_example_prints_what_it_says(readme: Path) -> None:
    code = python_example(readme)
    expected = promised_output(code)
    assert expected == ["error: bad job -3", "total 21"]
    assert run_child(code).splitlines() == expected  # as a user runs it
    for _ in range(RUNS):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(readme), "exec"), {})
        assert out.getvalue().splitlines() == expected


def test_root_readme_lock_example_prints_what_it_says() -> None:
    examples = python_examples(READMES[0])
    assert len(examples) == 2
    code = examples[1]
    expected = promised_output(code)
    assert expected == ["count 4000"]
    assert run_child(code).splitlines() == expected
