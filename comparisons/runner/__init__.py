"""Comparison runner and report for the polyconc cross-language benchmarks.

`python -m runner` (from comparisons/) builds and runs every language's
benchmark program with the parameters of WORKLOADS.md's Modes table;
`python -m runner.report` turns a results file into report/REPORT.md.
"""

from pathlib import Path

# The comparisons/ folder: the runner lives in comparisons/runner/.
COMPARISONS_DIR = Path(__file__).resolve().parent.parent
# Languages in the order they run; each has comparisons/<lang>/Makefile.
LANGS = ("go", "java", "rust", "c", "python")
