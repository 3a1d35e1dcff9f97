"""The two pieces of Markdown that WORKLOADS.md's parsers need: sections and tables."""

import re


def section(text: str, heading: str) -> list[str] | None:
    """The lines under the first heading matching the regex `heading` (level
    and text, e.g. r"## Modes"), up to the next heading of the same or a higher
    level; None if there is no such heading."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(#+)\s", line)
        if m and re.fullmatch(heading, line.strip()):
            level = len(m.group(1))
            body = []
            for ln in lines[i + 1 :]:
                h = re.match(r"^(#+)\s", ln)
                if h and len(h.group(1)) <= level:
                    break
                body.append(ln)
            return body
    return None


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def tables(lines: list[str]) -> list[list[list[str]]]:
    """Every table in `lines`, each as its header followed by its rows (the
    |---| separator left out)."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for ln in [*lines, ""]:
        if ln.lstrip().startswith("|"):
            current.append(cells(ln))
            continue
        if current:
            found.append([current[0], *current[2:]])
            current = []
    return found


def table(lines: list[str], *header: str) -> list[list[str]] | None:
    """The first table whose header starts with the cells `header`."""
    return next((t for t in tables(lines) if t[0][: len(header)] == list(header)), None)
