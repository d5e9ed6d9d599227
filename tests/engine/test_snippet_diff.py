"""engine.snippet_diff: a comparison generated from the two files, errors with page and line."""

import markdown
import pytest

from engine.snippet_diff import SnippetDiffError, changed_lines, expand


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
    with pytest.raises(SnippetDiffError, match=r"docs/x.md:3: .*'missing.py'"):
        expand("a\n\n```snippet-diff\nmissing.py\nother.py\n```\n", tmp_path, "docs/x.md")
    with pytest.raises(SnippetDiffError, match="docs/x.md:1: a snippet-diff fence lists two"):
        expand("```snippet-diff\nonly.py\n```\n", tmp_path, "docs/x.md")


def test_the_extension_renders_the_tabs_in_the_html(tmp_path):
    """Any builder that runs Python-Markdown: the fence becomes the tabs, the diff in the last."""
    (tmp_path / "old.py").write_text("x = 1\n")
    (tmp_path / "new.py").write_text("x = 2\n")
    extensions = [
        "engine.snippet_diff",
        "pymdownx.snippets",
        "pymdownx.superfences",
        "pymdownx.tabbed",
    ]
    configs = {"pymdownx.snippets": {"base_path": [str(tmp_path)]}}
    page = "```snippet-diff\nold.py\nnew.py\n```\n"
    html = markdown.markdown(page, extensions=extensions, extension_configs=configs)
    assert 'data-tabs="1:3"' in html and "snippet-diff" not in html
    assert "+x = 2" in html and "-x = 1" in html


def test_the_extension_names_the_line_after_the_front_matter(tmp_path):
    """The builder takes the front matter off before Python-Markdown sees the page."""
    extensions = ["engine.snippet_diff", "pymdownx.snippets"]
    configs = {"pymdownx.snippets": {"base_path": [str(tmp_path)]}}
    page = "Text\n\n```snippet-diff\nmissing.py\nother.py\n```\n"
    with pytest.raises(SnippetDiffError, match=r"^page \(after its front matter\):3: "):
        markdown.markdown(page, extensions=extensions, extension_configs=configs)
