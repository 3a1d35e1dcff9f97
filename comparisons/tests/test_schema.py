import copy
import json

import pytest

from runner.schema import parse_line, validate

GOOD = {
    "suite": "C",
    "workload": "C2",
    "lang": "go",
    "impl": "chan",
    "via": "native",
    "kind": "channel",
    "params": {"capacity": 1024, "producers": 1, "consumers": 1, "messages": 1000000},
    "unit": "ns/msg",
    "median": 41.2,
    "min": 39.8,
    "max": 47.0,
    "runs": 5,
    "ctx_switches": 12,
    "max_rss_kb": 5120,
    "host": {"cpus": 2, "os": "linux", "toolchain": "go1.26"},
}
GOOD_C6 = dict(
    GOOD,
    workload="C6",
    unit="ns/roundtrip",
    params={"capacity": 0, "round_trips": 100000},
)
GOOD_C5 = dict(GOOD, workload="C5", params=dict(GOOD["params"], producers=4, channels=4))


@pytest.mark.parametrize(
    "line",
    [
        GOOD,
        GOOD_C6,
        GOOD_C5,
        dict(GOOD, params=dict(GOOD["params"], capacity="unbounded")),
    ],
)
def test_accepts_good_lines(line):
    assert validate(line) == []
    obj, problems = parse_line(json.dumps(line))
    assert obj == line and problems == []


def without(key):
    line = copy.deepcopy(GOOD)
    del line[key]
    return line


def changed(path, value, base=GOOD):
    line = copy.deepcopy(base)
    target = line
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return line


@pytest.mark.parametrize(
    "line, message",
    [
        (without("host"), "host must be an object"),
        (without("median"), "median must be a finite number"),
        (without("lang"), "lang must be a non-empty string"),
        (changed(["runs"], True), "runs must be an integer"),
        (changed(["runs"], 0), "runs must be an integer >= 1"),
        (changed(["median"], "41"), "median must be a finite number"),
        (changed(["min"], 50.0), "min <= median <= max"),
        (changed(["via"], "ffi"), "via 'ffi' is not one of"),
        (changed(["lang"], "cobol"), "lang 'cobol' is not one of"),
        (changed(["params", "capacity"], "big"), "params.capacity must be"),
        (changed(["params", "capacity"], -1), "params.capacity must be"),
        (
            changed(["params", "messages"], 0),
            "params.messages must be a positive integer",
        ),
        (
            changed(["workload"], "C9"),
            "workload 'C9' is not one of suite C's C1, C2, C3, C4, C5, C6",
        ),
        (changed(["suite"], "Z"), "suite 'Z' is not one of C"),
        (without("kind"), "kind must be a non-empty string"),
        (
            changed(["kind"], "mutex"),
            "kind 'mutex' is not one of suite C's channel, queue, batch",
        ),
        (changed(["host", "cpus"], "2"), "host.cpus must be an integer"),
        (
            changed(["host", "toolchain"], ""),
            "host.toolchain must be a non-empty string",
        ),
        (changed(["ctx_switches"], -3), "ctx_switches must be a number >= 0"),
        (changed(["unit"], "ns/msg", GOOD_C6), "unit of C6 must be 'ns/roundtrip'"),
        (
            changed(["params"], {"capacity": 0}, GOOD_C6),
            "params.round_trips must be a positive integer",
        ),
        (
            changed(["params"], GOOD["params"], GOOD_C5),
            "params.channels must be a positive integer",
        ),
    ],
)
def test_rejects_bad_lines_and_says_why(line, message):
    problems = validate(line)
    assert any(message in p for p in problems), problems
    obj, problems = parse_line(json.dumps(line))
    assert obj is None and problems


def test_rejects_non_json_and_non_objects():
    obj, problems = parse_line("median: 41.2")
    assert obj is None and problems[0].startswith("not JSON")
    assert validate([1, 2]) == ["a result line must be a JSON object, got list"]
