"""One function renders every claim; the verdict comes from the rule."""

from runner.claims import Claim, ClaimSpec, Row, Rule, render

SPEC = ClaimSpec("Xa", "A title", "x is small", "x / 1", Rule("<", 1.0))


def claim(*ratios):
    rows = [Row(f"r{i}", [f"r{i}", f"{r:.2f}×"], r) for i, r in enumerate(ratios)]
    return Claim(SPEC, ["row", "x / 1"], rows, "no x.", ["A note."])


def test_the_minority_side_is_named():
    text = "\n".join(render(claim(0.5, 2.0, 3.0), "####"))
    assert "#### Xa: A title" in text
    assert "Claim: x is small. Ratio = x / 1. Rule: held in a row if ratio < 1.00." in text
    assert "**Held in 1 of 3** on this machine: x / 1 from 0.50× to 3.00× (median 2.00×)." in text
    assert "Held for: r0 (0.50×)." in text and "Did not hold for" not in text
    assert text.rstrip().endswith("A note.")
    text = "\n".join(render(claim(0.5, 0.6, 3.0), "####"))
    assert "Did not hold for: r2 (3.00×)." in text


def test_all_none_and_no_rows():
    assert str(claim(0.1, 0.2).verdict) == "**Held** (2 of 2)"
    assert str(claim(1.0).verdict) == "**Did not hold** (0 of 1)"  # 1.0 is not < 1.0
    text = "\n".join(render(claim(), "###"))
    assert "**No data**: no x." in text and "|" not in text
