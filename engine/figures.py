"""The figures snippets draw, made at build time by running each snippet that saves one.

A snippet saves its figure into its current folder (``fig.savefig("name.png")``), which is what a
reader who runs it gets; the build publishes the same file, so a page shows the very figure its
code draws. The run is engine.results' (kept by content, lock files and engine, outside the repo),
the same one the snippet's test does.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from engine.results import kept_images, run_once
from engine.targets import FIGURE_TIMEOUT_S

PREFIX = "figures/"


def draws(source: str) -> bool:
    return "savefig(" in source


def figures_of(snippet: Path, label: str) -> list[Path]:
    """Run ``snippet`` alone in an empty folder; return the images it saved. The run is the one
    the snippet's own test does (engine.results keeps both the verdict and the images), so a build
    after the tests, or beside them, draws nothing again. A failure raises
    engine.runner.SnippetError naming ``label``."""
    result = run_once(
        snippet.read_text(encoding="utf-8"),
        label=label,
        filename=snippet.name,
        timeout=FIGURE_TIMEOUT_S,
    )
    return kept_images(result)


def published_uri(snippet: Path, image: Path) -> str:
    """Where the site publishes ``image``: figures/<library>/<name>."""
    return f"{PREFIX}{snippet.parent.name}/{image.name}"


def image_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) in CSS pixels of a PNG (its IHDR chunk) or of an SVG (the width and height
    of its root element, in pt as matplotlib writes them, or px); None when it cannot tell."""
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
