"""An independent scan of a page's fenced code blocks, nested in tabs or admonitions or not.

pytest-codeblocks skips fences it does not recognise (``~~~``, indented ones); counting every fence
here, and comparing, proves that no Python block on a page goes unrun.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The info strings of a fence that a reader takes for Python.
PYTHON_LANGS = {"python", "py", "python3", "py3"}

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


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
        if not opening:
            i += 1
            continue
        fence = _read_fence(lines, i, opening)
        fences.append(fence)
        i = fence.end
    return fences


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
