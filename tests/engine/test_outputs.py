"""engine.outputs: stated outputs rewritten in place from what the programs print."""

from engine.outputs import update_pages
from engine.runner import SnippetError

PAGE = """\
```python
print("new")
```

<!--pytest-codeblocks:expected-output-->
```text
old
```

    ```python
    print("same")
    ```

    <!--pytest-codeblocks:expected-output-->
    ```text
    same
    ```
"""


def printer(program):
    # What the program would print, without starting a process.
    return program.code.split('"')[1] + "\n\nsecond line\n"


def test_a_changed_output_is_rewritten_and_shown_as_a_diff(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    diff, problems = update_pages([page], printer=printer)
    assert not problems
    text = page.read_text()
    assert "```text\nnew\n\nsecond line\n```" in text
    assert "    ```text\n    same\n\n    second line\n    ```" in text
    assert "-old\n+new\n" in diff


def test_a_failing_program_leaves_its_block_and_says_why(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE)

    def failing(program):
        raise SnippetError(f"{program.label} failed")

    diff, problems = update_pages([page], printer=failing)
    assert diff == "" and page.read_text() == PAGE
    assert len(problems) == 2 and "left as it is, the program failed" in problems[0]
