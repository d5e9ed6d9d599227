"""Run every program of the site (snippets and page programs) on every kind of machine this CPU can
stand in for: each CPU kernel set PyTorch has (ATEN_CPU_CAPABILITY) times 1, 2 and 4 threads, and
print a table of which cells pass. A cell passes when the program exits 0, writes nothing to
stderr and prints exactly what its pages state.

A check that holds with one kernel set and fails with another is a coin toss on readers' machines;
this finds it before they do. `make matrix` runs every cell (a few minutes); `--cells default:2`
runs one, as CI does besides the normal run (.ci/run). Exit status 1 when any cell fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from engine.cells import THREADS, Cell, cpu_capabilities, parse_cells
from engine.programs import Program, collect_programs
from engine.results import run_once
from engine.runner import SnippetError, program_env


def verdict(program: Program, cell: Cell) -> str | None:
    """None when the program passes in ``cell``; otherwise why not, in one paragraph."""
    try:
        result = run_once(
            program.code, label=program.label, filename=program.filename, env=cell.env, check=False
        )
    # A time-out: run_code raises it even with check=False.
    except SnippetError as error:
        return str(error)
    if result.returncode != 0 or result.stderr.strip():
        return f"exit {result.returncode}, stderr:\n{result.stderr.strip()[-1500:]}"
    if not result.completed:
        return "exit 0 before its last line"
    unstated = program.unstated_output(result.stdout)
    if unstated:
        where, expected = unstated
        return f"{where} states:\n{expected.rstrip()}\nbut it printed:\n{result.stdout.rstrip()}"
    return None


def reported_capability(cell: Cell) -> str:
    """What PyTorch says it dispatches to under ``cell``: proof that the setting took effect."""
    code = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    run = subprocess.run(
        [sys.executable, "-c", code], env=program_env(cell.env), capture_output=True, text=True
    )
    return run.stdout.strip() or "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cells",
        help="comma-separated CAPABILITY:THREADS, e.g. default:2 (default: every cell)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="programs run at once (default 2)")
    args = parser.parse_args()
    cells = parse_cells(args.cells or "") or [
        Cell(c, t) for c in cpu_capabilities() for t in THREADS
    ]
    unsupported = [c for c in cells if c.capability not in cpu_capabilities()]
    if unsupported:
        print(f"this CPU cannot run the kernel set of {', '.join(map(str, unsupported))}")
        return 2
    programs = collect_programs()
    for cell in cells:
        print(f"cell {cell}: PyTorch dispatches to {reported_capability(cell)}")

    jobs = [(row, column) for row in range(len(programs)) for column in range(len(cells))]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        verdicts = pool.map(lambda job: verdict(programs[job[0]], cells[job[1]]), jobs)
        results = dict(zip(jobs, verdicts, strict=True))

    width = max(len(p.label) for p in programs)
    print()
    print(f"{'program':<{width}}  " + "  ".join(f"{str(c):>10}" for c in cells))
    for row, program in enumerate(programs):
        marks = ("pass" if results[row, col] is None else "FAIL" for col in range(len(cells)))
        print(f"{program.label:<{width}}  " + "  ".join(f"{m:>10}" for m in marks))
    failures = [(job, why) for job, why in results.items() if why is not None]
    for (row, col), why in failures:
        print(f"\n--- {programs[row].label} in cell {cells[col]}: {why}")
    print(f"\nmatrix: {len(results) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
