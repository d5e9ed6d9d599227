"""``[@key]`` (``[@a; @b]``) becomes a footnote with the entry of docs/references.bib in pybtex's
plain style, as mkdocs-bibtex rendered it: a Markdown extension, since mkdocs-bibtex is an
unmaintained plugin and Zensical runs none. An unknown key is a warning on an ``mkdocs`` logger,
which fails ``mkdocs build --strict``.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor
from pybtex.backends.markdown import Backend
from pybtex.database import parse_file
from pybtex.style.formatting.plain import Style

from engine.fences import prose_lines
from engine.paths import DOCS
from engine.run_values import outside_code_spans

log = logging.getLogger("mkdocs.citations")
# [@key], [@a; @b]: one or more keys, each after an @, separated by semicolons.
CITATION = re.compile(r"\[(?P<keys>@[\w:-]+(?:\s*;\s*@[\w:-]+)*)\](?!\()")
KEY = re.compile(r"@(?P<key>[\w:-]+)")
# A footnote's definition as Python-Markdown reads it: what a citation must not turn a line into.
DEFINITION = re.compile(r"[ \t]*\[\^[^\]]+\]:")


@functools.cache
def entries(bib_file: Path):
    return parse_file(str(bib_file)).entries


def reference_text(bib_file: Path, key: str) -> str:
    """The entry as a footnote shows it: pybtex's plain style, rendered as Markdown."""
    formatted = Style().format_entry("", entries(bib_file)[key])
    text = formatted.text.render(Backend()).replace("\n", " ")
    return text.replace("\\(", "(").replace("\\)", ")").replace("\\.", ".")


def cite(lines: list[str], bib_file: Path) -> list[str]:
    """The page with each citation a footnote reference, and the footnotes of the cited entries
    (in order of first citation) at its end."""
    known, cited, out = entries(bib_file), {}, list(lines)

    def replace(match: re.Match) -> str:
        keys = KEY.findall(match["keys"])
        for key in keys:
            if key not in known:
                log.warning(f"Citing unknown reference key {key} (not in {bib_file.name})")
        found = [key for key in keys if key in known]
        cited.update(dict.fromkeys(found))
        return "".join(f"[^{key}]" for key in found)

    for index, line in prose_lines(lines):
        out[index] = outside_code_spans(line, lambda text: CITATION.sub(replace, text))
        # Python-Markdown would take the line for the footnote's definition and drop its text.
        if DEFINITION.match(out[index]) and not DEFINITION.match(line):
            log.warning(
                f"A line starting with a citation and a colon reads as a footnote: {line!r}"
            )
    if not cited:
        return out
    return [*out, "", *(f"[^{key}]: {reference_text(bib_file, key)}" for key in cited)]


class CitationsPreprocessor(Preprocessor):
    def __init__(self, md, bib_file: Path):
        super().__init__(md)
        self.bib_file = bib_file

    def run(self, lines: list[str]) -> list[str]:
        return cite(lines, self.bib_file)


class CitationsExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {"bib_file": [str(DOCS / "references.bib"), "the BibTeX file"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        bib_file = Path(self.getConfig("bib_file"))
        # After pymdownx.snippets (32): an included file may not cite, but a page may cite anywhere.
        md.preprocessors.register(CitationsPreprocessor(md, bib_file), "citations", 31)


def makeExtension(**kwargs):
    return CitationsExtension(**kwargs)
