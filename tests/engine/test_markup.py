"""engine.markup: every place where markup would hide a program or its output, with its line."""

from engine.markup import problems
from engine.programs import page_programs

PYTHON = "```python\nprint(1)\n```\n"
MARKER = "<!--pytest-codeblocks:expected-output-->\n"
OUTPUT = "```text\n1\n```\n"


def _problems(tmp_path, text: str) -> list[str]:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return problems(page)


def _lines(found: list[str]) -> list[int]:
    return [int(problem.split(": ", 1)[0].rsplit(":", 1)[1]) for problem in found]


def test_a_correct_page_has_no_problems(tmp_path):
    assert _problems(tmp_path, f"# Page\n\n{PYTHON}\n{MARKER}\n{OUTPUT}") == []


def test_sessions_and_unknown_languages_are_refused(tmp_path):
    text = "```pycon\n>>> 1\n1\n```\n\n```pyhton\nprint(1)\n```\n\n```\nplain\n```\n"
    found = _problems(tmp_path, text)
    assert _lines(found) == [1, 6, 10], found
    assert "never run" in found[0] and "'pyhton'" in found[1] and "'(none)'" in found[2]


def test_misspelt_markers_are_reported_with_their_lines(tmp_path):
    spellings = [
        "<!--pytest-codeblocks:expected-ouput-->",
        "<!-- pytest-codeblocks: expected-output -->",
        "<!--pytest-codeblock:expected-output-->",
    ]
    text = "".join(f"{PYTHON}\n{spelling}\n\n{OUTPUT}\n" for spelling in spellings)
    found = [p for p in _problems(tmp_path, text) if "malformed" in p]
    assert _lines(found) == [5, 15, 25], found


def test_a_malformed_marker_does_not_stop_the_other_programs(tmp_path):
    page = tmp_path / "page.md"
    bad = "<!--pytest-codeblocks:expected-ouput-->\n"
    page.write_text(f"{PYTHON}\n{bad}\n{OUTPUT}\n```python\nprint(2)\n```\n", encoding="utf-8")
    assert [block.code for _, block in page_programs(page)] == ["print(1)\n", "print(2)\n"]


def test_an_output_bound_to_anything_but_a_python_block_is_refused(tmp_path):
    text = f"```sh\necho 1\n```\n\n{MARKER}\n{OUTPUT}\n{PYTHON}\n{MARKER}\nSome prose.\n\n{OUTPUT}"
    found = _problems(tmp_path, text)
    assert any("follows a ```sh block" in p for p in found), found
    assert any("not directly above an output block" in p for p in found), found


def test_an_output_without_a_marker_is_refused(tmp_path):
    found = _problems(tmp_path, f"{PYTHON}\n{OUTPUT}")
    assert _lines(found) == [5] and "no <!--pytest" in found[0], found


def test_an_output_after_prose_or_in_a_shell_session_is_refused(tmp_path):
    session = "```console\n$ python gcn.py\naccuracy 0.97\n```\n"
    found = _problems(tmp_path, f"{PYTHON}\nIt prints:\n\n{OUTPUT}\n{session}")
    assert _lines(found) == [7, 11], found
    assert "no <!--pytest" in found[0] and "```console block" in found[1], found


def test_an_include_outside_a_fence_is_refused(tmp_path):
    text = '# Page\n\n--8<-- "pyg/gcn.py"\n\n```python\n--8<-- "pyg/gcn.py"\n```\n'
    found = _problems(tmp_path, text)
    # The file's code, expanded as prose, may read as more problems there: all at the include.
    assert set(_lines(found)) == {3} and "outside a code fence" in found[0], found


def test_an_indented_code_block_is_reported_but_admonition_content_is_not(tmp_path):
    text = (
        "# Page\n\n!!! note\n\n    Indented prose of a note.\n\nA paragraph.\n\n"
        "    print('indented code')\n"
    )
    found = _problems(tmp_path, text)
    assert _lines(found) == [9] and "indented code block" in found[0], found


def test_a_failed_include_does_not_stop_the_pages_other_programs(tmp_path):
    page = tmp_path / "page.md"
    missing = '```python\n--8<-- "pyg/no_such_file.py"\n```\n'
    page.write_text(f"{missing}\n{PYTHON}", encoding="utf-8")
    assert [block.code for _, block in page_programs(page)] == ["print(1)\n"]


def test_html_that_runs_or_loads_something_is_refused(tmp_path):
    text = (
        "# Page\n\n<script>location = 'https://example.org'</script>\n\n"
        '<meta http-equiv="refresh" content="0; url=https://example.org">\n\n'
        '<iframe src="https://example.org"></iframe>\n\n'
        '<img src="x.png" alt="x" onerror="alert(1)">\n\n'
        "`<script>` in code is text, and so is\n\n```text\n<script></script>\n```\n"
    )
    found = _problems(tmp_path, text)
    active = [problem for problem in found if "runs no script" in problem]
    assert _lines(active) == [3, 5, 7, 9], found
