"""The code a reader sees unfolded, block by block: `python scripts/block_sizes.py [PAGES]`.

Prints each Python block of the pages (all pages by default) with its lines of code, folded ones
marked, and per page and for the site the count, median and largest of the unfolded blocks,
against engine/targets.py's SHOWN_BLOCK_* budgets (tests/test_pages.py holds the site to them).
``--heights SITE`` adds each built page's height in CSS pixels, as Chromium lays it out at
1280 x 800 with every folded block closed and all code drawn (a measure, not a test: it
depends on fonts).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from engine.browser import ARGS, chromium
from engine.pages import shown_blocks
from engine.paths import page_files, rel
from engine.server import serve
from engine.site import built_file_of
from engine.targets import SHOWN_BLOCK_MAX_LINES, SHOWN_BLOCK_MEDIAN_LINES


def summary(lengths: list[int]) -> str:
    if not lengths:
        return "no unfolded block"
    return (
        f"{len(lengths)} unfolded blocks, median {statistics.median(lengths):g} lines "
        f"(budget {SHOWN_BLOCK_MEDIAN_LINES}), largest {max(lengths)} (budget {SHOWN_BLOCK_MAX_LINES}),"
        f" {sum(lengths)} lines in all"
    )


def heights(site: Path, pages: list[Path]) -> dict[Path, int]:
    """Each page's height in CSS pixels, served from ``site`` on loopback."""
    from playwright.sync_api import sync_playwright

    found = {}
    with serve(site) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for source in pages:
            page.goto(base_url + built_file_of(site, source).relative_to(site).as_posix())
            # The site's CSS lets the browser skip drawing code off screen (content-visibility),
            # which makes the height a guess: draw everything first.
            page.add_style_tag(content="* { content-visibility: visible !important; }")
            found[source] = page.evaluate("document.documentElement.scrollHeight")
        browser.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", help="pages (default: every page)")
    parser.add_argument("--heights", type=Path, metavar="SITE", help="a built site to measure")
    args = parser.parse_args()
    pages = [Path(a).resolve() for a in args.pages] or page_files()
    tall = heights(args.heights, pages) if args.heights else {}
    everything = []
    for page in pages:
        blocks = shown_blocks(page)
        for block in blocks:
            over = " OVER" if not block.folded and block.lines > SHOWN_BLOCK_MAX_LINES else ""
            print(f"  {block.where:28} {block.lines:4} {'(folded)' if block.folded else ''}{over}")
        shown = [b.lines for b in blocks if not b.folded]
        everything += shown
        height = f"; {tall[page]} px tall" if page in tall else ""
        print(f"{rel(page)}: {summary(shown)}{height}\n")
    if len(pages) > 1:
        print(f"site: {summary(everything)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
