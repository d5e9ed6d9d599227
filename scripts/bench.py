"""Print the figures the project tracks, each beside its target (engine/targets.py): each snippet's
time and the share of it spent importing libraries, site build times (cold, warm, after a prose
edit, after a walkthrough edit), page weights, the time from an edit to a verdict (`make check`),
and the test suite's wall time, cold (empty caches, as CI runs it) and warm (median of three, no
file changed), with the time of each test group. `--lighthouse` adds Lighthouse, median of three
runs a page (scripts/lighthouse.py).

A benchmark, not a test: timings on a shared machine are noisy, so nothing here passes or fails;
run it on an otherwise idle machine. `make bench`, or `.venv/bin/python scripts/bench.py
--skip-suite` to leave out the (slowest) test-suite runs, `--check-all` to time `make check` for
every snippet rather than one typical one.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

from engine.paths import REPO, SNIPPETS, copy_repo, rel, snippet_files, working_on
from engine.runner import run_code, run_snippet
from engine.site import build_env, built_pages, mkdocs_build, page_weight
from engine.targets import BENCH_S, CHECK_S, KB, PAGE_WEIGHT_KB
from engine.walkthroughs import walkthroughs

# The libraries the snippets import, heaviest first.
IMPORTED = ["torch", "torch_geometric", "pytorch_lightning", "captum", "backpack"]
# A typical snippet, of the PyG page.
CHECKED = "pyg/gcn.py"
SUITE_S = BENCH_S["suite"]


def timed(command: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=build_env(env), check=True, capture_output=True)
    return time.perf_counter() - start


def report(name: str, seconds: float, target: float | None = None) -> None:
    target = target or BENCH_S.get(name)
    versus = f"  (target {target:.0f} s: {seconds / target:.0%} of it)" if target else ""
    print(f"{name:<58}{seconds:7.1f} s{versus}")


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


def bench_imports() -> None:
    """The time a program spends importing each library, measured in the same sandbox: the floor
    of every run, which the run cache (engine.results) saves for unchanged programs."""
    print("\n## Imports: what every fresh run of a program pays first")
    for library in IMPORTED:
        result = run_code(f"import {library}", label=f"import {library}", check=False)
        print(f"{'import ' + library:<50}{result.seconds:6.1f} s")


def bench_check(snippets: list[str]) -> None:
    """`make check` after an edit of each of ``snippets``: its runs are new (the edit changes their
    key), the site build and the other walkthroughs are warm."""
    print("\n## From an edit to a verdict (make check), in a copy of the repository")
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_repo(Path(tmp) / "repo")
        times = []
        for name in snippets:
            snippet = copy / "snippets" / name
            snippet.write_text(snippet.read_text() + f"\n# An edit at {time.time()}.\n")
            start = time.perf_counter()
            command = [sys.executable, "scripts/check.py", f"snippets/{name}"]
            subprocess.run(command, cwd=copy, env=working_on(copy), check=True, capture_output=True)
            times.append(time.perf_counter() - start)
            report(f"make check FILE=snippets/{name}", times[-1], CHECK_S)
    if len(times) > 1:
        report("make check, median over the snippets", statistics.median(times), CHECK_S)
        report("make check, slowest snippet", max(times), CHECK_S)


def ci_env() -> dict[str, str]:
    """What .ci/run exports (the CPU setting CI adds, the sandbox and browser it requires)."""
    text = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    return dict(re.findall(r"^export (\w+)=(\S+)$", text, flags=re.M))


def bench_suite() -> None:
    print("\n## Test suite (pytest -n auto, with what .ci/run sets)")
    with tempfile.TemporaryDirectory() as tmp:
        cache = {**ci_env(), "TESTED_NOTES_CACHE": str(Path(tmp) / "cache")}
        cold, groups = suite_run(Path(tmp) / "cold.xml", cache)
        report("suite, cold (empty caches, as in CI)", cold, SUITE_S)
        print_groups(groups)
        warm = [suite_run(Path(tmp) / f"warm{n}.xml", cache) for n in range(3)]
        report("suite, warm (median of 3)", statistics.median(s for s, _ in warm), SUITE_S)
        print_groups(warm[-1][1])


def suite_run(xml: Path, env: dict) -> tuple[float, dict[str, float]]:
    """The suite's wall time, and the seconds of each test module summed over its tests. A time is
    only a figure if the suite passed: a failing run says so, with pytest's summary line."""
    command = [sys.executable, "-m", "pytest", "-n", "auto", "-q", f"--junitxml={xml}"]
    start = time.perf_counter()
    run = subprocess.run(
        command, cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        summary = (run.stdout.strip().splitlines() or ["no output"])[-1]
        print(f"    the suite FAILED (exit {run.returncode}): {summary}")
    groups: dict[str, float] = {}
    for case in ElementTree.parse(xml).iter("testcase"):
        module = case.get("classname", "?").rsplit(".", 1)[-1]
        groups[module] = groups.get(module, 0.0) + float(case.get("time", 0))
    return seconds, groups


def print_groups(groups: dict[str, float]) -> None:
    for module, seconds in sorted(groups.items(), key=lambda item: -item[1]):
        print(f"    {module:<46}{seconds:7.1f} s (summed over its tests, both workers)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-suite", action="store_true", help="do not time the test suite")
    parser.add_argument("--lighthouse", action="store_true", help="Lighthouse, 3 runs a page")
    parser.add_argument(
        "--check-all", action="store_true", help="time make check for every snippet, not one"
    )
    args = parser.parse_args()
    bench_snippets()
    bench_imports()
    bench_build()
    every = [path.relative_to(SNIPPETS).as_posix() for path in snippet_files()]
    bench_check(every if args.check_all else [CHECKED])
    if not args.skip_suite:
        bench_suite()
    if args.lighthouse:
        print("\n## Lighthouse (median of 3 runs a page)", flush=True)
        subprocess.run([sys.executable, "scripts/lighthouse.py", "--runs", "3"], cwd=REPO)


if __name__ == "__main__":
    main()
