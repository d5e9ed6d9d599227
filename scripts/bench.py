"""Print the figures the project tracks: test-suite wall time, each snippet's time, and site build
times (cold, and again after a one-line prose edit). A benchmark, not a test: timings on a shared
machine are noisy, so nothing here passes or fails; compare the figures with the targets it prints.

    make bench              # everything
    python scripts/bench.py --skip-suite   # without the (slowest) full test-suite run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from harness import copy_repo, rel, run_snippet, snippet_files  # noqa: E402

TARGETS = {"suite": 60.0, "cold build": 30.0, "rebuild after prose edit": 3.0}


def timed(command: list[str], cwd: Path) -> float:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONDONTWRITEBYTECODE="1")
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def report(name: str, seconds: float) -> None:
    target = TARGETS.get(name)
    versus = f"  (target {target:.0f} s: {seconds / target:.0%} of it)" if target else ""
    print(f"{name:<28}{seconds:8.1f} s{versus}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-suite", action="store_true", help="do not time the full test suite")
    args = parser.parse_args()

    print("## Snippets (each alone, as the tests run it)")
    total = 0.0
    for path in snippet_files():
        result = run_snippet(path.relative_to(REPO / "snippets").as_posix())
        total += result.seconds
        print(f"{rel(path):<44}{result.seconds:6.1f} s")
    print(f"{'all snippets, one after another':<44}{total:6.1f} s\n")

    print("## Site build (in a temporary copy of the repository)")
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_repo(Path(tmp) / "repo")
        build = [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--site-dir",
            str(Path(tmp) / "site"),
        ]
        report("cold build", timed(build, copy))
        page = copy / "docs" / "index.md"
        page.write_text(page.read_text() + "\nOne more sentence of prose.\n")
        report("rebuild after prose edit", timed(build, copy))

    if not args.skip_suite:
        print("\n## Test suite (pytest -n auto)")
        report("suite", timed([sys.executable, "-m", "pytest", "-n", "auto", "-q"], REPO))


if __name__ == "__main__":
    main()
