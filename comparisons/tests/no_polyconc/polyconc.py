"""Shadows any installed polyconc so a test sees bench.py without it."""

raise ImportError("polyconc hidden by the test")
