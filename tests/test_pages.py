"""Pages and snippets agree: no markup hides a program, every snippet is shown, every Python block
runs, none is skipped, and the code shown unfolded is one idea a block."""

import statistics

import pytest

from engine.fences import PYTHON_LANGS, iter_fences
from engine.markup import problems
from engine.pages import expand_page, shown_blocks
from engine.paths import SNIPPETS, page_files, rel, snippet_files
from engine.programs import page_programs
from engine.run_values import quoted_values
from engine.targets import PAGE_CODE_BLOCKS_MAX, SHOWN_BLOCK_MAX_LINES, SHOWN_BLOCK_MEDIAN_LINES
from engine.walkthroughs import walkthroughs

PAGES = page_files()


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_markup_hides_no_program_or_output(page):
    """Unknown fence languages, malformed or misplaced markers, unmarked outputs, includes outside
    fences, indented code: every one on the page, each with its line (engine.markup)."""
    found = problems(page)
    if found:
        pytest.fail("\n".join(found), pytrace=False)


def _shown_snippets() -> set[str]:
    shown = {snippet.relative_to(SNIPPETS).as_posix() for snippet in walkthroughs().values()}
    for page in PAGES:
        try:
            shown |= {include.split(":")[0] for _, include in expand_page(page).includes}
        # A broken include: reported by the strict build and test_built_code_is_the_tested_code.
        except AssertionError:
            continue
    return shown


@pytest.mark.parametrize("snippet", snippet_files(), ids=rel)
def test_every_snippet_is_shown_on_a_page(snippet):
    name = snippet.relative_to(SNIPPETS).as_posix()
    if name not in _shown_snippets():
        pytest.fail(
            f'{rel(snippet)} is not shown on any page: include it with --8<-- "{name}" (or delete it)',
            pytrace=False,
        )


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_python_block_is_run(page):
    """Count Python fences independently of pytest-codeblocks, which skips what it does not recognise."""
    programs = [block.code for _, block in page_programs(page)]
    expanded = expand_page(page)
    for fence in iter_fences(expanded.text):
        if fence.lang not in PYTHON_LANGS:
            continue
        where = expanded.where(fence.lineno)
        assert fence.info.split()[0] == "python", (
            f"{where}: write ```python (not {fence.info.split()[0]!r}) so the block is tested"
        )
        assert any(fence.code in program for program in programs), (
            f"{where}: this Python block is not collected by pytest-codeblocks (use a ``` fence, not ~~~)"
        )


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_no_block_is_skipped(page):
    for where, block in page_programs(page):
        assert not block.marks, f"{where}: code blocks must not be skipped ({block.marks})"


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_no_line_numbers_kept_by_hand(page):
    """A number on the page would highlight the wrong line after the next edit of the file: show
    the lines as a part of the snippet (its section markers), which moves with the code."""
    numbered = [
        f"{rel(page)}:{number}"
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if "hl_lines=" in line
    ]
    assert not numbered, (
        f'hl_lines on {", ".join(numbered)}: include the part ("<file>.py:<part>") instead'
    )


def test_code_shown_unfolded_is_one_idea_a_block():
    """No Python block a reader sees unfolded is over the maximum, and their median over the site is
    at most the typical size (engine/targets.py); collapsed ``???`` blocks (setup shown once above,
    figures) are opened on demand. `python scripts/block_sizes.py` lists every block."""
    shown = [block for page in PAGES for block in shown_blocks(page) if not block.folded]
    long = [
        f"{b.where}: {b.lines} lines shown unfolded (at most {SHOWN_BLOCK_MAX_LINES}): show the "
        "file in parts, or fold its setup in a ??? block"
        for b in shown
        if b.lines > SHOWN_BLOCK_MAX_LINES
    ]
    median = statistics.median(b.lines for b in shown)
    if median > SHOWN_BLOCK_MEDIAN_LINES:
        long.append(
            f"the median block shown unfolded has {median:g} lines (at most "
            f"{SHOWN_BLOCK_MEDIAN_LINES}): `python scripts/block_sizes.py` lists them"
        )
    if long:
        pytest.fail("\n".join(long), pytrace=False)


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_a_page_holds_a_bounded_number_of_code_blocks(page):
    """Material's script sets up every code block at load: Lighthouse's blocking time grows with
    their count (93 blocks scored 0.89). A library with more to show takes another page."""
    count = len(iter_fences(expand_page(page).text))
    assert count <= PAGE_CODE_BLOCKS_MAX, (
        f"{rel(page)}: {count} code blocks (outputs and generated diffs included; at most "
        f"{PAGE_CODE_BLOCKS_MAX}): move a section to a page of its own, in the library's nav section"
    )


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_numbers_from_a_run_name_their_program(page):
    """Every {= value =} mark is well formed and belongs to a program: the nearest Python block
    above it, or the snippet it names (tests/test_snippets.py then holds the value to the run)."""
    problems = quoted_values(page)[1]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
