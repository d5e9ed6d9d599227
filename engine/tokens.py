"""Highlighted code with fewer elements and the same look: Pygments' token spans were most of the
elements of the longest pages, whose layout at load blocked the main thread (Lighthouse). Names and
whitespace (``n``, ``w``: Material colours names as plain code) lose their span; neighbouring
punctuation and operators (``p``, ``o``, ``ow``: one colour in docs/stylesheets/extra.css) share
one. tests/engine/test_tokens.py checks both premises against the stylesheets.

Why our own: neither pymdownx.highlight nor Pygments can leave a token type unwrapped, and HTML
minifiers keep every element.
"""

from __future__ import annotations

import re

from markdown import Extension
from markdown.postprocessors import Postprocessor

UNWRAPPED = ("n", "w")
MERGED = ("p", "o", "ow")

_UNWRAP = re.compile(r'<span class="(?:' + "|".join(UNWRAPPED) + r')">([^<]*)</span>')
_ONE_OF_MERGED = r'<span class="(?:' + "|".join(MERGED) + r')">[^<]*</span>'
_RUN = re.compile(f"(?:{_ONE_OF_MERGED}){{2,}}")
_TEXT = re.compile(r">([^<]*)</span>")


def slim(html: str) -> str:
    """``html`` with its unstyled token spans unwrapped and same-coloured neighbours merged."""
    html = _UNWRAP.sub(r"\1", html)
    return _RUN.sub(_merge, html)


def _merge(run: re.Match) -> str:
    """One span with the run's text, of the first token's class."""
    first = run.group(0)[len('<span class="') :].split('"', 1)[0]
    return f'<span class="{first}">{"".join(_TEXT.findall(run.group(0)))}</span>'


class SlimPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        return slim(text)


class SlimExtension(Extension):
    def extendMarkdown(self, md):
        # After the raw-HTML postprocessor (30) has put the highlighted code blocks back.
        md.postprocessors.register(SlimPostprocessor(md), "slim_code", 5)


def makeExtension(**kwargs):
    return SlimExtension(**kwargs)
