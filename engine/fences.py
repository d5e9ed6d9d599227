"""The one scan of a page's fenced code blocks (nested in tabs or admonitions or not), of the lines
outside them, and of pymdownx.snippets' includes and section markers.

pytest-codeblocks skips fences it does not recognise (``~~~``, indented ones); counting every fence
here, and comparing, proves that no Python block on a page goes unrun.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pymdownx.snippets import SnippetPreprocessor

# The info strings of a fence that a reader takes for Python.
PYTHON_LANGS = {"python", "py", "python3", "py3"}

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
# An include line of a whole file ("pyg/gcn.py") or of its part ("pyg/gcn.py:model").
INCLUDE = re.compile(r'^[ \t]*-+8<-+[ \t]+"(?P<path>[^":]+)(?::(?P<part>[^"]+))?"[ \t]*$')
# pymdownx.snippets' own section marker, which it leaves out of what it includes.
SECTION = SnippetPreprocessor.RE_SNIPPET_SECTION


def is_section_marker(line: str) -> bool:
    """Whether ``line`` marks a part of a snippet (``# --8<-- [start:name]``): pymdownx.snippets
    leaves it out of a page; an escaped one (``;--8<--``) is shown as code."""
    marker = SECTION.match(line)
    return bool(marker) and not marker.group("escape")


class IncludeError(AssertionError):
    """A page's include or snippet-diff cannot be expanded; the message names page and line."""


@dataclass
class Fence:
    # Of the opening line, in the text scanned.
    lineno: int
    lang: str
    info: str
    code: str
    # Of the closing line (one past the last line, for a fence left open).
    end: int = 0
    indent: str = ""


def iter_fences(text: str) -> list[Fence]:
    """Every fenced block of ``text``, in order."""
    fences, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        if opening:
            fences.append(_read_fence(lines, i, opening))
        i = fences[-1].end if opening else i + 1
    return fences


def fenced_lines(text: str) -> set[int]:
    """The 1-based numbers of the lines of ``text`` in a fence, its opening and closing included."""
    return {n for f in iter_fences(text) for n in range(f.lineno, f.end + 1)}


def prose_lines(lines: list[str]):
    """(index, line) of each line outside fenced code."""
    inside = fenced_lines("\n".join(lines))
    return [(index, line) for index, line in enumerate(lines) if index + 1 not in inside]


def part_lines(code: str, *, as_shown: bool = True) -> dict[str, list[int]]:
    """For each section of ``code``, the 1-based numbers of its lines: as a page that includes the
    whole file shows them (without the markers), or as the file has them."""
    parts: dict[str, list[int]] = {}
    open_parts: set[str] = set()
    shown = 0
    for number, line in enumerate(code.splitlines(), 1):
        marker = SECTION.match(line)
        # An escaped marker (;--8<--) is shown as code, as pymdownx.snippets shows it.
        if marker and not marker.group("escape"):
            name = marker.group("name")
            parts.setdefault(name, [])
            (open_parts.add if marker.group("type") == "start" else open_parts.discard)(name)
            continue
        shown += 1
        for name in open_parts:
            parts[name].append(shown if as_shown else number)
    return parts


def _read_fence(lines: list[str], i: int, opening: re.Match) -> Fence:
    indent, marker = opening.group("indent"), opening.group("fence")
    info = opening.group("info").strip()
    body, j = [], i + 1
    while j < len(lines):
        stripped = lines[j].strip()
        if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
            break
        body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j].lstrip())
        j += 1
    lang = re.split(r"[\s{]", info.lstrip("{. "), maxsplit=1)[0].lower() if info else ""
    code = "\n".join(body) + ("\n" if body else "")
    return Fence(i + 1, lang, info, code, end=j + 1, indent=indent)
