import pytest
from conftest import COMPARISONS

from runner.modes import ModeParams, ModesError, parse_modes


def test_parses_the_real_modes_table():
    modes = parse_modes((COMPARISONS / "WORKLOADS.md").read_text())
    assert set(modes) == {"full", "quick", "smoke"}
    assert modes["full"]["native"] == ModeParams(1000000, 5, 1, (2, 4, 8))
    assert modes["full"]["python"] == ModeParams(200000, 5, 1, (2, 4))
    assert modes["quick"]["native"] == ModeParams(200000, 5, 1, (2, 4, 8))
    assert modes["quick"]["python"] == ModeParams(20000, 5, 1, (2, 4))
    # "smoke (all)" gives both flavours the same numbers.
    assert (
        modes["smoke"]["native"]
        == modes["smoke"]["python"]
        == ModeParams(2000, 1, 0, (2,))
    )


TABLE = """# Title

## Modes

Some words.

| name | fast (native) | fast (Python) | tiny (all) |
|---|---|---|---|
| M | 1,000 | 100 | 10 |
| runs | 3 | 3 | 1 |
| warmup | 1 | 1 | 0 |
| T | 2,4 | 2 | 2 |
| other | x | y | z |

## Program interface
| M | 5 | 5 | 5 |
"""


def test_parses_a_custom_table_and_stops_at_the_next_section():
    modes = parse_modes(TABLE)
    assert modes["fast"]["native"] == ModeParams(1000, 3, 1, (2, 4))
    assert modes["fast"]["python"] == ModeParams(100, 3, 1, (2,))
    assert modes["tiny"]["python"] == ModeParams(10, 1, 0, (2,))


@pytest.mark.parametrize(
    "text, message",
    [
        ("# nothing here\n", "no '## Modes' section"),
        ("## Modes\n\nno table\n", "no table"),
        (
            TABLE.replace("| 3 | 3 | 1 |", "| three | 3 | 1 |"),
            "'three' is not an integer",
        ),
        (
            TABLE.replace("fast (Python)", "fast (gpu)"),
            "is not '<mode> (native|python|all)'",
        ),
        (TABLE.replace("| warmup | 1 | 1 | 0 |\n", ""), "lacks rows for warmup"),
    ],
)
def test_rejects_a_broken_table_with_a_clear_error(text, message):
    with pytest.raises(
        ModesError,
        match=message.replace("(", r"\(").replace(")", r"\)").replace("|", r"\|"),
    ):
        parse_modes(text)
