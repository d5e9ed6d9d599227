"""engine.markup: every place where markup would hide a program or its output, with its line."""

import pytest

from engine.markup import problems
from engine.programs import page_programs

PYTHON = "```python\nprint(1)\n```\n"
MARKER = "<!--pytest-codeblocks:expected-output-->\n"
OUTPUT = "```text\n1\n```\n"
MISSPELT = (
    "<!--pytest-codeblocks:expected-ouput-->",
    "<!-- pytest-codeblocks: expected-output -->",
    "<!--pytest-codeblock:expected-output-->",
)
NO_MARKER = "no <!--pytest"
RUNS = "runs no script"
# A page, and (line, a phrase of its message) of each problem found on it, in order.
PAGES = {
    "a correct page": (f"# Page\n\n{PYTHON}\n{MARKER}\n{OUTPUT}", []),
    "sessions and unknown languages": (
        "```pycon\n>>> 1\n1\n```\n\n```pyhton\nprint(1)\n```\n\n```\nplain\n```\n",
        [(1, "never run"), (6, "'pyhton'"), (10, "'(none)'")],
    ),
    "misspelt markers, and the outputs they leave unmarked": (
        "".join(f"{PYTHON}\n{spelling}\n\n{OUTPUT}\n" for spelling in MISSPELT),
        [(5, "malformed"), (7, NO_MARKER), (15, "malformed"), (17, NO_MARKER)]
        + [(25, "malformed"), (27, NO_MARKER)],
    ),
    "an output bound to a shell block, or not right under its marker": (
        f"```sh\necho 1\n```\n\n{MARKER}\n{OUTPUT}\n{PYTHON}\n{MARKER}\nSome prose.\n\n{OUTPUT}",
        [(5, "follows a ```sh block"), (15, "not directly above"), (19, NO_MARKER)],
    ),
    "an output after prose, and a shell session": (
        f"{PYTHON}\nIt prints:\n\n{OUTPUT}\n```console\n$ python gcn.py\naccuracy 0.97\n```\n",
        [(7, NO_MARKER), (11, "```console block")],
    ),
    # The file's code, expanded as prose, reads as more problems: all at the include.
    "an include outside a fence": (
        '# Page\n\n--8<-- "pyg/gcn.py"\n\n```python\n--8<-- "pyg/gcn.py"\n```\n',
        [(3, "outside a code fence"), (3, "indented code block")],
    ),
    "an indented code block, but not an admonition's content": (
        "# Page\n\n!!! note\n\n    Indented prose of a note.\n\nA paragraph.\n\n"
        "    print('indented code')\n",
        [(9, "indented code block")],
    ),
    "HTML that runs or loads something, but not in code": (
        "# Page\n\n<script>location = 'https://example.org'</script>\n\n"
        '<meta http-equiv="refresh" content="0; url=https://example.org">\n\n'
        '<iframe src="https://example.org"></iframe>\n\n'
        '<img src="x.png" alt="x" onerror="alert(1)">\n\n'
        "`<script>` in code is text, and so is\n\n```text\n<script></script>\n```\n",
        [(3, RUNS), (5, RUNS), (7, RUNS), (9, RUNS), (13, NO_MARKER)],
    ),
}


@pytest.mark.parametrize(("text", "expected"), PAGES.values(), ids=PAGES)
def test_problems_are_found_with_their_lines(tmp_path, text, expected):
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    found = problems(page)
    lines = [int(problem.split(": ", 1)[0].rsplit(":", 1)[1]) for problem in found]
    assert lines == [line for line, _ in expected], found
    for problem, (_, phrase) in zip(found, expected, strict=True):
        assert phrase in problem, found


@pytest.mark.parametrize(
    "other",
    [
        "<!--pytest-codeblocks:expected-ouput-->\n\n" + OUTPUT,
        '```python\n--8<-- "pyg/no.py"\n```\n',
    ],
    ids=["a malformed marker", "a failed include"],
)
def test_one_bad_place_does_not_stop_the_pages_other_programs(tmp_path, other):
    page = tmp_path / "page.md"
    page.write_text(f"{other}\n{PYTHON}", encoding="utf-8")
    assert [block.code for _, block in page_programs(page)] == ["print(1)\n"]
