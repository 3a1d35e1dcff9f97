"""The C examples of the root README's "C and C++" section: each is a whole
program that builds with the installed library (pkg-config) without a
warning, runs, and prints what its comments say: a line `... /* prints
"42" */` expects the line `42` (a comment may name several, in order).

Usage: readme_examples.py README CC BUILD_DIR (PKG_CONFIG_PATH and
LD_LIBRARY_PATH pointing at the installed library).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path


def c_examples(readme: Path) -> list[str]:
    """The ```c blocks of the README's C section."""
    section = readme.read_text().split("\n## C and C++\n", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"```c\n(.*?)```", section, re.DOTALL)
    assert found, f"no C example in {readme}"
    return found


def promised_output(code: str) -> list[str]:
    """The lines the example's `/* prints "..." */` comments promise."""
    return [
        line
        for comment in re.findall(r"/\* prints (.*?) \*/", code)
        for line in re.findall(r'"([^"]*)"', comment)
    ]


def main() -> int:
    readme, cc, build = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    build.mkdir(parents=True, exist_ok=True)
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "polyconc"], check=True, capture_output=True, text=True
    ).stdout
    for i, code in enumerate(c_examples(readme)):
        expected = promised_output(code)
        assert expected, f"example {i} says what it prints"
        source, program = build / f"readme_{i}.c", build / f"readme_{i}"
        source.write_text(code)
        warnings = ["-std=c11", "-Wall", "-Wextra", "-Werror"]
        build_it = [cc, *warnings, "-o", str(program), str(source), *shlex.split(flags)]
        subprocess.run(build_it, check=True)
        out = subprocess.run([str(program)], check=True, capture_output=True, text=True).stdout
        if out.splitlines() != expected:
            print(f"README C example {i} printed {out!r}, its comments say {expected}")
            return 1
        print(f"README C example {i}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
