"""MkDocs hook: figures on the pages, drawn by the tested snippets themselves at build time.

A snippet that draws saves its figure into its current folder (``fig.savefig("name.png")``), which
is what a reader who runs it gets. This hook runs every such snippet in an empty temporary folder
and publishes each image it saved at ``figures/<library>/<name>.png``, so a page shows the very
figure its code draws: ``![What the figure shows](figures/<library>/<name>.png)``. A page that names
a figure no snippet saves fails ``mkdocs build --strict`` (an unresolved link).

Why not a plugin: mkdocs-jupyter renders notebooks as whole pages, and the gallery plugins
(mkdocs-gallery) generate pages of their own too; none places a figure drawn by a script into a
hand-written page. Results are cached like the walkthroughs: by the file's content and the
library versions, outside the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

# MkDocs puts this folder on sys.path while it loads a hook; walkthroughs is loaded before us.
from walkthroughs import KERNEL_ENV, cache_root, tested_with

PREFIX = "figures/"
IMAGE_SUFFIXES = (".png", ".svg")
TIMEOUT = 300  # seconds per snippet; the slowest takes a fraction of this

_sizes: dict[str, tuple[int, int]] = {}  # published PNG name -> (width, height)


def draws(source: str) -> bool:
    return "savefig(" in source


def figures_of(snippet: Path, label: str) -> list[Path]:
    """Run ``snippet`` alone in an empty folder; return the images it saved (cached)."""
    source = snippet.read_text(encoding="utf-8")
    key = hashlib.sha256(json.dumps([source, tested_with(), KERNEL_ENV]).encode()).hexdigest()[:16]
    folder = cache_root() / "figures" / key
    if (folder / ".done").exists():
        return sorted(p for p in folder.iterdir() if p.suffix in IMAGE_SUFFIXES)
    with tempfile.TemporaryDirectory(prefix="figures-") as workdir:
        script = Path(workdir) / snippet.name
        script.write_text(source, encoding="utf-8")
        try:
            run = subprocess.run(
                [sys.executable, snippet.name],
                cwd=workdir,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **KERNEL_ENV},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise PluginError(f"{label} did not finish within {TIMEOUT} s") from None
        if run.returncode != 0 or run.stderr.strip():
            raise PluginError(f"{label} failed while drawing its figures:\n{run.stderr[-3000:]}")
        images = sorted(p for p in Path(workdir).iterdir() if p.suffix in IMAGE_SUFFIXES)
        # Filled aside, then renamed: a build running at the same time never reads half of it.
        partial = folder.with_name(f".{key}.{os.getpid()}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for image in images:
            shutil.copy2(image, partial / image.name)
        (partial / ".done").touch()
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(partial, folder)
    return sorted(p for p in folder.iterdir() if p.suffix in IMAGE_SUFFIXES)


# ----------------------------------------------------------------------------- MkDocs events


def on_files(files, config):
    root = Path(config.config_file_path).parent
    snippets = [
        path
        for path in sorted((root / "snippets").rglob("*.py"))
        if draws(path.read_text(encoding="utf-8"))
    ]
    labels = [path.relative_to(root).as_posix() for path in snippets]
    # Two at a time, one per core, as the walkthroughs run.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(figures_of, snippets, labels))
    seen: dict[str, str] = {}
    for snippet, label, images in zip(snippets, labels, results, strict=True):
        for image in images:
            uri = f"{PREFIX}{snippet.parent.name}/{image.name}"
            if uri in seen:
                raise PluginError(f"{label} and {seen[uri]} both save {image.name}: rename one")
            seen[uri] = label
            content = image.read_bytes()
            if content.startswith(b"\x89PNG"):
                # PNG signature, then the IHDR chunk: width and height.
                _sizes[uri] = struct.unpack(">II", content[16:24])
            files.append(File.generated(config, uri, content=content))
    return files


def on_page_content(html_text, page, config, files):
    """A figure's size on its tag keeps its place before it loads: nothing below it jumps."""

    def sized(match: re.Match) -> str:
        uri = PREFIX + match.group("uri")
        if uri not in _sizes or " width=" in match.group(0):
            return match.group(0)
        width, height = _sizes[uri]
        return f'<img width="{width}" height="{height}" loading="lazy"{match.group("rest")}'

    pattern = r'<img(?P<rest>[^>]*src="(?:\.\./)*' + PREFIX + r'(?P<uri>[^"]+)"[^>]*>)'
    return re.sub(pattern, sized, html_text)
