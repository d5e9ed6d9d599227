"""engine.snippet_diff: a comparison generated from the two files, errors with page and line. That
the build renders it is test_built_code_is_the_tested_code (tests/test_site.py): the pages' code
blocks, expanded as here, are the built page's."""

import pytest

from engine.fences import IncludeError
from engine.snippet_diff import changed_lines, expand


def test_changed_lines_on_each_side():
    assert changed_lines(["a", "b", "c"], ["a", "B", "c", "d"]) == ([2], [2, 4])


def test_a_fence_becomes_two_tabs_and_a_diff(tmp_path):
    (tmp_path / "old.py").write_text("x = 1\ny = 2\n")
    (tmp_path / "new.py").write_text("x = 1\ny = 3\n")
    markdown = expand("Intro\n\n```snippet-diff\nold.py\nnew.py\n```\n", tmp_path)
    assert '=== "old.py"' in markdown and '=== "new.py"' in markdown and '=== "Diff"' in markdown
    assert 'hl_lines="2"' in markdown and '--8<-- "new.py"' in markdown
    assert "    -y = 2" in markdown and "    +y = 3" in markdown


def test_errors_name_the_page_and_line(tmp_path):
    with pytest.raises(IncludeError, match=r"docs/x.md:3: .*'missing.py'"):
        expand("a\n\n```snippet-diff\nmissing.py\nother.py\n```\n", tmp_path, "docs/x.md")
    with pytest.raises(IncludeError, match="docs/x.md:1: a snippet-diff fence lists two"):
        expand("```snippet-diff\nonly.py\n```\n", tmp_path, "docs/x.md")
