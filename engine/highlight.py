"""``hl_parts="trainer"`` on a fence that includes a whole snippet highlights the lines of its
section ``trainer``: it becomes pymdownx.highlight's ``hl_lines`` with the numbers the page shows,
so an edit that shifts the file shifts the highlight with it (no line counted by hand).
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor

from engine.fences import FENCE_OPEN, INCLUDE, IncludeError, part_lines
from engine.paths import SNIPPETS

HL_PARTS = re.compile(r'\bhl_parts="(?P<names>[^"]*)"')


def resolve(markdown: str, snippets: Path, *, source: str) -> str:
    """``markdown`` with every ``hl_parts="..."`` replaced by the ``hl_lines`` it stands for."""
    lines = markdown.splitlines(keepends=True)
    for number, line in enumerate(lines):
        found = HL_PARTS.search(line)
        if not found or not FENCE_OPEN.match(line):
            continue
        include = next((INCLUDE.match(nxt) for nxt in lines[number + 1 : number + 2]), None)
        where = f"{source}:{number + 1}"
        if not include or include["part"]:
            raise IncludeError(f"{where}: hl_parts needs a whole-file include on the next line")
        parts = part_lines((snippets / include.group("path")).read_text(encoding="utf-8"))
        numbers = []
        for name in found.group("names").split():
            if not parts.get(name):
                raise IncludeError(
                    f"{where}: {include.group('path')} has no part {name!r} "
                    f"(its parts: {', '.join(sorted(parts)) or 'none'})"
                )
            numbers += parts[name]
        hl_lines = " ".join(map(str, sorted(set(numbers))))
        lines[number] = line.replace(found.group(0), f'hl_lines="{hl_lines}"')
    return "".join(lines)


def snippets_of(md) -> Path:
    """Where pymdownx.snippets, which includes the files, finds them (SNIPPETS without it)."""
    include = md.preprocessors["snippet"] if "snippet" in md.preprocessors else None
    return Path(include.base_path[0]) if include else SNIPPETS


class HighlightPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        # The page's name is not known here (MkDocs names it when it reports the error), and its
        # lines are counted after its front matter, which the builder takes off.
        where = "page (after its front matter)"
        return resolve("\n".join(lines), snippets_of(self.md), source=where).split("\n")


class HighlightExtension(Extension):
    def extendMarkdown(self, md):
        # After engine.snippet_diff (38), whose tabs may say hl_parts; before pymdownx.snippets (32).
        md.preprocessors.register(HighlightPreprocessor(md), "hl_parts", 37)


def makeExtension(**kwargs):
    return HighlightExtension(**kwargs)
