"""The figures snippets save (``fig.savefig("name.png")``), published at ``figures/<library>/<name>``
from the run the snippet's test does (engine.results), so a page shows what its code draws:
hooks/figures.py in MkDocs' build, ``publish`` after a builder without hooks.
"""

from __future__ import annotations

import re
import shutil
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from engine.paths import REPO, rel, snippet_files
from engine.results import kept_images, run_once
from engine.targets import BUILD_WORKERS, FIGURE_TIMEOUT_S

PREFIX = "figures/"
FIGURE_TAG = re.compile(r'<img(?P<rest>[^>]*src="(?:\.\./)*' + PREFIX + r'(?P<uri>[^"]+)"[^>]*>)')


class FigureError(ValueError):
    """Two snippets save a figure of the same name."""


def figures_of(snippet: Path, label: str) -> list[Path]:
    """The images ``snippet`` saves, from the run its test does (engine.results): a build after
    the tests draws nothing again. A failure raises SnippetError naming ``label``."""
    code = snippet.read_text(encoding="utf-8")
    return kept_images(run_once(code, label=label, filename=snippet.name, timeout=FIGURE_TIMEOUT_S))


def drawn(root: Path = REPO) -> dict[str, Path]:
    """Where the site publishes each figure the snippets of ``root`` save -> the image."""
    snippets = [path for path in snippet_files(root) if "savefig(" in path.read_text("utf-8")]
    labels = [rel(path, root) for path in snippets]
    with ThreadPoolExecutor(max_workers=BUILD_WORKERS) as pool:
        images = list(pool.map(figures_of, snippets, labels))
    published, saved_by = {}, {}
    for snippet, label, saved in zip(snippets, labels, images, strict=True):
        for image in saved:
            uri = f"{PREFIX}{snippet.parent.name}/{image.name}"
            if uri in saved_by:
                raise FigureError(f"{label} and {saved_by[uri]} both save {image.name}: rename one")
            published[uri], saved_by[uri] = image, label
    return published


def sized(html_text: str, sizes: dict[str, tuple[int, int] | None]) -> str:
    """Each figure's tag with its size (nothing below it jumps as it loads) and lazy loading."""

    def size(match: re.Match) -> str:
        found = sizes.get(PREFIX + match.group("uri"))
        if not found or " width=" in match.group(0):
            return match.group(0)
        return f'<img width="{found[0]}" height="{found[1]}" loading="lazy"{match.group("rest")}'

    return FIGURE_TAG.sub(size, html_text)


def publish(site: Path, root: Path = REPO) -> None:
    """The figures into the built ``site``, each page's tags sized: after Zensical (no hooks)."""
    sizes = {}
    for uri, image in drawn(root).items():
        (site / uri).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image, site / uri)
        sizes[uri] = image_size(image.read_bytes())
    for page in site.rglob("*.html"):
        page.write_text(sized(page.read_text(encoding="utf-8"), sizes), encoding="utf-8")


def image_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) in CSS pixels of a PNG (its IHDR chunk) or an SVG (its root's size, in pt as
    matplotlib writes it, or px); None when it cannot tell."""
    if content.startswith(b"\x89PNG"):
        return struct.unpack(">II", content[16:24])
    root = re.search(rb"<svg\b[^>]*>", content[:4096])
    if not root:
        return None
    size = []
    for name in (b"width", b"height"):
        found = re.search(rb"\s" + name + rb'="([0-9.]+)(pt|px)?"', root.group(0))
        if not found:
            return None
        value = float(found.group(1)) * (4 / 3 if found.group(2) == b"pt" else 1)
        size.append(round(value))
    return size[0], size[1]
