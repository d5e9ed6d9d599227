"""MkDocs hook: highlighted code with fewer elements and the same look (engine.tokens).

Last on the page's HTML, after every hook that adds code (snippet diffs, walkthrough cells).
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from engine.tokens import slim


@event_priority(-100)
def on_page_content(html_text: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    return slim(html_text)
