"""engine.run_values: numbers in prose marked as printed by a program, rendered and checked."""

import markdown

from engine.programs import Program
from engine.run_values import marks, occurs, quoted_values, render

PAGE = """\
# Page

```python
print("score 25, loss 0.53")
```

It scores {= 25 =}, and its loss is {= 0.53 =}; `{= 7 =}` is code.

![A figure whose loss is {= 0.53 =}](figures/x.png)
"""


def test_a_mark_renders_as_its_value_outside_code():
    html = markdown.markdown(PAGE, extensions=["engine.run_values", "fenced_code"])
    assert "It scores 25, and its loss is 0.53;" in html
    assert 'alt="A figure whose loss is 0.53"' in html
    assert "<code>{= 7 =}</code>" in html
    assert render(["```", "x = {= 1 =}", "```"]) == ["```", "x = {= 1 =}", "```"]


def test_malformed_marks_are_found_with_their_line():
    found, malformed = marks(["ok {= 1 =}", "broken {= 2", "also broken 3 =}", "{=4@=}"])
    assert [(m.lineno, m.value) for m in found] == [(1, "1")]
    assert malformed == [2, 3, 4]


def test_a_value_is_a_whole_token_of_the_output():
    assert occurs("25", "score 25, loss") and occurs("25", "25%") and occurs("1.2", "was 1.2.")
    assert not occurs("25", "125") and not occurs("0.5", "0.53") and not occurs("1.2", "1.25")
    assert occurs("-2.6e-06", "eigenvalue -2.6e-06\n") and not occurs("2.6e-06", "-2.6e-06")


def test_each_mark_belongs_to_the_program_above_it_or_the_snippet_it_names(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE + "\nAnd {= 3 @ pyg/gcn.py =}, {= 4 @ pyg/missing.py =}.\n")
    quoted, problems = quoted_values(page)
    assert [(where.rsplit(":", 1)[1], value) for where, value, _ in quoted] == [
        ("7", "25"),
        ("7", "0.53"),
        ("9", "0.53"),
        ("11", "3"),
    ]
    assert quoted[0][2] == 'print("score 25, loss 0.53")\n'
    assert "pyg/gcn.py" not in quoted[0][2] and "GCNConv" in quoted[3][2]
    assert (
        len(problems) == 1
        and "missing.py" in problems[0]
        and problems[0].endswith("which is not a file in snippets/")
    )


def test_a_number_edited_by_hand_fails_with_page_and_line(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE.replace("{= 25 =}", "{= 26 =}"))
    program = Program('print("score 25, loss 0.53")\n', "page_block", "page_block.py")
    program.stated_values = [(where, value) for where, value, _ in quoted_values(page)[0]]
    (problem,) = program.unprinted_values("score 25, loss 0.53\n")
    assert problem.startswith(f"{page}:7: the page says '26'")
    assert program.unprinted_values("score 26, loss 0.53\n") == []
    page.write_text("It scores {= 25 =}.\n" + PAGE)
    assert "has no program above it" in quoted_values(page)[1][0]
