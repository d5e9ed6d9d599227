"""engine.whole_program: a download link under each block that shows part of a snippet (that every
such block on the site has one, to the very file, is tests/test_site.py)."""

from engine.whole_program import with_links

PAGE = [
    '```python title="snippets/pyg/gcn.py, the model"',
    '--8<-- "pyg/gcn.py:model"',
    "```",
    '```python title="snippets/pyg/gcn.py"',
    '--8<-- "pyg/gcn.py"',
    "```",
    '??? example "Setup"',
    "",
    '    ```python title="snippets/pyg/gcn.py, setup"',
    '    --8<-- "pyg/gcn.py:setup"',
    "    ```",
    "```python",
    '--8<-- "pyg/gcn.py:model"',
    "print('and more')",
    "```",
]
LINK = '[Download the whole program, `snippets/pyg/gcn.py`](snippets/pyg/gcn.py){ download="gcn.py" .whole-program }'


def test_a_part_gets_the_whole_file_and_a_whole_file_or_page_code_gets_nothing():
    out = with_links(PAGE)
    links = [(n, line) for n, line in enumerate(out) if "Download the whole program" in line]
    assert links == [(4, LINK), (14, f"    {LINK}")]
    assert [line for line in out if "Download" not in line and line] == list(filter(None, PAGE))
