"""MkDocs hook: a ```snippet-diff fence becomes a generated comparison of two snippet files.

The Markdown it generates is engine.snippet_diff's, the same the tests expand pages with, so what
the tests check is what the build shows.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from engine.snippet_diff import SnippetDiffError, expand


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    try:
        return expand(markdown, _snippets(config), source=f"docs/{page.file.src_uri}")
    except SnippetDiffError as error:
        raise PluginError(str(error)) from None


def _snippets(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).parent / "snippets"
