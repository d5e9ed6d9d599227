"""The code a reader sees unfolded, block by block: `python scripts/block_sizes.py [PAGES]`.

Prints each Python block of the pages (all pages by default) with its lines of code, folded ones
marked, and per page and for the site the count, median and largest of the unfolded blocks,
against engine/targets.py's SHOWN_BLOCK_* budgets (tests/test_pages.py holds the site to them).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from engine.pages import shown_blocks
from engine.paths import page_files, rel
from engine.targets import SHOWN_BLOCK_MAX_LINES, SHOWN_BLOCK_MEDIAN_LINES


def summary(lengths: list[int]) -> str:
    if not lengths:
        return "no unfolded block"
    return (
        f"{len(lengths)} unfolded blocks, median {statistics.median(lengths):g} lines "
        f"(budget {SHOWN_BLOCK_MEDIAN_LINES}), largest {max(lengths)} (budget {SHOWN_BLOCK_MAX_LINES}),"
        f" {sum(lengths)} lines in all"
    )


def main(arguments: list[str]) -> int:
    pages = [Path(a).resolve() for a in arguments] or page_files()
    everything = []
    for page in pages:
        blocks = shown_blocks(page)
        for block in blocks:
            over = " OVER" if not block.folded and block.lines > SHOWN_BLOCK_MAX_LINES else ""
            print(f"  {block.where:28} {block.lines:4} {'(folded)' if block.folded else ''}{over}")
        shown = [b.lines for b in blocks if not b.folded]
        everything += shown
        print(f"{rel(page)}: {summary(shown)}\n")
    if len(pages) > 1:
        print(f"site: {summary(everything)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
