"""Where things are, defined once: the repository, its pages and snippets, and the cache.

Everything else names paths through this module, so moving a folder is one edit. The cache lives
outside the repository: neither a build nor a test may write into the checkout.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
SNIPPETS = REPO / "snippets"
MKDOCS_YML = REPO / "mkdocs.yml"
# Edits that turn each snippet's right answer into the nearest wrong one (tests/test_wrong_answers.py).
WRONG_ANSWERS = REPO / "tests" / "wrong_answers"

# A copy of the repository leaves out the checkout's machinery, environments and build outputs.
NOT_COPIED = (".git", ".venv", "*.whl", "node_modules", "site", ".cache", "__pycache__", "*.pyc")


def rel(path: Path, root: Path = REPO) -> str:
    """``path`` relative to the repository, as the messages and pages name files (a path outside
    it, such as a test's temporary page, as it is)."""
    path = path.resolve()
    return (
        path.relative_to(root.resolve()).as_posix()
        if path.is_relative_to(root.resolve())
        else str(path)
    )


def snippet_files(root: Path = REPO) -> list[Path]:
    return sorted((root / "snippets").rglob("*.py"))


def page_files(root: Path = REPO) -> list[Path]:
    return sorted((root / "docs").rglob("*.md"))


def cache_root() -> Path:
    """Executed walkthroughs and drawn figures, outside the repository ($TESTED_NOTES_CACHE)."""
    base = os.environ.get("TESTED_NOTES_CACHE") or Path.home() / ".cache" / "tested-notes"
    return Path(base)


@contextlib.contextmanager
def cache_lock(entry: Path):
    """Held while one process fills the cache entry ``entry``: another process (a second test
    worker building the site at the same time, say) waits, then finds the entry filled, instead
    of computing it a second time."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    with open(entry.with_name(f".{entry.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def copy_repo(destination: Path, root: Path = REPO) -> Path:
    """A copy of the repository's own files, for tests and benchmarks that edit or build it."""
    shutil.copytree(root, destination, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return destination


def working_on(root: Path, env: dict | None = None) -> dict:
    """The environment of a command that works on the repository at ``root`` (a copy, say): its own
    engine comes first on the path, so that engine.paths names that repository's files."""
    env = {**os.environ, **(env or {})}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return env
