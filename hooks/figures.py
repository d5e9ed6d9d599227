"""MkDocs hook: the figures the snippets save, published at ``figures/<library>/<name>``
(engine.figures). A hook, since MkDocs must know the files before it checks the links to them;
the gallery plugins generate whole pages, none places a script's figure into ours.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from engine.figures import FigureError, drawn, image_size, sized
from engine.runner import SnippetError

# Published image -> (width, height), for the tags of the pages that show it.
_sizes: dict[str, tuple[int, int] | None] = {}


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    try:
        published = drawn(Path(config.config_file_path).parent)
    except (SnippetError, FigureError) as error:
        raise PluginError(f"while drawing figures: {error}") from None
    for uri, image in published.items():
        content = image.read_bytes()
        _sizes[uri] = image_size(content)
        files.append(File.generated(config, uri, content=content))
    return files


def on_page_content(html_text: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    return sized(html_text, _sizes)
