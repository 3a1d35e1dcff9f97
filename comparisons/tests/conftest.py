import os
import subprocess
import sys
from pathlib import Path

COMPARISONS = Path(__file__).resolve().parent.parent
# `import runner` works whether pytest starts in comparisons/ or the repo root.
sys.path.insert(0, str(COMPARISONS))
FIXTURES = COMPARISONS / "tests" / "fixtures"


def section(text, title):
    """From the heading that starts with `title` to the next heading of its level."""
    start = text.index(title)
    level = title.split(" ")[0]
    end = text.find(f"\n{level} ", start + 1)
    return text[start : end if end != -1 else None]


def verdicts(text, claims):
    """Each claim's verdict as the report writes it ("**Held** (2 of 2)")."""
    return {c: section(text, f"#### {c}:").split("\n\n")[3].split(" on this")[0] for c in claims}


def python_bench(*args, polyconc_dir=None):
    """Runs comparisons/python/bench.py with `args`; `polyconc_dir` (a folder of
    tests/) on PYTHONPATH stands in for polyconc."""
    env = dict(os.environ)
    if polyconc_dir:
        env["PYTHONPATH"] = str(COMPARISONS / "tests" / polyconc_dir)
    return subprocess.run(
        [sys.executable, str(COMPARISONS / "python" / "bench.py"), *args],
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
        env=env,
    )
