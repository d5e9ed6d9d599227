"""engine.fences: the one scan sees every fence (``~~~`` and indented ones too, which
pytest-codeblocks skips), the prose outside them, and a snippet's parts."""

from engine.fences import is_section_marker, iter_fences, prose_lines

TEXT = (
    '```python\na = 1\n```\n\n~~~python\nb = 2\n~~~\n\n    ```py title="x.py"\n    c = 3\n    ```\n'
)


def test_every_fence_with_its_code_language_lines_and_indent():
    fences = iter_fences(TEXT)
    assert [(f.code, f.lang, f.lineno, f.end, f.indent) for f in fences] == [
        ("a = 1\n", "python", 1, 3, ""),
        ("b = 2\n", "python", 5, 7, ""),
        ("c = 3\n", "py", 9, 11, "    "),
    ]
    assert prose_lines(TEXT.splitlines()) == [(3, ""), (7, "")]


def test_a_longer_fence_holds_a_shorter_one():
    text = "````markdown\n```python\nx = 1\n```\n````\n"
    (outer,) = iter_fences(text)
    assert outer.lang == "markdown" and outer.code == "```python\nx = 1\n```\n"


def test_a_section_marker_unless_escaped():
    assert is_section_marker("# --8<-- [start:data]") and is_section_marker("# --8<-- [end:data]")
    assert not is_section_marker("# ;--8<-- [start:data]")
    assert not is_section_marker('--8<-- "pyg/gcn.py"')
