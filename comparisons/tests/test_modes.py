import pytest

from conftest import COMPARISONS
from runner.modes import ModesError, Param, arguments, parse_modes


def values(params):
    return {name: p.value for name, p in params.items()}


def test_parses_the_real_modes_table():
    modes = parse_modes((COMPARISONS / "WORKLOADS.md").read_text())
    assert set(modes) == {"full", "quick", "smoke"}
    full, quick = modes["full"], modes["quick"]
    assert values(full["native"]) == {
        "runs": 5,
        "warmup": 1,
        "M": 1000000,
        "M0": 1000000,
        "K": 10000000,
        "K0": 10000000,
        "T": (2, 4, 8),
        "N": 100000,
        "W": (1, 2, 4, 8, 32, 128),
        "D": 1,
        "Q": 10000,
        "I": 500,
        "S": 200,
    }
    assert values(full["python"])["M"] == 200000 and full["python"]["T"].value == (2, 4)
    # L3's critical section is calibrated per flavour; quick mode halves the window.
    assert full["python"]["I"] == Param("I", "--work", 5)
    assert quick["native"]["S"] == Param("S", "--window-ms", 100)
    assert quick["native"]["M"] == Param("M", "--messages", 200000)
    assert quick["python"]["M"].value == 20000
    # Quick mode cuts the hand-off configurations' M0 further than M.
    assert quick["native"]["M0"] == Param("M0", "--handoff-messages", 20000)
    assert quick["native"]["K0"] == Param("K0", "--handoff-ops", 100000)
    assert quick["python"]["Q"].value == 1000
    # "smoke (all)" gives both flavours the same numbers.
    assert modes["smoke"]["native"] == modes["smoke"]["python"]
    assert modes["smoke"]["native"]["T"] == Param("T", "--threads", 2)


def test_arguments_are_runs_warmup_then_the_suites_parameters():
    modes = parse_modes((COMPARISONS / "WORKLOADS.md").read_text())
    native = modes["quick"]["native"]
    assert arguments(native, ("M",)) == [
        "--runs",
        "5",
        "--warmup",
        "1",
        "--messages",
        "200000",
    ]
    assert arguments(native, ("T", "W"))[4:] == [
        "--threads",
        "2,4,8",
        "--pool-sizes",
        "1,2,4,8,32",  # quick mode drops W = 128
    ]
    with pytest.raises(ModesError, match="no row 'Z'"):
        arguments(native, ("Z",))


TABLE = """# Title

## Modes

Some words.

| name | flag | fast (native) | fast (Python) | tiny (all) |
|---|---|---|---|---|
| M | --messages | 1000 | 100 | 10 |
| runs | --runs | 3 | 3 | 1 |
| warmup | --warmup | 1 | 1 | 0 |
| T | --threads | 2,4 | 2 | 2 |

## Program interface
| M | --messages | 5 | 5 | 5 |
"""


def test_parses_a_custom_table_and_stops_at_the_next_section():
    modes = parse_modes(TABLE)
    assert values(modes["fast"]["native"]) == {
        "M": 1000,
        "runs": 3,
        "warmup": 1,
        "T": (2, 4),
    }
    assert values(modes["fast"]["python"]) == {"M": 100, "runs": 3, "warmup": 1, "T": 2}
    assert modes["tiny"]["python"]["M"].text() == "10"
    assert modes["fast"]["native"]["T"].text() == "2,4"


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
        (TABLE.replace("| flag |", "| switch |"), "must be 'name' and 'flag'"),
        (TABLE.replace("| --threads |", "| threads |"), "flag 'threads' is not --name"),
        (
            TABLE.replace("| warmup | --warmup | 1 | 1 | 0 |\n", ""),
            "lacks rows for warmup",
        ),
    ],
)
def test_rejects_a_broken_table_with_a_clear_error(text, message):
    with pytest.raises(
        ModesError,
        match=message.replace("(", r"\(").replace(")", r"\)").replace("|", r"\|"),
    ):
        parse_modes(text)
