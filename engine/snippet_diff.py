"""A ```snippet-diff fence listing two snippet files becomes content tabs: each file with its changed
lines highlighted, and a unified diff, computed at build time so that it cannot drift.

Why our own: no maintained extension renders a diff of two included files with the changed lines
highlighted on each side. It emits ordinary Markdown (tabs, includes with ``hl_lines``, a ``diff``
fence), as a Python-Markdown preprocessor, so any builder that runs Python-Markdown shows it.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor

from engine.fences import IncludeError
from engine.paths import SNIPPETS

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```snippet-diff[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def changed_lines(before: list[str], after: list[str]) -> tuple[list[int], list[int]]:
    """1-based numbers of the lines that differ, in ``before`` and in ``after``."""
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    old, new = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            old.extend(range(i1 + 1, i2 + 1))
            new.extend(range(j1 + 1, j2 + 1))
    return old, new


def _tab(label: str, path: str, highlighted: list[int]) -> list[str]:
    hl = f' hl_lines="{" ".join(map(str, highlighted))}"' if highlighted else ""
    fence = f'    ```python title="snippets/{path}" linenums="1"{hl}'
    return [f'=== "{label}"', "", fence, f'    --8<-- "{path}"', "    ```", ""]


def render(before: str, after: str, snippets_dir: Path, where: str = "page") -> str:
    """Markdown comparing ``snippets_dir/before`` with ``snippets_dir/after``."""
    texts = []
    for name in (before, after):
        path = snippets_dir / name
        if not path.is_file():
            raise IncludeError(
                f"{where}: snippet-diff names {name!r}, not a file in {snippets_dir}"
            )
        texts.append(path.read_text(encoding="utf-8").splitlines())
    old, new = changed_lines(*texts)
    diff = difflib.unified_diff(
        *texts,
        fromfile=f"snippets/{before}",
        tofile=f"snippets/{after}",
        lineterm="",
        # Full context: the reader sees both programs whole.
        n=max(map(len, texts)),
    )
    lines = _tab(Path(before).name, before, old) + _tab(Path(after).name, after, new)
    lines += ['=== "Diff"', "", "    ```diff"]
    lines += [f"    {line}".rstrip() for line in diff]
    lines += ["    ```"]
    return "\n".join(lines)


def expand(markdown: str, snippets_dir: Path, source: str = "page") -> str:
    """Replace every snippet-diff fence in ``markdown``; errors name ``source`` and the line."""

    def replace(match: re.Match) -> str:
        names = match.group("body").split()
        line = markdown.count("\n", 0, match.start()) + 1
        if len(names) != 2:
            raise IncludeError(
                f"{source}:{line}: a snippet-diff fence lists two files, got {names}"
            )
        block = render(*names, snippets_dir, where=f"{source}:{line}")
        indent = match.group("indent")
        return "\n".join(indent + row if row else row for row in block.splitlines())

    return FENCE.sub(replace, markdown)


def snippets_of(md) -> Path:
    """Where pymdownx.snippets, which includes the files, finds them (SNIPPETS without it)."""
    include = md.preprocessors["snippet"] if "snippet" in md.preprocessors else None
    return Path(include.base_path[0]) if include else SNIPPETS


class SnippetDiffPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        # The page's name is not known here (MkDocs names it when it reports the error), and its
        # lines are counted after its front matter, which the builder takes off.
        where = "page (after its front matter)"
        return expand("\n".join(lines), snippets_of(self.md), source=where).split("\n")


class SnippetDiffExtension(Extension):
    def extendMarkdown(self, md):
        # Before pymdownx.snippets (32), which reads what this generates.
        md.preprocessors.register(SnippetDiffPreprocessor(md), "snippet_diff", 38)


def makeExtension(**kwargs):
    return SnippetDiffExtension(**kwargs)
