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
    "java": ("mvn",),  # and a JDK >= MIN_JDK, found by newest_jdk()
    "scala": ("mvn",),
    "python": (),  # the project venv, checked by path
}
# Java and Scala rows need virtual threads: the newest JDK of at least this
# version among JAVA_HOME and JDK_DIRS runs them.
MIN_JDK = 21
JDK_DIRS = Path("/usr/lib/jvm")
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
    # Variables the runner passes to the language's `make build` (JDK=...).
    make_vars: dict[str, str] = field(default_factory=dict)


def jdk_version(home: Path) -> tuple[int, ...] | None:
    """A JDK's version from its `release` file (JAVA_VERSION="25.0.3"), or None."""
    try:
        text = (home / "release").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("JAVA_VERSION="):
            digits = line.partition("=")[2].strip().strip('"').split("+")[0]
            try:
                return tuple(int(p) for p in digits.split("."))
            except ValueError:
                return None
    return None


def newest_jdk(env: dict, jdk_dirs: Path = JDK_DIRS) -> tuple[Path, tuple[int, ...]] | None:
    """The newest JDK (with bin/java and bin/javac) of version >= MIN_JDK."""
    homes = [Path(env["JAVA_HOME"])] if env.get("JAVA_HOME") else []
    homes += sorted(jdk_dirs.glob("*")) if jdk_dirs.is_dir() else []
    found = [
        (v, h)
        for h in homes
        if (v := jdk_version(h))
        and v[0] >= MIN_JDK
        and os.access(h / "bin" / "java", os.X_OK)
        and os.access(h / "bin" / "javac", os.X_OK)
    ]
    if not found:
        return None
    version, home = max(found)
    return home.resolve(), version


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
    if lang in ("java", "scala"):
        jdk = newest_jdk(env)
        if jdk is None:
            return Toolchain(
                lang,
                False,
                f"no JDK >= {MIN_JDK} (virtual threads) in JAVA_HOME or {JDK_DIRS}",
                versions,
            )
        home, version = jdk
        versions["jdk"] = f"{'.'.join(map(str, version))} at {home}"
        return Toolchain(lang, True, versions=versions, make_vars={"JDK": str(home)})
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
