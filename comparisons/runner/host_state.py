"""What the host probe (runner/probe.py) says in the report: a table of the
probe before and after each program's run, and a warning on a suite during
whose runs the host changed speed."""

from .fmt import fmt_ns, fmt_ratio

# The spread of one suite's probes (slowest over fastest) beyond which the
# report warns. On the 2-CPU VM this was written on, the probe took 55-100 ns
# in one host state (once 180) and 340-400 ns in the other.
MOVED = 2.0


def _probes(meta: dict, suite_id: str) -> list[tuple[float, str]]:
    """(ns, where) of every probe taken around the suite's runs."""
    out = []
    for lang, entry in meta.get("languages", {}).items():
        before, after = entry.get("suites", {}).get(suite_id, {}).get("probe_ns", [None, None])
        out += [(ns, f"{lang}, {when}") for ns, when in ((before, "before"), (after, "after"))]
    return [(ns, where) for ns, where in out if isinstance(ns, int | float) and ns > 0]


def table(meta: dict) -> list[str]:
    """The Machine section's lines on the probe."""
    probe = meta.get("host", {}).get("probe")
    if probe is None:
        return []
    if probe.get("status") != "ok":
        return ["", f"Host probe: unavailable ({probe.get('reason', 'no reason recorded')})."]
    rows = [
        f"| {lang} | {sid} | {_ns(e['probe_ns'][0])} | {_ns(e['probe_ns'][1])} |"
        for lang, entry in meta.get("languages", {}).items()
        for sid, e in entry.get("suites", {}).items()
        if "probe_ns" in e
    ]
    return [
        "",
        (
            "Host probe (`probe/pingpong.c`): ns per round trip of one cache line between two "
            "threads, before and after each program's run. Whatever hands values between "
            "threads follows it; on a virtual machine it can move several times over between "
            "two runs."
        ),
        "",
        "| lang | suite | before | after |",
        "|---|---|---:|---:|",
        *rows,
    ]


def _ns(value) -> str:
    return fmt_ns(value) if isinstance(value, int | float) else "—"


def suite_warning(meta: dict | None, suite_id: str) -> list[str]:
    """A warning for a suite whose probes spread more than MOVED times."""
    probes = sorted(_probes(meta or {}, suite_id))
    if len(probes) < 2 or probes[-1][0] < MOVED * probes[0][0]:
        return []
    (lo, lo_at), (hi, hi_at) = probes[0], probes[-1]
    return [
        (
            f"> **The host changed speed during this suite's runs**: the host probe took "
            f"{fmt_ns(lo)} ns ({lo_at}) to {fmt_ns(hi)} ns ({hi_at}) per round trip, "
            f"{fmt_ratio(hi / lo)}. The languages' programs ran one after another, so a ratio "
            "between two languages' figures may be the host's; ratios between the "
            "implementations of one language were taken within one program's run. Run again "
            "on a quieter host, or compare the languages whose probes agree (see the probe "
            "table)."
        ),
        "",
    ]
