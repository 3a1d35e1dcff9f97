"""Validate one result line against WORKLOADS.md's result schema."""

import json
import math

LANGS = {"rust", "c", "cpp", "python", "go", "java", "scala"}
VIAS = {"native", "c-abi", "pyo3", "cxx"}
C_WORKLOADS = {f"C{i}" for i in range(1, 7)}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _check_suite_c(obj: dict, errors: list[str]) -> None:
    workload, params = obj.get("workload"), obj.get("params")
    if workload not in C_WORKLOADS:
        errors.append(f"workload {workload!r} is not one of C1..C6")
        return
    if not isinstance(params, dict):
        return  # reported by the generic checks
    cap = params.get("capacity")
    if not (cap == "unbounded" or (_is_int(cap) and cap >= 0)):
        errors.append(
            f'params.capacity must be an integer >= 0 or "unbounded", got {cap!r}'
        )
    if workload == "C6":
        needed = ("round_trips",)
        unit = "ns/roundtrip"
    else:
        needed = ("producers", "consumers", "messages") + (
            ("channels",) if workload == "C5" else ()
        )
        unit = "ns/msg"
    for key in needed:
        v = params.get(key)
        if not (_is_int(v) and v > 0):
            errors.append(f"params.{key} must be a positive integer, got {v!r}")
    if obj.get("unit") != unit:
        errors.append(f"unit of {workload} must be {unit!r}, got {obj.get('unit')!r}")


def validate(obj) -> list[str]:
    """Return the list of problems with a decoded result line (empty = valid)."""
    if not isinstance(obj, dict):
        return [f"a result line must be a JSON object, got {type(obj).__name__}"]
    errors: list[str] = []
    for key in ("suite", "workload", "lang", "impl", "via", "unit"):
        v = obj.get(key)
        if not isinstance(v, str) or not v:
            errors.append(f"{key} must be a non-empty string, got {v!r}")
    if isinstance(obj.get("lang"), str) and obj["lang"] not in LANGS:
        errors.append(f"lang {obj['lang']!r} is not one of {sorted(LANGS)}")
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
    if not (_is_int(runs) and runs >= 1):
        errors.append(f"runs must be an integer >= 1, got {runs!r}")
    for key in ("ctx_switches", "max_rss_kb"):
        if key in obj and not (_is_number(obj[key]) and obj[key] >= 0):
            errors.append(f"{key} must be a number >= 0 when present, got {obj[key]!r}")
    host = obj.get("host")
    if not isinstance(host, dict):
        errors.append(f"host must be an object, got {host!r}")
    else:
        if not (_is_int(host.get("cpus")) and host["cpus"] >= 1):
            errors.append(
                f"host.cpus must be an integer >= 1, got {host.get('cpus')!r}"
            )
        for key in ("os", "toolchain"):
            if not isinstance(host.get(key), str) or not host[key]:
                errors.append(
                    f"host.{key} must be a non-empty string, got {host.get(key)!r}"
                )
    if obj.get("suite") == "C":
        _check_suite_c(obj, errors)
    return errors


def parse_line(line: str) -> tuple[dict | None, list[str]]:
    """Decode and validate one stdout line; returns (object or None, problems)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return None, [f"not JSON: {e}"]
    errors = validate(obj)
    return (obj if not errors else None), errors
