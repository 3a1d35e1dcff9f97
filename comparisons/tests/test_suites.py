"""The suite registry reads its suites' workloads, kinds and claims from WORKLOADS.md."""

import pytest

from conftest import COMPARISONS
from runner import suites
from runner.claims import Rule, RuleError
from runner.suites.base import SpecError, parse_spec

TEXT = (COMPARISONS / "WORKLOADS.md").read_text()


def test_suite_c_comes_from_workloads_md():
    c = suites.registry(TEXT)["C"]
    assert c.spec.title == "channels (Go channel, Java BlockingQueue put/take)"
    assert list(c.spec.workloads) == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert c.spec.workloads["C2"].title == "spsc: 1 producer, 1 consumer"
    assert set(c.spec.kinds) == {"channel", "queue", "batch"}
    assert list(c.spec.claims) == ["Ca", "Cb", "Cc", "Cd", "Ce"]
    assert c.spec.claims["Ca"].rule == Rule(">", 1.0)
    assert c.spec.claims["Cd"].rule == Rule("<=", 1.0)
    # Every workload has a unit, and the programs get M.
    assert set(c.units) == set(c.spec.workloads) and c.spec.params == ("M", "M0")


@pytest.mark.parametrize(
    "text, ratio, holds",
    [
        ("ratio > 1.00", 1.0, False),
        ("ratio >= 1", 1.0, True),
        ("ratio < 0.5", 0.4, True),
    ],
)
def test_rules(text, ratio, holds):
    assert Rule.parse(text).holds(ratio) is holds


def test_a_rule_that_is_not_a_comparison_is_refused():
    with pytest.raises(RuleError, match="is not 'ratio <op> <number>'"):
        Rule.parse("ratio is large")
    with pytest.raises(SpecError, match="claim Ca: rule 'mostly'"):
        parse_spec(TEXT.replace("| ratio > 1.00 |", "| mostly |", 1), "C")


@pytest.mark.parametrize(
    "edit, message",
    [
        (("## C: channels", "## C channels"), "no section '## C: <title>'"),
        (("| kind | what |\n|---|", "| sort | what |\n|---|"), "no kinds table"),
        (("Parameters: M, M0.", "Parameters: none"), "no line 'Parameters: <names>.'"),
        (
            ("| id | shape |\n|---|---|\n| C1", "| name | shape |\n|---|---|\n| C1"),
            "no workloads table",
        ),
    ],
)
def test_missing_parts_of_a_suite_are_named(edit, message):
    with pytest.raises(SpecError, match=message):
        parse_spec(TEXT.replace(*edit, 1), "C")
