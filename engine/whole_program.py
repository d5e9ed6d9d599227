"""Under every code block that shows part of a snippet, a link that downloads the whole program.

A reader who copies a part gets a part; the whole runnable file is one click away, in every place
the page shows a piece of it. The snippet files are published as they are (``docs/snippets`` is a
link to ``snippets/``, which MkDocs copies like any other file), so the download is exactly the
file the tests run. A Python-Markdown preprocessor, before pymdownx.snippets expands the include,
so any builder that runs Python-Markdown renders the link.

Why our own: pymdownx.snippets includes a part but says nothing about the file it comes from, and
Material's copy button copies what the block shows.
"""

from __future__ import annotations

import posixpath
import re

from markdown import Extension
from markdown.preprocessors import Preprocessor

from engine.highlight import FENCE_OPEN

# An include of part of a file: a named section (file.py:name) or lines (file.py:3:9).
PART = re.compile(r'^[ \t]*-+8<-+[ \t]+"(?P<path>[^":]+\.py):(?P<part>[^"]+)"[ \t]*$')
LINK = (
    '{indent}[Download the whole program, `{name}`]({href}){{ download="{file}" .whole-program }}'
)


def part_shown(lines: list[str], opening: int) -> str | None:
    """The snippet path (relative to snippets/) whose part the fence opening at ``opening``
    shows, if its body is includes of parts of that one file."""
    fence = FENCE_OPEN.match(lines[opening])
    paths = set()
    for line in lines[opening + 1 :]:
        if line.strip().startswith(fence.group("fence")):
            break
        include = PART.match(line)
        if line.strip() and not include:
            return None
        if include:
            paths.add(include.group("path"))
    return paths.pop() if len(paths) == 1 else None


def with_links(lines: list[str]) -> list[str]:
    """``lines`` with a download link under each fence that shows part of a snippet. The link is
    relative to a page at the top of docs/, as every page is (mkdocs build --strict fails on a
    link that does not resolve)."""
    out, i = [], 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        if not opening:
            out.append(lines[i])
            i += 1
            continue
        path, end = part_shown(lines, i), i + 1
        marker = opening.group("fence")
        while end < len(lines) and not lines[end].strip().startswith(marker):
            end += 1
        out += lines[i : end + 1]
        if path:
            href = name = f"snippets/{path}"
            link = LINK.format(
                indent=opening.group("indent"), name=name, href=href, file=posixpath.basename(path)
            )
            out += ["", link]
        i = end + 1
    return out


class WholeProgramPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return with_links(lines)


class WholeProgramExtension(Extension):
    def extendMarkdown(self, md):
        # Before pymdownx.snippets (32), which replaces the include line this looks for.
        md.preprocessors.register(WholeProgramPreprocessor(md), "whole_program", 35)


def makeExtension(**kwargs):
    return WholeProgramExtension(**kwargs)
