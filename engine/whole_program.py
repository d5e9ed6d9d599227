"""Under every code block that shows part of a snippet, a link that downloads the whole program:
the file the tests run (``docs/snippets`` links to ``snippets/``, published as it is).

Why our own: pymdownx.snippets includes a part but says nothing about the file it comes from, and
Material's copy button copies what the block shows.
"""

from __future__ import annotations

import posixpath

from markdown import Extension
from markdown.preprocessors import Preprocessor

from engine.fences import INCLUDE, iter_fences

LINK = (
    '{indent}[Download the whole program, `{name}`]({href}){{ download="{file}" .whole-program }}'
)


def part_shown(body: list[str]) -> str | None:
    """The snippet path (relative to snippets/) whose part a fence's ``body`` lines show, if they
    are includes of parts of that one file."""
    includes = [INCLUDE.match(line) for line in body if line.strip()]
    if not all(i and i["part"] and i["path"].endswith(".py") for i in includes):
        return None
    paths = {include["path"] for include in includes}
    return paths.pop() if len(paths) == 1 else None


def with_links(lines: list[str]) -> list[str]:
    """``lines`` with a download link under each fence that shows part of a snippet. The link is
    relative to a page at the top of docs/, as every page is (mkdocs build --strict fails on a
    link that does not resolve)."""
    out, done = [], 0
    for fence in iter_fences("\n".join(lines)):
        path = part_shown(lines[fence.lineno : fence.end - 1])
        if path is None or fence.end > len(lines):
            continue
        out += lines[done : fence.end]
        done = fence.end
        name = f"snippets/{path}"
        link = LINK.format(indent=fence.indent, name=name, href=name, file=posixpath.basename(path))
        out += ["", link]
    return out + lines[done:]


class WholeProgramPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return with_links(lines)


class WholeProgramExtension(Extension):
    def extendMarkdown(self, md):
        # Before pymdownx.snippets (32), which replaces the include line this looks for.
        md.preprocessors.register(WholeProgramPreprocessor(md), "whole_program", 35)


def makeExtension(**kwargs):
    return WholeProgramExtension(**kwargs)
