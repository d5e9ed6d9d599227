"""MkDocs hook: figures on the pages, drawn by the tested snippets themselves at build time.

Every snippet that saves a figure is run (engine.figures) and each image it saved is published at
``figures/<library>/<name>.png``; a page that names a figure no snippet saves fails the strict build.
Why not a plugin: the gallery plugins generate whole pages; none places a script's figure into ours.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from engine.figures import PREFIX, draws, figures_of, image_size, published_uri
from engine.runner import SnippetError
from engine.targets import BUILD_WORKERS

# Published image -> (width, height), for the tags of the pages that show it.
_sizes: dict[str, tuple[int, int]] = {}


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    snippets, labels = _drawing_snippets(config)
    images = _draw(snippets, labels)
    seen: dict[str, str] = {}
    for snippet, label, saved in zip(snippets, labels, images, strict=True):
        for image in saved:
            _publish(files, config, published_uri(snippet, image), image, label, seen)
    return files


def on_page_content(html_text: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    """A figure's size on its tag keeps its place before it loads: nothing below it jumps."""
    return re.sub(FIGURE_TAG, _sized, html_text)


# ----------------------------------------------------------------------------- helpers

FIGURE_TAG = r'<img(?P<rest>[^>]*src="(?:\.\./)*' + PREFIX + r'(?P<uri>[^"]+)"[^>]*>)'


def _drawing_snippets(config: MkDocsConfig) -> tuple[list[Path], list[str]]:
    root = Path(config.config_file_path).parent
    snippets = [
        path
        for path in sorted((root / "snippets").rglob("*.py"))
        if draws(path.read_text(encoding="utf-8"))
    ]
    return snippets, [path.relative_to(root).as_posix() for path in snippets]


def _draw(snippets: list[Path], labels: list[str]) -> list[list[Path]]:
    """Two at a time, one per core, as the walkthroughs run."""
    try:
        with ThreadPoolExecutor(max_workers=BUILD_WORKERS) as pool:
            return list(pool.map(figures_of, snippets, labels))
    except SnippetError as error:
        raise PluginError(f"while drawing figures: {error}") from None


def _publish(files: Files, config, uri: str, image: Path, label: str, seen: dict) -> None:
    if uri in seen:
        raise PluginError(f"{label} and {seen[uri]} both save {image.name}: rename one")
    seen[uri] = label
    content = image.read_bytes()
    size = image_size(content)
    if size:
        _sizes[uri] = size
    files.append(File.generated(config, uri, content=content))


def _sized(match: re.Match) -> str:
    uri = PREFIX + match.group("uri")
    if uri not in _sizes or " width=" in match.group(0):
        return match.group(0)
    width, height = _sizes[uri]
    return f'<img width="{width}" height="{height}" loading="lazy"{match.group("rest")}'
