"""`make outputs [PAGES=docs/pyg.md]`: rewrite the outputs pages state from what their programs
print now, showing the diff (engine.outputs); exit 1 when a block could not be rewritten.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.outputs import update_pages
from engine.paths import REPO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="pages to update (default: all)")
    args = parser.parse_args(argv)
    pages = [(REPO / page).resolve() for page in args.pages] or None
    diff, problems = update_pages(pages)
    print(diff or "every stated output is what its program prints: no page changed")
    for problem in problems:
        print(f"\n{problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
