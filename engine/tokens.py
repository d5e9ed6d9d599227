"""Highlighted code with fewer elements and the same look.

Pygments wraps every token in a span: on the BackPACK and Lightning pages, 11,000 of their 12,000
elements. Material's script measures code blocks at load, and laying out that many elements is
most of what blocks the main thread there (Lighthouse). Two kinds of span change nothing a reader
sees, and go:

- a name (``n``) or whitespace (``w``): Material colours names as the code itself
  (``--md-code-hl-name-color`` is ``--md-code-fg-color``) and whitespace not at all; the text stays;
- punctuation and operators side by side (``p``, ``o``, ``ow``): docs/stylesheets/extra.css gives
  them one colour, so ``)(`` or ``=[`` becomes one span.

tests/engine/test_tokens.py checks both premises against Material's and our stylesheets. Why our
own, not a plugin or an option: neither pymdownx.highlight nor Pygments' HTML formatter can leave a
token type unwrapped, and HTML minifiers keep every element. A Python-Markdown postprocessor, so any
builder that runs Python-Markdown slims the code (hooks/walkthroughs.py slims the notebook pages).
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
