"""`make seeds`: every snippet's own checks under other seeds, so that no claim holds for one seed.

Each snippet runs again with every seed it sets (``manual_seed(N)``, ``seed_everything(N)``) moved
to N + 1000 k, for k = 1..5 (``--seeds`` for more): one shift for all of a program's seeds, so
streams that differ stay different. A run passes as a snippet's own run does (exit 0, to its last
line, nothing on stderr); its printed numbers may differ from what the pages state, which is for
the page's seed. Each run is kept like every run (engine.results). Exit status 1 when any run fails; CI runs this weekly.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from engine.paths import REPO, rel, snippet_files
from engine.results import run_once
from engine.runner import SnippetError, check_result

SEED = re.compile(r"\b(?P<call>manual_seed|seed_everything)\((?P<seed>\d+)\)")
SHIFT = 1000


def reseeded(code: str, k: int) -> str:
    """``code`` with every seed it sets moved by ``k`` shifts."""
    return SEED.sub(lambda m: f"{m['call']}({int(m['seed']) + SHIFT * k})", code)


def verdict(path: Path, k: int) -> str | None:
    """None when the snippet passes with its seeds moved by ``k`` shifts; otherwise why not."""
    code = reseeded(path.read_text(encoding="utf-8"), k)
    label = f"{rel(path)} [seeds +{SHIFT * k}]"
    try:
        check_result(run_once(code, label=label, filename=path.name, check=False))
    except SnippetError as error:
        return str(error)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="snippet files (default: every snippet)")
    parser.add_argument("--seeds", type=int, default=5, help="shifts to try (default 5)")
    args = parser.parse_args()
    paths = [(REPO / f).resolve() for f in args.files] or snippet_files()
    seeded = [p for p in paths if SEED.search(p.read_text(encoding="utf-8"))]
    for path in sorted(set(paths) - set(seeded)):
        print(f"{rel(path)}: sets no seed, nothing to vary")
    failures = []
    for path in seeded:
        marks = []
        for k in range(1, args.seeds + 1):
            why = verdict(path, k)
            marks.append("pass" if why is None else "FAIL")
            if why:
                failures.append(why)
        print(f"{rel(path):45} " + " ".join(marks), flush=True)
    for why in failures:
        print(f"\n--- {why}")
    runs = len(seeded) * args.seeds
    print(f"\nseeds: {runs - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
