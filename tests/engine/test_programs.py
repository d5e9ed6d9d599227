"""engine.programs: the programs of a page and the outputs it states for them."""

from engine.pages import expand_page
from engine.paths import SNIPPETS, snippet_files
from engine.programs import (
    code_of,
    output_matches,
    page_programs,
    stated_outputs,
)

PAGE = """\
# Page

```python
print("one")
```

<!--pytest-codeblocks:expected-output-->
```text
one
```

```text
not a program
```

!!! note

    ```python
    print("two")
    ```

    <!--pytest-codeblocks:expected-output-ignore-whitespace-->
    ```text
    t w o
    ```
"""


def test_output_matches_as_pytest_codeblocks_documents():
    assert output_matches("a\n\n", "a\n")
    assert not output_matches("a b\n", "ab\n")
    assert output_matches("a  b\n\n", " a b\n", ignore_whitespace=True)
    # Ignoring whitespace keeps tokens apart: numbers cannot merge.
    assert not output_matches("loss 12 3\n", "loss 1 23\n", ignore_whitespace=True)


def test_a_page_has_its_python_programs_and_each_stated_output_its_program_and_place(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    programs = [(where, block.code) for where, block in page_programs(page)]
    assert programs == [(f"{page}:3", 'print("one")\n'), (f"{page}:18", 'print("two")\n')]
    first, second = stated_outputs(page)
    assert (first.code, first.text, first.opening, first.indent) == (
        'print("one")\n',
        "one\n",
        8,
        "",
    )
    assert (second.text, second.opening, second.indent) == ("t w o\n", 23, "    ")
    assert second.ignore_whitespace and not first.ignore_whitespace


def test_a_block_that_shows_a_file_in_parts_is_that_file(tmp_path):
    snippet = snippet_files()[0]
    name = snippet.relative_to(SNIPPETS).as_posix()
    page = tmp_path / "page.md"
    page.write_text(
        f'```python\n--8<-- "{name}:1:2"\n\n--8<-- "{name}:3:4"\n```\n\n'
        f'```python\n--8<-- "{name}:1:2"\nprint("and more")\n```\n'
    )
    expanded = expand_page(page)
    (_, part), (_, mixed) = page_programs(page)
    assert code_of(expanded, part) == snippet.read_text(encoding="utf-8")
    assert code_of(expanded, mixed) == mixed.code and mixed.code.endswith('print("and more")\n')


def test_parts_chained_with_page_code_run_as_written(tmp_path):
    snippet = snippet_files()[0]
    name = snippet.relative_to(SNIPPETS).as_posix()
    page = tmp_path / "page.md"
    page.write_text(
        f'```python\n--8<-- "{name}:1:2"\n```\n\n<!--pytest-codeblocks:cont-->\n'
        '```python\nprint("not in the file")\n```\n'
    )
    ((_, chained),) = page_programs(page)
    assert code_of(expand_page(page), chained) == chained.code
    assert chained.code.endswith('print("not in the file")\n')
