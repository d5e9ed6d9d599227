"""`make check FILE=snippets/pyg/gcn.py`: a verdict on an edit in seconds, from the tests of what
the files affect (engine.affected); without FILE, the snippets and pages git shows changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from engine import versions
from engine.affected import CHECK, NotCheckable, affected
from engine.paths import REPO, rel
from engine.targets import CHECK_S


def changed_files() -> list[str]:
    """Snippets and pages that differ from the last commit, untracked ones included."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", "snippets", "docs"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    paths = [line[3:].split(" -> ")[-1] for line in status.splitlines()]
    return [p for p in paths if p.endswith((".py", ".md")) and (REPO / p).is_file()]


def main() -> int:
    files = sys.argv[1:] or changed_files()
    if not files:
        print(
            "nothing changed in snippets/ or docs/: name a file, e.g. make check FILE=snippets/pyg/gcn.py"
        )
        return 0
    try:
        affected(files)
    except NotCheckable as error:
        print(f"make check: {error}; run `make test` for everything", file=sys.stderr)
        return 2
    start = time.perf_counter()
    env = {**os.environ, CHECK: " ".join(files)}
    # -rA: the summary names every test that ran, not only its count.
    command = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-rA"]
    verdict = subprocess.run(command, cwd=REPO, env=env)
    seconds = time.perf_counter() - start
    print(f"make check: {' '.join(files)}: verdict in {seconds:.1f} s (target {CHECK_S:.0f} s)")
    pinned_only = versions.unrecorded(versions.load_record())
    if pinned_only:
        print(
            f"make check: the pages state only the pinned version of {', '.join(pinned_only)}: "
            f"{rel(versions.RECORD)} has no verdict on some of their programs yet; `make compat` "
            "runs those"
        )
    return verdict.returncode


if __name__ == "__main__":
    sys.exit(main())
