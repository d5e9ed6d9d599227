"""Print the figures the project tracks: each snippet's time, site build times (cold, warm, after a
prose edit, after a walkthrough edit), page weights, and the test suite's wall time.

A benchmark, not a test: timings on a shared machine are noisy, so nothing here passes or fails;
compare the figures with the targets it prints. Run it with `make bench`, or
`.venv/bin/python scripts/bench.py --skip-suite` to leave out the (slowest) full test-suite run.
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.paths import REPO, SNIPPETS, copy_repo, rel, snippet_files
from engine.runner import run_snippet
from engine.site import build_env, built_pages, mkdocs_build, page_weight
from engine.targets import BENCH_S, KB, PAGE_WEIGHT_KB
from engine.walkthroughs import walkthroughs


def timed(command: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=build_env(env), check=True, capture_output=True)
    return time.perf_counter() - start


def report(name: str, seconds: float) -> None:
    target = BENCH_S.get(name)
    versus = f"  (target {target:.0f} s: {seconds / target:.0%} of it)" if target else ""
    print(f"{name:<34}{seconds:7.1f} s{versus}")


def bench_snippets() -> None:
    print("## Snippets (each alone, as the tests run it)")
    total = 0.0
    for path in snippet_files():
        result = run_snippet(path.relative_to(SNIPPETS).as_posix())
        total += result.seconds
        print(f"{rel(path):<50}{result.seconds:6.1f} s")
    print(f"{'all snippets, one after another':<50}{total:6.1f} s\n")


def bench_build() -> None:
    print("## Site build (a temporary copy of the repository, an empty walkthrough cache)")
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_repo(Path(tmp) / "repo")
        site = Path(tmp) / "site"
        env = {"TESTED_NOTES_CACHE": str(Path(tmp) / "cache")}
        build = mkdocs_build(site)
        report("cold build", timed(build, copy, env))
        report("warm build, nothing changed", timed(build, copy, env))
        page = copy / "docs" / "index.md"
        page.write_text(page.read_text() + "\nOne more sentence of prose.\n")
        report("rebuild after prose edit", timed(build, copy, env))
        first = next(iter(walkthroughs().values()), None)
        if first is not None:
            edited = copy / "snippets" / first.relative_to(SNIPPETS)
            edited.write_text(edited.read_text() + "\n# One more comment.\n")
            report(f"rebuild after editing {first.name}", timed(build, copy, env))
        print("\n## Page weight on first load (gzip; HTML, CSS, JS, images; search index aside)")
        for page in built_pages(site):
            kb = page_weight(page.file) / KB
            verdict = "ok" if kb <= PAGE_WEIGHT_KB else f"over {PAGE_WEIGHT_KB} KB"
            print(f"{page.name:<50}{kb:7.1f} KB  {verdict}")
        bench_stock_notebook_weight(Path(tmp) / "cache")


def bench_stock_notebook_weight(cache: Path) -> None:
    """What mkdocs-jupyter alone would put in each walkthrough page, for comparison."""
    from mkdocs_jupyter.convert import nb2html

    # One per walkthrough: the newest execution in the cache.
    latest: dict[str, Path] = {}
    for notebook in sorted(cache.glob("*/walkthroughs/*/*.ipynb"), key=lambda p: p.stat().st_mtime):
        latest[f"walkthroughs/{notebook.parent.name}/{notebook.stem}"] = notebook
    if latest:
        print(
            "\n## The same walkthroughs as stock mkdocs-jupyter renders them (its HTML alone, gzip)"
        )
    for name, notebook in sorted(latest.items()):
        stock = len(gzip.compress(nb2html(str(notebook)).encode())) / KB
        print(f"{name:<50}{stock:7.1f} KB before any CSS, JS or theme")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-suite", action="store_true", help="do not time the test suite")
    args = parser.parse_args()
    bench_snippets()
    bench_build()
    if not args.skip_suite:
        print("\n## Test suite (pytest -n auto)")
        report("suite", timed([sys.executable, "-m", "pytest", "-n", "auto", "-q"], REPO))


if __name__ == "__main__":
    main()
