"""How the runner and the report write numbers."""

import statistics


def fmt_ns(v: float) -> str:
    """A figure with three significant digits, thousands separated."""
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_runs(line: dict) -> str:
    """A line's median with the spread of its measured runs: "20.0 [18.0–24.0]",
    or the median alone when every run gave the same figure (one run)."""
    median, lo, hi = line["median"], line["min"], line["max"]
    if lo == hi:
        return fmt_ns(median)
    return f"{fmt_ns(median)} [{fmt_ns(lo)}–{fmt_ns(hi)}]"


def fmt_ratio(r: float) -> str:
    return f"{r:.2f}×"


def spread(ratios: list[float]) -> str:
    if min(ratios) == max(ratios):
        return fmt_ratio(ratios[0])
    return (
        f"from {fmt_ratio(min(ratios))} to {fmt_ratio(max(ratios))} "
        f"(median {fmt_ratio(statistics.median(ratios))})"
    )


def fmt_secs(s: float) -> str:
    s = round(s)
    return (
        f"{s // 3600}h{s % 3600 // 60:02d}m{s % 60:02d}s"
        if s >= 3600
        else f"{s // 60}m{s % 60:02d}s"
    )
