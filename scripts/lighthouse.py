"""Run Lighthouse on every page of the built site and print each page's scores and weight.

A benchmark, not a test (`make lighthouse`): one Lighthouse run takes 5-15 s a page and its
performance score moves by a few hundredths between runs on a shared machine, so it would make the
suite slow and flaky. What can be checked exactly is checked by the suite instead: no third-party
request (tests/test_browser.py), no broken link or anchor (tests/test_links.py).

It builds the site into a temporary folder, serves it on 127.0.0.1 as the host does (under the
site_url path, gzip-compressed: engine/server.py), and runs the pinned Lighthouse (package.json)
with its mobile defaults in Debian's Chromium, headless. Pages are every *.html of the build, so new
pages are measured without a list to edit. Targets:

    performance >= 0.98; accessibility, best practices, SEO = 1.00;
    at most 150 KB transferred on first load, not counting the search index (engine/targets.py).

    make lighthouse                                  # every page, one run each
    .venv/bin/python scripts/lighthouse.py --runs 3  # median of three runs a page
    .venv/bin/python scripts/lighthouse.py --page pyg --reports /tmp/lh   # one page, keep the JSON

Exit status 1 when a page misses a target, so it can gate where its noise is acceptable.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from engine import browser
from engine.paths import REPO
from engine.server import built_and_served, serve
from engine.site import built_pages
from engine.targets import KB, LIGHTHOUSE_SCORES, PAGE_WEIGHT_KB

CATEGORIES = LIGHTHOUSE_SCORES
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "best", "seo": "seo"}
MAX_KB = PAGE_WEIGHT_KB
# Fetched by the search worker, not by the page.
NOT_COUNTED = ("/search/search_index.json",)

CHROME_FLAGS = ["--headless=new", *browser.ARGS]


def find_chrome() -> str:
    reason = browser.missing_reason()
    if reason:
        sys.exit(reason)
    return str(browser.chromium())


def find_lighthouse() -> str:
    local = REPO / "node_modules" / ".bin" / "lighthouse"
    if local.is_file():
        return str(local)
    sys.exit("Lighthouse is not installed: run `make lighthouse` (npm ci of package.json).")


def run_lighthouse(lighthouse: str, chrome: str, url: str, output: Path, dark: bool) -> dict:
    # Prefers-color-scheme: dark.
    flags = CHROME_FLAGS + (["--force-dark-mode"] if dark else [])
    command = [
        lighthouse,
        url,
        "--output=json",
        f"--output-path={output}",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=" + " ".join(flags),
        "--quiet",
    ]
    env = dict(os.environ, CHROME_PATH=chrome)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not output.is_file():
        raise RuntimeError(f"lighthouse failed on {url}:\n{result.stdout}{result.stderr}")
    report = json.loads(output.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse failed on {url}: {report['runtimeError']}")
    return report


def transferred(report: dict) -> tuple[float, list[str]]:
    """KB (engine.targets.KB) transferred on first load (search index aside), and the URLs not
    on loopback."""
    items = report["audits"]["network-requests"]["details"]["items"]
    total, foreign = 0, []
    for item in items:
        url = item["url"]
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")):
            continue
        if host not in ("127.0.0.1", "localhost"):
            foreign.append(url)
        if not urlsplit(url).path.endswith(NOT_COUNTED):
            total += item.get("transferSize") or 0
    return total / KB, foreign


def open_issues(report: dict) -> list[str]:
    """What keeps the page below 1.00: failed audits that count towards a category's score."""
    issues = []
    for name, category in report["categories"].items():
        if name == "performance":
            continue
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                issues.append(f"{SHORT[name]}: {audit['id']} ({audit['title']})")
    return issues


def metrics(report: dict) -> str:
    """The metrics the performance score is made of: value (score)."""
    names = {
        "first-contentful-paint": "FCP",
        "largest-contentful-paint": "LCP",
        "total-blocking-time": "TBT",
        "cumulative-layout-shift": "CLS",
        "speed-index": "SI",
    }
    audits = report["audits"]
    return ", ".join(
        f"{short} {audits[name]['displayValue']} ({audits[name]['score']:.2f})"
        for name, short in names.items()
        if audits.get(name, {}).get("score") is not None
    )


def measure(
    page, lighthouse: str, chrome: str, runs: int, reports: Path | None, dark: bool
) -> dict:
    results = []
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        for run in range(runs):
            output = Path(tmp) / f"report-{run}.json"
            report = run_lighthouse(lighthouse, chrome, page.url, output, dark)
            if reports:
                slug = page.name.strip("/").replace("/", "_").replace(".html", "") or "index"
                shutil.copy(output, reports / f"{slug}{'-dark' if dark else ''}-{run}.json")
            results.append(report)
    # The median run by performance score stands for the page; weight and audits barely vary.
    results.sort(key=lambda r: r["categories"]["performance"]["score"] or 0)
    report = results[len(results) // 2]
    kb, foreign = transferred(report)
    scores = {name: report["categories"][name]["score"] or 0.0 for name in CATEGORIES}
    missed = [
        f"{SHORT[name]} {scores[name]:.2f} < {target:.2f}"
        for name, target in CATEGORIES.items()
        if scores[name] < target
    ]
    if kb > MAX_KB:
        missed.append(f"{kb:.0f} KB > {MAX_KB:.0f} KB")
    if foreign:
        missed.append(f"{len(foreign)} third-party requests")
    return {
        "page": page.name,
        "scores": scores,
        "all_perf": [r["categories"]["performance"]["score"] for r in results],
        "kb": kb,
        "foreign": foreign,
        "missed": missed,
        "issues": open_issues(report),
        "metrics": metrics(report),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median reported)")
    parser.add_argument("--page", action="append", default=[], help="only pages containing this")
    parser.add_argument("--site", type=Path, help="an already built site folder (default: build)")
    parser.add_argument("--reports", type=Path, help="keep the Lighthouse JSON reports here")
    parser.add_argument(
        "--dark", action="store_true", help="the dark scheme (Chromium prefers dark colours)"
    )
    args = parser.parse_args()
    chrome, lighthouse = find_chrome(), find_lighthouse()
    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    with served(args.site) as (site, base_url):
        pages = [
            p
            for p in built_pages(site, base_url)
            if not args.page or any(s in p.path for s in args.page)
        ]
        version = subprocess.run([lighthouse, "--version"], capture_output=True, text=True).stdout
        print(
            f"Lighthouse {version.strip()} (mobile defaults, {'dark' if args.dark else 'light'} "
            f"scheme), {Path(chrome).name}, "
            f"{len(pages)} pages from {base_url}, {args.runs} run(s) each\n"
        )
        rows = table(
            pages,
            lambda page: measure(page, lighthouse, chrome, args.runs, args.reports, args.dark),
        )
    return summary(rows)


def table(pages: list, measured) -> list[dict]:
    """Measure each page and print its row as soon as it is measured."""
    header = f"{'page':<44}{'perf':>6}{'a11y':>6}{'best':>6}{'seo':>6}{'KB':>7}  verdict"
    print(header)
    print("-" * len(header))
    rows = []
    for page in pages:
        row = measured(page)
        rows.append(row)
        s = row["scores"]
        verdict = "meets targets" if not row["missed"] else "MISSES: " + "; ".join(row["missed"])
        if len(row["all_perf"]) > 1:
            verdict += f"  (perf runs {min(row['all_perf']):.2f}-{max(row['all_perf']):.2f})"
        print(
            f"{row['page']:<44}{s['performance']:6.2f}{s['accessibility']:6.2f}"
            f"{s['best-practices']:6.2f}{s['seo']:6.2f}{row['kb']:7.1f}  {verdict}",
            flush=True,
        )
    return rows


def summary(rows: list[dict]) -> int:
    """The targets, what each failing page misses and why; exit status 1 when any misses one."""
    print(
        f"\ntargets: perf >= {CATEGORIES['performance']:.2f}; a11y, best, seo = 1.00; "
        f"<= {MAX_KB:.0f} KB transferred (search index aside); no third-party request"
    )
    failing = [row for row in rows if row["missed"]]
    for row in failing:
        print(f"\n{row['page']}: {'; '.join(row['missed'])}")
        if row["scores"]["performance"] < CATEGORIES["performance"]:
            print(f"  perf runs {row['all_perf']}; metrics {row['metrics']}")
        for issue in row["issues"]:
            print(f"  {issue}")
        for url in row["foreign"]:
            print(f"  third-party: {url}")
    print(f"\n{len(rows) - len(failing)} of {len(rows)} pages meet every target.")
    return 1 if failing else 0


@contextlib.contextmanager
def served(site: Path | None):
    """Serve ``site``, or a fresh build when None: yields (site folder, base URL)."""
    if site is None:
        with built_and_served() as served_site:
            yield served_site
    else:
        with serve(site.resolve()) as base_url:
            yield site.resolve(), base_url


if __name__ == "__main__":
    sys.exit(main())
