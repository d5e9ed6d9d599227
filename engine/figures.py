"""The figures snippets draw, made at build time by running each snippet that saves one.

A snippet saves its figure into its current folder (``fig.savefig("name.png")``), which is what a
reader who runs it gets; the build publishes the same file, so a page shows the very figure its
code draws. Results are cached like the walkthroughs: by content and versions, outside the repo.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
from pathlib import Path

from engine.paths import cache_lock, cache_root
from engine.runner import BUILD_ENV, run_code
from engine.targets import FIGURE_TIMEOUT_S
from engine.versions import tested_with

PREFIX = "figures/"
IMAGE_SUFFIXES = (".png", ".svg")


def draws(source: str) -> bool:
    return "savefig(" in source


def figures_of(snippet: Path, label: str) -> list[Path]:
    """Run ``snippet`` alone in an empty folder; return the images it saved (cached). A failure
    raises engine.runner.SnippetError naming ``label``."""
    source = snippet.read_text(encoding="utf-8")
    key = hashlib.sha256(json.dumps([source, tested_with(), BUILD_ENV]).encode()).hexdigest()[:16]
    folder = cache_root() / "figures" / key
    with cache_lock(folder):
        if not (folder / ".done").exists():
            _draw(source, snippet, label, folder)
    return sorted(p for p in folder.iterdir() if p.suffix in IMAGE_SUFFIXES)


def _draw(source: str, snippet: Path, label: str, folder: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="figures-") as written:
        run_code(
            source,
            label=label,
            filename=snippet.name,
            timeout=FIGURE_TIMEOUT_S,
            keep_files_in=Path(written),
        )
        _publish(sorted(p for p in Path(written).iterdir() if p.suffix in IMAGE_SUFFIXES), folder)


def _publish(images: list[Path], folder: Path) -> None:
    """Filled aside, then renamed: a build running at the same time never reads half of it."""
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for image in images:
        shutil.copy2(image, partial / image.name)
    (partial / ".done").touch()
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)


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
