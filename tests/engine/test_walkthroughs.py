"""engine.walkthroughs: nav entries, their snippets, and execution that fails with file and cell."""

import pytest

from engine import walkthroughs


def test_cells_start_at_their_markers():
    assert walkthroughs.cell_lines("# %% A\nx = 1\n\n# %% B\ny = 2\n") == [1, 4]
    assert walkthroughs.cell_lines("x = 1\n# %% B\n") == [1, 2]


def test_the_cache_key_changes_with_the_code():
    assert walkthroughs.cache_key("x = 1\n") != walkthroughs.cache_key("x = 2\n")


def test_a_raising_walkthrough_names_file_and_cell(tmp_path, monkeypatch):
    monkeypatch.setenv("TESTED_NOTES_CACHE", str(tmp_path / "cache"))
    snippet = tmp_path / "demo" / "broken.py"
    snippet.parent.mkdir()
    snippet.write_text('# %% Fine\nvalue = 1\n\n# %% Broken\nraise ValueError("boom")\n')
    with pytest.raises(walkthroughs.WalkthroughError) as error:
        walkthroughs.execute(snippet, "snippets/demo/broken.py")
    message = str(error.value)
    assert "snippets/demo/broken.py: cell 2 (line 4) raised" in message and "boom" in message
    assert not any((tmp_path / "cache").rglob("*.ipynb"))
