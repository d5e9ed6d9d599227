"""A page's Markdown expanded as the build expands it (snippet diffs, pymdownx.snippets
as mkdocs.yml configures it), with a map back to its own lines for the checks' messages.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from mkdocs.config import load_config
from pymdownx.snippets import SnippetPreprocessor

from engine.fences import PYTHON_LANGS, iter_fences
from engine.paths import MKDOCS_YML, REPO, SNIPPETS, rel
from engine.snippet_diff import expand

INCLUDE_BLOCK = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]*$")
# pymdownx.details: `??? "Title"` is collapsed until the reader opens it, `???+` open from the start.
DETAILS = re.compile(r"^(?P<indent>[ \t]*)\?\?\?(?P<open>\+?)[ \t]")


@dataclass
class ExpandedPage:
    source: Path
    lines: list[str]
    # For each expanded line, the line of the page source it came from.
    origin: list[int]
    # (source line, include path) of every include.
    includes: list[tuple[int, str]] = field(default_factory=list)
    # Includes that failed, with page and line.
    errors: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def where(self, expanded_lineno: int) -> str:
        return f"{rel(self.source)}:{self.origin[expanded_lineno - 1]}"


@functools.cache
def site_config():
    """mkdocs.yml, loaded as MkDocs loads it (plugins and hooks included)."""
    return load_config(str(MKDOCS_YML))


def expand_page(page: Path) -> ExpandedPage:
    """The page expanded, with its line map (cached until the page changes)."""
    return _expand(page, page.stat().st_mtime_ns, page.stat().st_size)


@functools.cache
def _expand(page: Path, mtime_ns: int, size: int) -> ExpandedPage:
    source = page.read_text(encoding="utf-8")
    hooked = expand(source, SNIPPETS, source=rel(page)).splitlines()
    # Line numbers after the hook: map generated lines back to the fence they came from.
    origin = map_lines(source.splitlines(), hooked)
    expanded = ExpandedPage(page, [], [])
    i = 0
    while i < len(hooked):
        group = _include_group(hooked, i)
        expanded.includes += _includes_in(group, origin, i)
        try:
            lines = _preprocessor().run(list(group))
        # SnippetMissingError and friends: name the page and line.
        except Exception as error:
            expanded.errors.append(f"{rel(page)}:{origin[i]}: {error}")
            lines = list(group)
        expanded.lines.extend(lines)
        expanded.origin.extend([origin[i]] * len(lines))
        i += len(group)
    return expanded


def is_include(line: str) -> bool:
    """Whether ``line`` is an include of pymdownx.snippets (inline, or a block's marker line), by
    the extension's own pattern; an escaped one (``;--8<--``) shows as text and is not."""
    match = SnippetPreprocessor.RE_ALL_SNIPPETS.match(line)
    return bool(match) and not match.group("escape")


def shown_text(snippet: str) -> str:
    """The snippet file ``snippet`` (relative to snippets/) as a page that includes it whole shows
    it: pymdownx.snippets leaves out its section markers."""
    return "\n".join(_preprocessor().run([f'--8<-- "{snippet}"']))


def map_lines(source: list[str], hooked: list[str]) -> list[int]:
    """For each line of ``hooked``, the 1-based line of ``source`` it is, or was generated at."""
    matcher = difflib.SequenceMatcher(a=source, b=hooked, autojunk=False)
    origin = [1] * len(hooked)
    for tag, i1, _, j1, j2 in matcher.get_opcodes():
        for k in range(j1, j2):
            origin[k] = (i1 + (k - j1) if tag == "equal" else i1) + 1
    # Lines generated after the source's last line (a snippet-diff ending the page): that line.
    return [min(n, max(len(source), 1)) for n in origin]


def _include_group(lines: list[str], i: int) -> list[str]:
    """The lines expanded together from line ``i``: an include block (a marker line, one path a
    line, a marker line) or the one line."""
    if not INCLUDE_BLOCK.match(lines[i]):
        return [lines[i]]
    j = i + 1
    while j < len(lines) and not INCLUDE_BLOCK.match(lines[j]):
        j += 1
    return lines[i : j + 1] if j < len(lines) else [*lines[i:], ""]


def _includes_in(group: list[str], origin: list[int], start: int) -> list[tuple[int, str]]:
    if len(group) > 1:
        return [(origin[start + k], line.strip()) for k, line in enumerate(group[1:-1], 1)]
    match = _preprocessor().RE_ALL_SNIPPETS.match(group[0])
    if match and match.group("snippet") and not match.group("escape"):
        return [(origin[start], match.group("snippet")[1:-1])]
    return []


@functools.cache
def _preprocessor():
    """pymdownx.snippets configured exactly as mkdocs.yml configures it for the build."""
    config = site_config()
    extension_configs = dict(config["mdx_configs"])
    snippet_config = dict(extension_configs["pymdownx.snippets"])
    snippet_config["base_path"] = [str(REPO / b) for b in snippet_config.get("base_path", ["."])]
    extension_configs["pymdownx.snippets"] = snippet_config
    md = markdown.Markdown(
        extensions=config["markdown_extensions"], extension_configs=extension_configs
    )
    return md.preprocessors["snippet"]


@dataclass
class ShownBlock:
    """A Python code block of a page as the reader meets it: where, how long, whether folded."""

    where: str
    lines: int
    folded: bool


def shown_blocks(page: Path) -> list[ShownBlock]:
    """Every Python block of the expanded page, with its lines of code and whether it sits in a
    collapsed ``???`` block (which the reader opens on demand, so it does not count as shown)."""
    expanded = expand_page(page)
    blocks = []
    for fence in iter_fences(expanded.text):
        if fence.lang not in PYTHON_LANGS:
            continue
        lines = len(fence.code.strip("\n").splitlines())
        folded = _folded(expanded.lines, fence.lineno - 1, len(fence.indent))
        blocks.append(ShownBlock(expanded.where(fence.lineno), lines, folded))
    return blocks


def _folded(lines: list[str], index: int, indent: int) -> bool:
    """Whether line ``index``, indented by ``indent``, is inside a collapsed details block: the
    nearest line above it that is indented less and is not blank opens one with ``???``."""
    for line in reversed(lines[:index]):
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if depth < indent:
            details = DETAILS.match(line)
            if details:
                return not details.group("open")
            indent = depth
            if depth == 0:
                return False
    return False
