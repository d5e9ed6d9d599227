"""engine.fences: the independent scan sees every fence, where pytest-codeblocks skips some."""

import io

from pytest_codeblocks import extract_from_buffer

from engine.fences import iter_fences

TEXT = (
    '```python\na = 1\n```\n\n~~~python\nb = 2\n~~~\n\n    ```py title="x.py"\n    c = 3\n    ```\n'
)


def test_fence_scanner_sees_what_pytest_codeblocks_skips():
    assert [f.code for f in iter_fences(TEXT)] == ["a = 1\n", "b = 2\n", "c = 3\n"]
    assert [b.code for b in extract_from_buffer(io.StringIO(TEXT))] != [
        "a = 1\n",
        "b = 2\n",
        "c = 3\n",
    ]


def test_a_fence_knows_its_language_lines_and_indent():
    fences = iter_fences(TEXT)
    assert [(f.lang, f.lineno, f.end, f.indent) for f in fences] == [
        ("python", 1, 3, ""),
        ("python", 5, 7, ""),
        ("py", 9, 11, "    "),
    ]


def test_a_longer_fence_holds_a_shorter_one():
    text = "````markdown\n```python\nx = 1\n```\n````\n"
    (outer,) = iter_fences(text)
    assert outer.lang == "markdown" and outer.code == "```python\nx = 1\n```\n"
