"""The built site: building it, listing its pages (404.html included), their weight; one way for
every test, benchmark and command, so that all build alike and see the same pages.
"""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.paths import DOCS, REPO, working_on
from engine.targets import BUILD_TIMEOUT_S

# What every `mkdocs` run adds to the environment (the Makefile exports the same): no MkDocs 2.0
# banner in logs the tests read, and no bytecode written into the repository.
MKDOCS_ENV = {"NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass(frozen=True)
class Page:
    """A built HTML page: its file, its path on the site (without the prefix) and its URL."""

    file: Path
    # e.g. "pyg/" or "404.html"; "" for the home page.
    path: str
    # e.g. "http://127.0.0.1:8123/tested-notes/pyg/" (empty unless served).
    url: str = ""

    @property
    def name(self) -> str:
        return self.path or "/"


def build_env(extra: dict | None = None, repo: Path = REPO) -> dict:
    """The environment of a build of ``repo``: the online one unless ``extra`` says OFFLINE=true."""
    return working_on(repo, {**MKDOCS_ENV, "OFFLINE": "false", **(extra or {})})


def mkdocs_build(destination: Path) -> list[str]:
    """The command line of a strict build into ``destination``.

    ``python -m mkdocs`` rather than the ``mkdocs`` script: run from the repository root, it puts
    that root first on sys.path, so the hooks import the engine of the repository being built.
    """
    return [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(destination)]


def build_site(
    destination: Path, repo: Path = REPO, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``mkdocs build --strict`` of ``repo`` into ``destination`` (the repository is not written);
    ``env`` adds environment variables (``{"OFFLINE": "true"}`` for the offline build)."""
    return subprocess.run(
        mkdocs_build(destination),
        cwd=repo,
        env=build_env(env, repo),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )


def build_failure(result: subprocess.CompletedProcess) -> str | None:
    """Why a build failed or was not clean (a warning), or None when it passed."""
    log = result.stdout + result.stderr
    if result.returncode != 0:
        return f"mkdocs build --strict failed:\n{log}"
    if "WARNING" in log:
        return f"mkdocs build printed warnings:\n{log}"
    return None


def built_pages(site: Path, base_url: str = "") -> list[Page]:
    """Every ``*.html`` file of the built site (404.html included), with the URL a reader opens."""
    pages = []
    for file in sorted(site.rglob("*.html")):
        relative = file.relative_to(site).as_posix()
        path = relative.removesuffix("index.html") if file.name == "index.html" else relative
        pages.append(Page(file, path, base_url + path if base_url else ""))
    return pages


def built_file_of(site: Path, source: Path) -> Path:
    """The HTML file built from the page ``source`` (docs/<name>.md), with directory URLs."""
    name = source.relative_to(DOCS).with_suffix("")
    return site / ("index.html" if name.name == "index" else name / "index.html")


def page_weight(page: Path) -> int:
    """Bytes transferred on a first load, gzip-compressed as any static host serves them: the
    HTML and every local stylesheet, script and image it references (the search index, fetched
    on first use of search, aside)."""
    html = page.read_text(encoding="utf-8")
    total = len(gzip.compress(html.encode()))
    for ref in set(re.findall(r'(?:href|src)="([^"#?]+\.(?:css|js|png|svg|ico))"', html)):
        asset = (page.parent / ref).resolve()
        if asset.is_file():
            total += len(gzip.compress(asset.read_bytes()))
    return total
