"""Comparison runner and report for the polyconc cross-language benchmarks.

`python -m runner` (from comparisons/) builds and runs every language's
benchmark program with the parameters of WORKLOADS.md's Modes table;
`python -m runner.report` turns a results file into report/REPORT.md.
"""

from pathlib import Path

# The comparisons/ folder: the runner lives in comparisons/runner/.
COMPARISONS_DIR = Path(__file__).resolve().parent.parent
# The languages: each has comparisons/<lang>/Makefile and a program for every
# suite. Programs run, and tables list their rows, in this order: the core's
# own language first, then its C ABI, the peers, and Python.
LANGS = ("rust", "c", "go", "java", "scala", "python")
