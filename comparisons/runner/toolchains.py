"""Find each language's toolchain and its version without ever raising."""

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# Commands each language's Makefile needs on PATH (besides make).
# One entry per language of runner.LANGS, in its order.
REQUIRED = {
    "rust": ("cargo", "rustc"),
    "c": ("cc", "cargo"),
    "go": ("go",),
    "java": ("java", "javac", "mvn"),
    "python": (),  # the project venv, checked by path
}
# How to ask each command its version; the first non-empty output line is kept.
VERSION_ARGS = {
    "go": ("version",),
    "java": ("-version",),
    "javac": ("-version",),
    "mvn": ("-v",),
    "cargo": ("--version",),
    "rustc": ("--version",),
    "cc": ("--version",),
    "make": ("--version",),
}


@dataclass
class Toolchain:
    lang: str
    available: bool
    reason: str = ""  # why not available
    versions: dict[str, str] = field(default_factory=dict)


def venv_python(comparisons_dir: Path) -> Path:
    """The project venv's interpreter (the top Makefile creates /work/main/.venv)."""
    return comparisons_dir.parent / ".venv" / "bin" / "python"


def _version(exe: str, args: tuple[str, ...], env: dict) -> str:
    try:
        out = subprocess.run(
            [exe, *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    # java -version writes to stderr; others to stdout.
    for line in (out.stdout + "\n" + out.stderr).splitlines():
        if line.strip():
            return line.strip()
    return f"unknown (exit {out.returncode}, no output)"


def detect(lang: str, comparisons_dir: Path, env: dict | None = None) -> Toolchain:
    env = dict(os.environ if env is None else env)
    path = env.get("PATH", "")
    versions: dict[str, str] = {}
    missing = [cmd for cmd in ("make", *REQUIRED[lang]) if shutil.which(cmd, path=path) is None]
    if missing:
        return Toolchain(lang, False, f"{', '.join(missing)} not found on PATH")
    for cmd in REQUIRED[lang]:
        versions[cmd] = _version(shutil.which(cmd, path=path), VERSION_ARGS[cmd], env)
    if lang == "python":
        py = venv_python(comparisons_dir)
        if not os.access(py, os.X_OK):
            return Toolchain(
                lang,
                False,
                f"no project venv at {py} (create it with the top Makefile or "
                "`python3 -m venv .venv && .venv/bin/pip install -r comparisons/requirements.txt`)",
            )
        versions["python"] = _version(str(py), ("--version",), env)
    return Toolchain(lang, True, versions=versions)
