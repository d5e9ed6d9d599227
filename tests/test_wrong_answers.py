"""Every check on the site can fail: each edit in tests/wrong_answers/ turns a snippet's right answer
into the nearest wrong one (unbiased for biased, sum for mean, no self-loops, a missing 1/N...),
and the edited program must then fail, by an assertion or by printing other than the page states.
A check that passes for both answers proves nothing; this suite proves that none of them does.
"""

import tomllib

import pytest

from engine.paths import SNIPPETS, WRONG_ANSWERS, rel, snippet_files
from engine.programs import collect_programs
from engine.results import run_once

FIELDS = {"snippet", "claim", "old", "new"}


def _edits() -> tuple[list[tuple[str, dict]], list[str]]:
    """(where, edit) of every edit, and its id, by snippet (`pytest -k gcn_by_hand` selects its
    edits): pyg/gcn.py#1, pyg/gcn.py#2."""
    edits, ids, seen = [], [], {}
    for path in sorted(WRONG_ANSWERS.glob("*.toml")):
        for number, edit in enumerate(tomllib.loads(path.read_text("utf-8")).get("edit", []), 1):
            edits.append((f"{rel(path)}#{number}", edit))
            snippet = str(edit.get("snippet", edits[-1][0]))
            seen[snippet] = seen.get(snippet, 0) + 1
            ids.append(f"{snippet}#{seen[snippet]}")
    return edits, ids


EDITS, IDS = _edits()
STATED = {program.label: program for program in collect_programs()}


@pytest.mark.parametrize(
    "snippet", snippet_files(), ids=lambda p: p.relative_to(SNIPPETS).as_posix()
)
def test_every_snippet_has_a_wrong_answer_edit(snippet):
    """A snippet's checks are proved able to fail by at least one edit of its own."""
    name = snippet.relative_to(SNIPPETS).as_posix()
    if not any(edit.get("snippet") == name for _, edit in EDITS):
        pytest.fail(
            f"snippets/{name} has no wrong-answer edit: add one to "
            f"{rel(WRONG_ANSWERS)}/{name.split('/')[0]}.toml that turns the claim it checks into "
            "the nearest wrong answer (CONTRIBUTING.md, 'Write the code as a file')",
            pytrace=False,
        )


@pytest.mark.parametrize(("where", "edit"), EDITS, ids=IDS)
def test_wrong_answer_fails(where, edit):
    if set(edit) != FIELDS:
        pytest.fail(f"{where}: an edit has exactly the keys {sorted(FIELDS)}", pytrace=False)
    path = SNIPPETS / edit["snippet"]
    if not path.is_file():
        pytest.fail(f"{where}: snippets/{edit['snippet']} does not exist", pytrace=False)
    code = path.read_text(encoding="utf-8")
    if code.count(edit["old"]) != 1:
        pytest.fail(
            f"{where}: {edit['old']!r} occurs {code.count(edit['old'])} times in {rel(path)}, "
            "not once: the edit would not say which line it changes",
            pytrace=False,
        )
    edited = code.replace(edit["old"], edit["new"])
    result = run_once(edited, label=rel(path), filename=path.name, check=False)
    stated = STATED.get(rel(path))
    printed_other = bool(stated and stated.unstated_output(result.stdout))
    # Caught by a check: an assert or assert_close, not an edit that broke the program otherwise.
    caught = result.returncode != 0 and "AssertionError" in result.stderr
    if not (caught or (result.returncode == 0 and result.completed and printed_other)):
        outcome = (
            "still passes"
            if result.returncode == 0
            else f"fails, but not by a check:\n{result.stderr[-2000:]}"
        )
        pytest.fail(
            f"{where}: with the wrong answer ({edit['claim']}: {edit['old']!r} -> "
            f"{edit['new']!r}), {rel(path)} {outcome}",
            pytrace=False,
        )
