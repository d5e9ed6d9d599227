"""Run Lighthouse on every page of the built site and print each page's scores and weight.

A benchmark, not a test (`make lighthouse`): a Lighthouse run takes seconds a page (it prints how
many) and its performance score moves by a few hundredths between runs on a shared machine, so it
would make the suite slow and flaky. What can be checked exactly is checked by the suite instead: no third-party
request (tests/test_browser.py), no broken link or anchor (MkDocs' validation, tests/test_links.py).

It builds the site into a temporary folder, serves it as the host does (engine/server.py) and runs
the pinned Lighthouse (package.json) with its mobile defaults and `--only-categories` in Debian's
Chromium; one JSON report a run. Targets are engine/targets.py's LIGHTHOUSE_SCORES and
PAGE_WEIGHT_KB (transferred on first load, the search index aside).

    make lighthouse                                  # every page, one run each
    make lighthouse ARGS="--runs 3 --page pyg"       # median of three runs, pages matching "pyg"
    make lighthouse ARGS="--builder zensical"        # the site as Zensical builds it (build_check.py)

Exit status 1 when a page misses a target, so it can gate where its noise is acceptable.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

# scripts/build_check.py, beside this file: each builder's site, with the steps Zensical lacks.
from build_check import build_all

from engine import browser
from engine.builders import BUILDERS
from engine.paths import REPO
from engine.server import serve
from engine.site import built_pages
from engine.targets import KB, LIGHTHOUSE_SCORES, PAGE_WEIGHT_KB

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
# The search index, set aside in the weight: Material's search worker fetches it after the page
# has loaded; Zensical's page fetches its own (search.json) at load, beside the page's files.
NOT_COUNTED = ("/search/search_index.json", "/search.json")


def lighthouse(url: str, output: Path, dark: bool) -> dict:
    flags = ["--headless=new", *browser.ARGS] + (["--force-dark-mode"] if dark else [])
    command = [LIGHTHOUSE, url, "--output=json", f"--output-path={output}", "--quiet"]
    command += ["--only-categories=" + ",".join(LIGHTHOUSE_SCORES)]
    command += ["--chrome-flags=" + " ".join(flags)]
    env = dict(os.environ, CHROME_PATH=str(browser.chromium()))
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    report = json.loads(output.read_text(encoding="utf-8")) if output.is_file() else {}
    if run.returncode != 0 or not report or report.get("runtimeError"):
        sys.exit(f"lighthouse failed on {url}: {report.get('runtimeError')}\n{run.stderr}")
    return report


def measure(url: str, runs: int, dark: bool, keep: Path | None) -> dict:
    """The median run by performance score, with what it misses and why; ``keep``: a folder for
    the JSON reports."""
    name = urlsplit(url).path.strip("/").replace("/", "_") + ("-dark" if dark else "")
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        folder = keep or Path(tmp)
        reports = [lighthouse(url, folder / f"{name}-{n}.json", dark) for n in range(runs)]
    perf = sorted(r["categories"]["performance"]["score"] or 0 for r in reports)
    report = next(
        r for r in reports if (r["categories"]["performance"]["score"] or 0) == perf[runs // 2]
    )
    scores = {name: report["categories"][name]["score"] or 0.0 for name in LIGHTHOUSE_SCORES}
    requests = report["audits"]["network-requests"]["details"]["items"]
    loaded = [r for r in requests if not r["url"].startswith(("data:", "blob:"))]
    kb = sum(r.get("transferSize") or 0 for r in loaded if not r["url"].endswith(NOT_COUNTED)) / KB
    foreign = [r["url"] for r in loaded if urlsplit(r["url"]).hostname != "127.0.0.1"]
    missed = [
        f"{n} {scores[n]:.2f} < {t:.2f}" for n, t in LIGHTHOUSE_SCORES.items() if scores[n] < t
    ]
    missed += [f"{kb:.0f} KB > {PAGE_WEIGHT_KB} KB"] if kb > PAGE_WEIGHT_KB else []
    missed += [f"third-party: {url}" for url in foreign]
    below = [n for n, t in LIGHTHOUSE_SCORES.items() if scores[n] < t]
    return {"scores": scores, "perf": perf, "kb": kb, "missed": missed + why(report, below)}


def why(report: dict, categories: list[str]) -> list[str]:
    """What keeps each of ``categories`` below its target: its failed audits that count."""
    found = []
    for name in categories:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and (audit.get("score") is not None) and audit["score"] < 1:
                value = audit.get("displayValue", "")
                found.append(f"  {name}: {audit['id']} {value} ({audit['title']})")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs a page (the median is shown)")
    parser.add_argument("--page", action="append", default=[], help="only pages containing this")
    parser.add_argument("--dark", action="store_true", help="Chromium prefers dark colours")
    parser.add_argument("--reports", type=Path, help="keep the Lighthouse JSON reports here")
    parser.add_argument("--builder", choices=BUILDERS, default="mkdocs", help="who builds the site")
    args = parser.parse_args()
    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    if browser.missing_reason() or not LIGHTHOUSE.is_file():
        sys.exit(browser.missing_reason() or "Lighthouse is missing: run `make lighthouse`")
    with tempfile.TemporaryDirectory(prefix="site-") as tmp:
        sites = build_all(Path(tmp), [args.builder])
        if sites is None:
            return 1
        with serve(sites[args.builder]) as base_url:
            pages = [
                p
                for p in built_pages(sites[args.builder], base_url)
                if not args.page or any(s in p.path for s in args.page)
            ]
            print(f"{len(pages)} pages from {base_url}, {args.runs} run(s) each, mobile defaults")
            print(f"{'page':<44}{'perf':>6}{'a11y':>6}{'best':>6}{'seo':>6}{'KB':>7}  verdict")
            start = time.perf_counter()
            failing = sum(
                report(page, measure(page.url, args.runs, args.dark, args.reports))
                for page in pages
            )
    seconds = (time.perf_counter() - start) / max(1, len(pages) * args.runs)
    print(f"\n{seconds:.1f} s a Lighthouse run")
    print(f"targets: {LIGHTHOUSE_SCORES}, <= {PAGE_WEIGHT_KB} KB (search index aside)")
    print(f"{len(pages) - failing} of {len(pages)} pages meet every target.")
    return 1 if failing else 0


def report(page, row: dict) -> bool:
    """Print a page's row (and what it misses); True when it misses a target."""
    scores = "".join(f"{score:6.2f}" for score in row["scores"].values())
    runs = (
        f"  (perf runs {row['perf'][0]:.2f}-{row['perf'][-1]:.2f})" if len(row["perf"]) > 1 else ""
    )
    verdict = "meets targets" if not row["missed"] else "MISSES:\n" + "\n".join(row["missed"])
    print(f"{page.name:<44}{scores}{row['kb']:7.1f}  {verdict}{runs}", flush=True)
    return bool(row["missed"])


if __name__ == "__main__":
    sys.exit(main())
