"""MkDocs hook: ``hl_parts="name"`` on a fence highlights the lines of that part of its snippet.

engine.highlight reads the part from the file's section markers, so the highlight follows the
code when the file changes; the tests expand pages through the same function.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from engine.highlight import HighlightError, resolve


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    try:
        return resolve(markdown, _snippets(config), source=f"docs/{page.file.src_uri}")
    except HighlightError as error:
        raise PluginError(str(error)) from None


def _snippets(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).parent / "snippets"
