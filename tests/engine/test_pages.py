"""engine.pages: a page expanded as the build expands it, with its own line numbers kept."""

import pytest

from engine.fences import IncludeError
from engine.pages import expand_page, map_lines, shown_text
from engine.paths import SNIPPETS, snippet_files


def test_generated_lines_map_to_the_line_they_replace():
    assert map_lines(["a", "b", "c"], ["a", "x", "y", "c"]) == [1, 2, 2, 3]
    # Generated after the last line (a snippet-diff that ends the page): still a line of the page.
    assert map_lines(["a", "b"], ["a", "b", "x", "y"]) == [1, 2, 2, 2]


def test_an_include_is_expanded_and_recorded(tmp_path):
    snippet = snippet_files()[0]
    name = snippet.relative_to(SNIPPETS).as_posix()
    page = tmp_path / "page.md"
    page.write_text(f'# Title\n\n```python\n--8<-- "{name}"\n```\n')
    expanded = expand_page(page)
    assert expanded.includes == [(4, name)] and not expanded.errors
    # The file as pymdownx.snippets shows it: its section markers left out.
    body = shown_text(name).splitlines()
    assert expanded.lines[3 : 3 + len(body)] == body
    assert expanded.where(4 + len(body) - 1) == f"{page}:4"


def test_a_missing_include_is_reported_with_page_and_line(tmp_path):
    page = tmp_path / "page.md"
    page.write_text('Text\n\n```python\n--8<-- "no/such_file.py"\n```\n')
    expanded = expand_page(page)
    assert len(expanded.errors) == 1 and expanded.errors[0].startswith(f"{page}:4: ")


def test_a_malformed_snippet_diff_is_an_include_error(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```snippet-diff\none.py\n```\n")
    with pytest.raises(IncludeError, match="lists two files"):
        expand_page(page)
