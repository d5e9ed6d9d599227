"""Every snippet file and every Python program on every page runs, as a reader would run it."""

import os
import re
from pathlib import Path

import pytest

from engine.cpus import CPUS, cores, parse_cpus
from engine.paths import DOCS, page_files, rel, snippet_files
from engine.programs import collect_programs
from engine.results import run_once

PROGRAMS = collect_programs()
# Besides the default run (this machine's kernels, one thread), the CPU settings named in
# TESTED_NOTES_CPUS, e.g. "default:2,avx2:4": CI runs "default:2" (.ci/run), `make matrix` "all".
SETTINGS = [None, *parse_cpus(os.environ.get(CPUS, ""))]
# `make seeds` (TESTED_NOTES_SEEDS=5): every snippet that sets seeds, again with each seed it sets
# moved to N + 1000 k for k = 1..5, one shift for all of a program's seeds so that streams that
# differ stay different. Its own checks must hold; its printed numbers may differ from what the
# page states, which is for the page's seed.
SEED = re.compile(r"\b(?P<call>manual_seed|seed_everything)\((?P<seed>\d+)\)")
SHIFTS = range(1, int(os.environ.get("TESTED_NOTES_SEEDS") or 0) + 1)
SEEDED = [path for path in snippet_files() if SEED.search(path.read_text(encoding="utf-8"))]
RESEEDED = [(path, shift) for path in SEEDED for shift in SHIFTS]
# What PyTorch says it dispatches to, and with how many threads.
DISPATCH = "import torch; print(torch.backends.cpu.get_cpu_capability(), torch.get_num_threads())"


def only_with(*values, setting: str):
    """The one parameter set, skipped, of a test that runs only with ``setting``."""
    return pytest.param(*values, marks=pytest.mark.skip(reason=f"runs with {setting}"))


def _figures_named_on_pages(result, program) -> str | None:
    """A reader who runs a plotting script gets its figure as a file that a page names."""
    if "matplotlib" not in program.code:
        return None
    figures = [name for name in result.files if name.endswith((".png", ".svg", ".pdf"))]
    if not figures:
        return f'{program.label} draws a figure but saves none: add fig.savefig("<name>.png")'
    pages = "".join(page.read_text(encoding="utf-8") for page in page_files())
    unnamed = [name for name in figures if name not in pages]
    if unnamed:
        return f"{program.label} saves {unnamed}, which no page in {DOCS.name}/ names"
    return None


@pytest.mark.parametrize(
    "cpu", SETTINGS[1:] or [only_with(None, setting="TESTED_NOTES_CPUS=default:2")], ids=str
)
def test_a_cpu_setting_takes_effect(cpu):
    """Proof that a program run under ``cpu`` gets that kernel set and thread count (PyTorch runs
    no more threads than cores)."""
    result = run_once(DISPATCH, label=f"PyTorch's dispatch [{cpu}]", env=cpu.env)
    threads = min(cpu.threads, cores())
    assert result.stdout.split() == [cpu.capability.upper(), str(threads)], result.stdout


@pytest.mark.parametrize("cpu", SETTINGS, ids=lambda cpu: str(cpu or "here"))
@pytest.mark.parametrize("program", PROGRAMS, ids=[p.label for p in PROGRAMS])
def test_program_runs_and_prints_what_the_page_states(program, cpu):
    label = f"{program.label} [{cpu}]" if cpu else program.label
    # A failure raises SnippetError, whose message names the file and its pages (conftest.py). An
    # identical run done before, in this suite or an earlier one, is not done again (engine.results).
    result = run_once(
        program.code,
        label=label,
        filename=program.filename,
        shown_on=program.shown_on,
        env=cpu.env if cpu else None,
    )
    missing_figure = _figures_named_on_pages(result, program)
    if missing_figure:
        pytest.fail(missing_figure, pytrace=False)
    unstated = program.unstated_output(result.stdout)
    if unstated:
        where, expected = unstated
        pytest.fail(
            f"{where}: the page states this output of {label}:\n{expected}\n"
            f"but it printed:\n{result.stdout}\n(`make outputs` rewrites the page's block)",
            pytrace=False,
        )
    unprinted = program.unprinted_values(result.stdout)
    if unprinted:
        pytest.fail("\n".join([*unprinted, f"{label} printed:\n{result.stdout}"]), pytrace=False)


@pytest.mark.parametrize(
    ("snippet", "shift"),
    RESEEDED or [only_with(Path(), 0, setting="TESTED_NOTES_SEEDS=5 (make seeds)")],
    ids=lambda value: rel(value) if isinstance(value, Path) else str(value),
)
def test_a_snippets_checks_hold_under_other_seeds(snippet, shift):
    def moved(seed: re.Match) -> str:
        return f"{seed['call']}({int(seed['seed']) + 1000 * shift})"

    code = SEED.sub(moved, snippet.read_text(encoding="utf-8"))
    run_once(code, label=f"{rel(snippet)} [seeds +{1000 * shift}]", filename=snippet.name)
