"""Validate one result line against WORKLOADS.md's result schema."""

import json
import math

from . import LANGS, suites
from .suites import Suite
from .suites.base import is_int

VIAS = {"native", "c-abi", "pyo3", "cxx"}


def _is_number(v) -> bool:
    return (is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _check_suite(obj: dict, suite: Suite, errors: list[str]) -> None:
    """The registry's part: workload, unit, kind, and the suite's own checks."""
    workload = obj.get("workload")
    if workload not in suite.spec.workloads:
        errors.append(
            f"workload {workload!r} is not one of suite {suite.id}'s "
            f"{', '.join(suite.spec.workloads)}"
        )
        return
    unit = suite.units[workload]
    if obj.get("unit") != unit:
        errors.append(f"unit of {workload} must be {unit!r}, got {obj.get('unit')!r}")
    kind = obj.get("kind")
    if kind not in suite.spec.kinds:
        errors.append(
            f"kind {kind!r} is not one of suite {suite.id}'s {', '.join(suite.spec.kinds)}"
        )
    if isinstance(obj.get("params"), dict):  # else reported by the generic checks
        errors += suite.check(obj)


def validate(obj, registry: dict[str, Suite] | None = None) -> list[str]:
    """Return the list of problems with a decoded result line (empty = valid);
    `registry` defaults to the suites of comparisons/WORKLOADS.md."""
    registry = suites.default() if registry is None else registry
    if not isinstance(obj, dict):
        return [f"a result line must be a JSON object, got {type(obj).__name__}"]
    errors: list[str] = []
    for key in ("suite", "workload", "lang", "impl", "via", "kind", "unit"):
        v = obj.get(key)
        if not isinstance(v, str) or not v:
            errors.append(f"{key} must be a non-empty string, got {v!r}")
    if isinstance(obj.get("lang"), str) and obj["lang"] not in LANGS:
        errors.append(f"lang {obj['lang']!r} is not one of {', '.join(LANGS)}")
    if isinstance(obj.get("via"), str) and obj["via"] not in VIAS:
        errors.append(f"via {obj['via']!r} is not one of {sorted(VIAS)}")
    if not isinstance(obj.get("params"), dict):
        errors.append(f"params must be an object, got {obj.get('params')!r}")
    stats = {}
    for key in ("median", "min", "max"):
        v = obj.get(key)
        if not _is_number(v) or v < 0:
            errors.append(f"{key} must be a finite number >= 0, got {v!r}")
        else:
            stats[key] = v
    if len(stats) == 3 and not stats["min"] <= stats["median"] <= stats["max"]:
        errors.append(
            f"expected min <= median <= max, got {stats['min']}, {stats['median']}, {stats['max']}"
        )
    runs = obj.get("runs")
    if not (is_int(runs) and runs >= 1):
        errors.append(f"runs must be an integer >= 1, got {runs!r}")
    for key in ("ctx_switches", "max_rss_kb", "cpu_median"):
        if key in obj and not (_is_number(obj[key]) and obj[key] >= 0):
            errors.append(f"{key} must be a number >= 0 when present, got {obj[key]!r}")
    if "fairness" in obj and not (_is_number(obj["fairness"]) and 0 < obj["fairness"] <= 1):
        errors.append(f"fairness must be a number in (0, 1] when present, got {obj['fairness']!r}")
    host = obj.get("host")
    if not isinstance(host, dict):
        errors.append(f"host must be an object, got {host!r}")
    else:
        if not (is_int(host.get("cpus")) and host["cpus"] >= 1):
            errors.append(f"host.cpus must be an integer >= 1, got {host.get('cpus')!r}")
        for key in ("os", "toolchain"):
            if not isinstance(host.get(key), str) or not host[key]:
                errors.append(f"host.{key} must be a non-empty string, got {host.get(key)!r}")
    suite = registry.get(obj.get("suite"))
    if suite is None:
        errors.append(f"suite {obj.get('suite')!r} is not one of {', '.join(registry)}")
    else:
        _check_suite(obj, suite, errors)
    return errors


def parse_line(
    line: str, registry: dict[str, Suite] | None = None
) -> tuple[dict | None, list[str]]:
    """Decode and validate one stdout line; returns (object or None, problems)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return None, [f"not JSON: {e}"]
    errors = validate(obj, registry)
    return (obj if not errors else None), errors
