"""`make outputs`: each output a page states rewritten from what its program prints (the run the
tests kept, engine.results), with the diff; the tests still fail on a mismatch left.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from engine.fences import IncludeError
from engine.paths import page_files, rel
from engine.programs import (
    Program,
    StatedOutput,
    collect_programs,
    output_matches,
    program_key,
    stated_outputs,
)
from engine.results import run_once
from engine.runner import SnippetError

# Runs a program and returns what it printed (raises SnippetError when it fails).
Printer = Callable[[Program], str]


def rerun(program: Program) -> str:
    """What the program prints, from the run the tests keep (engine.results)."""
    return run_once(
        program.code, label=program.label, filename=program.filename, shown_on=program.shown_on
    ).stdout


def update_pages(
    pages: list[Path] | None = None, printer: Printer = rerun
) -> tuple[str, list[str]]:
    """Rewrite every stated output of ``pages`` (default: all) that differs from what its program
    prints; return the unified diff of what changed and the problems that left a block as it was."""
    programs = {program_key(p.code): p for p in collect_programs()}
    printed: dict[str, str | SnippetError] = {}
    diffs, problems = [], []
    for page in pages or page_files():
        try:
            stated = stated_outputs(page)
        except IncludeError as error:
            problems.append(str(error))
            continue
        old = page.read_text(encoding="utf-8")
        new = _rewritten(old, stated, programs, printed, printer, problems)
        if new != old:
            page.write_text(new, encoding="utf-8")
            diffs += difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True), rel(page), rel(page)
            )
    return "".join(diffs), problems


def _rewritten(text, stated, programs, printed, printer, problems) -> str:
    """``text`` with each stated output that differs replaced by the printed one."""
    lines = text.splitlines(keepends=True)
    # From the bottom up, so that the line numbers above a replaced block stay valid.
    for output in reversed(stated):
        now = _printed(output, programs, printed, printer)
        if isinstance(now, SnippetError):
            problems.append(f"{output.where}: left as it is, the program failed:\n{now}")
        elif not output_matches(now, output.text, output.ignore_whitespace):
            if output.opening is None:
                problems.append(f"{output.where}: comes from an include; change it there")
                continue
            new = [
                (f"{output.indent}{s}" if s else "") + "\n" for s in now.rstrip("\n").split("\n")
            ]
            lines[output.opening : output.opening + output.text.count("\n")] = new
    return "".join(lines)


def _printed(output: StatedOutput, programs, printed, printer) -> str | SnippetError:
    key = program_key(output.code)
    if key not in printed:
        program = programs.get(key) or Program(output.code, output.where, "page_block.py")
        try:
            printed[key] = printer(program)
        except SnippetError as error:
            printed[key] = error
    return printed[key]
