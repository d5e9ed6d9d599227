"""Pages and snippets agree: every include resolves, every snippet is shown, every Python block runs."""

import io

import pytest
from harness import (
    PYTHON_LANGS,
    SNIPPETS,
    IncludeError,
    expand_page,
    iter_fences,
    page_files,
    page_programs,
    rel,
    snippet_files,
    walkthroughs,
)
from pytest_codeblocks import extract_from_buffer

PAGES = page_files()


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_includes_resolve(page):
    try:
        expanded = expand_page(page)
    except IncludeError as error:  # a malformed snippet-diff fence
        expanded, failure = None, str(error)
    if expanded is None:
        pytest.fail(failure, pytrace=False)
    missing = [
        f"{rel(page)}:{line} includes {include!r}, which is not a file in snippets/"
        for line, include in expanded.includes
        if not (SNIPPETS / include.split(":")[0]).is_file()
    ]
    if missing or expanded.errors:
        pytest.fail("\n".join(missing or expanded.errors), pytrace=False)


def _shown_snippets() -> dict[str, list[str]]:
    shown: dict[str, list[str]] = {}
    for page in PAGES:
        try:
            expanded = expand_page(page)
        except IncludeError:
            continue  # reported by test_includes_resolve
        for line, include in expanded.includes:
            shown.setdefault(include.split(":")[0], []).append(f"{rel(page)}:{line}")
    for uri, snippet in walkthroughs().items():
        shown.setdefault(snippet.relative_to(SNIPPETS).as_posix(), []).append(uri)
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
    try:
        programs = [block.code for _, block in page_programs(page)]
    except IncludeError as error:
        programs, failure = None, str(error)
    if programs is None:
        pytest.fail(failure, pytrace=False)
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
    for _, block in page_programs(page):
        assert not block.marks, f"{rel(page)}: code blocks must not be skipped ({block.marks})"


def test_fence_scanner_sees_what_pytest_codeblocks_sees():
    """The independent scanner itself: it must see fences pytest-codeblocks skips."""
    text = '```python\na = 1\n```\n\n~~~python\nb = 2\n~~~\n\n    ```py title="x.py"\n    c = 3\n    ```\n'
    assert [f.code for f in iter_fences(text)] == ["a = 1\n", "b = 2\n", "c = 3\n"]
    assert [b.code for b in extract_from_buffer(io.StringIO(text))] != [
        "a = 1\n",
        "b = 2\n",
        "c = 3\n",
    ]
