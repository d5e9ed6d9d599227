"""Every snippet file and every Python program on every page runs, as a reader would run it."""

import re

import pytest
from harness import SnippetError, collect_programs, run_code

PROGRAMS = collect_programs()


def _normalise(text: str, ignore_whitespace: bool) -> str:
    return re.sub(r"\s+", "", text) if ignore_whitespace else text.rstrip("\n")


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.label for p in PROGRAMS])
def test_program_runs_and_prints_what_the_page_states(program):
    try:
        result = run_code(
            program.code, label=program.label, filename=program.filename, shown_on=program.shown_on
        )
    # The message names the file and its pages; a traceback through the harness would be noise.
    except SnippetError as error:
        failure = str(error)
    else:
        failure = None
    if failure:
        pytest.fail(failure, pytrace=False)
    for where, expected, ignore_whitespace in program.expected_outputs:
        if _normalise(result.stdout, ignore_whitespace) != _normalise(expected, ignore_whitespace):
            pytest.fail(
                f"{where}: the page states this output of {program.label}:\n{expected}\n"
                f"but it printed:\n{result.stdout}",
                pytrace=False,
            )
