"""engine.highlight: hl_parts names lines by the file's section markers, as the page numbers them."""

import re

import markdown
import pytest

from engine.fences import IncludeError
from engine.highlight import resolve

CODE = """import torch
# --8<-- [start:model]
model = torch.nn.Linear(2, 2)
# --8<-- [end:model]
x = torch.ones(2)
# --8<-- [start:call]
y = model(x)
# --8<-- [end:call]
"""


def test_a_fence_gets_the_numbers_of_its_parts(tmp_path):
    # The page leaves the markers out: the code reads import, model, x, y (lines 1 to 4).
    (tmp_path / "a.py").write_text(CODE)
    page = '```python title="a.py" hl_parts="call model"\n--8<-- "a.py"\n```\n'
    assert resolve(page, tmp_path, source="docs/x.md").splitlines()[0] == (
        '```python title="a.py" hl_lines="2 4"'
    )


def test_a_missing_part_names_the_page_line_and_the_parts_there_are(tmp_path):
    (tmp_path / "a.py").write_text(CODE)
    page = 'Text\n\n```python hl_parts="loss"\n--8<-- "a.py"\n```\n'
    with pytest.raises(
        IncludeError, match=r"docs/x.md:3: a.py has no part 'loss' \(its parts: call, model\)"
    ):
        resolve(page, tmp_path, source="docs/x.md")


def test_the_extension_highlights_the_part_in_the_html(tmp_path):
    """Any builder that runs Python-Markdown: the part's line is the one marked (hll)."""
    (tmp_path / "a.py").write_text(CODE)
    page = '```python hl_parts="call"\n--8<-- "a.py"\n```\n'
    extensions = [
        "engine.highlight",
        "pymdownx.snippets",
        "pymdownx.highlight",
        "pymdownx.superfences",
    ]
    configs = {"pymdownx.snippets": {"base_path": [str(tmp_path)]}}
    html = markdown.markdown(page, extensions=extensions, extension_configs=configs)
    marked = html.split('<span class="hll">', 1)[1].split("\n", 1)[0]
    assert re.sub(r"<[^>]+>", "", marked) == "y = model(x)"
