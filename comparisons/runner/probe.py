"""The host probe (probe/pingpong.c): the time one cache line takes to go
from one CPU to another and back, measured before and after each program's
run, so that the report can tell when the host itself changed speed
between two languages' runs (a virtual machine's can move several times
over within a minute; see README.md, Runner)."""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 30  # one probe takes well under a second; a stuck one is ended


@dataclass(frozen=True)
class Probe:
    """The built probe, or why there is none (`program` is then None)."""

    program: Path | None
    reason: str = ""

    def record(self) -> dict:
        """What the meta file says of it."""
        if self.program is None:
            return {"status": "unavailable", "reason": self.reason}
        return {"status": "ok", "program": str(self.program)}


def build(root: Path) -> Probe:
    """`make -C <root>/probe build`; the probe, or why there is none."""
    folder = root / "probe"
    if not (folder / "Makefile").is_file():
        return Probe(None, f"no Makefile in {folder}")
    made = subprocess.run(
        ["make", "-C", str(folder), "build"], capture_output=True, text=True, check=False
    )
    program = folder / "build" / "pingpong"
    if made.returncode != 0:
        last = (made.stdout + made.stderr).strip().splitlines()[-1:] or ["no output"]
        return Probe(None, f"make -C probe build exited with {made.returncode}: {last[0]}")
    return Probe(program)


def measure(probe: Probe) -> float | None:
    """One probe's ns per round trip; None without a probe, on one CPU, or
    if it failed (the run goes on without it)."""
    if probe.program is None:
        return None
    try:
        done = subprocess.run(
            [str(probe.program)], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
        value = json.loads(done.stdout).get("ns_per_round_trip")
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError, AttributeError):
        return None
    return float(value) if done.returncode == 0 and isinstance(value, int | float) else None
