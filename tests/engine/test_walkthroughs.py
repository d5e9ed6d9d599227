"""engine.walkthroughs: nav entries, their snippets, and execution that fails with file and cell."""

import tempfile
from pathlib import Path

import pytest

from engine import walkthroughs


def test_cells_start_at_their_markers():
    assert walkthroughs.cell_lines("# %% A\nx = 1\n\n# %% B\ny = 2\n") == [1, 4]
    assert walkthroughs.cell_lines("x = 1\n# %% B\n") == [1, 2]
    # Section markers for the pages are no cells of the notebook, nor shown in it.
    marked = "# --8<-- [start:data]\n# %% A\nx = 1\n# --8<-- [end:data]\n# %% B\n"
    assert walkthroughs.cell_lines(marked) == [2, 5]
    assert walkthroughs.notebook_code(marked) == "# %% A\nx = 1\n# %% B\n"


def test_the_cache_key_changes_with_the_code():
    assert walkthroughs.cache_key("x = 1\n") != walkthroughs.cache_key("x = 2\n")
    # The key is what the notebook runs: a section marker moved or added changes nothing there.
    assert walkthroughs.cache_key("# --8<-- [start:a]\nx = 1\n") == walkthroughs.cache_key(
        "x = 1\n"
    )


@pytest.mark.parametrize(("marker", "line"), [("", 4), ("# --8<-- [start:all]\n", 5)])
def test_a_raising_walkthrough_names_file_and_cell(marker, line, tmp_path, monkeypatch):
    monkeypatch.setenv("TESTED_NOTES_CACHE", str(tmp_path / "cache"))
    snippet = tmp_path / "demo" / "broken.py"
    snippet.parent.mkdir()
    code = '# %% Fine\nvalue = 1\n\n# %% Broken\nraise ValueError("boom")\n'
    snippet.write_text(marker + code)
    with pytest.raises(walkthroughs.WalkthroughError) as error:
        walkthroughs.execute(snippet, "snippets/demo/broken.py")
    message = str(error.value)
    assert f"snippets/demo/broken.py: cell 2 (line {line}) raised" in message and "boom" in message
    assert not any((tmp_path / "cache").rglob("*.ipynb"))


def _running_with(text: str) -> list[str]:
    """The command lines of the processes of this machine that mention ``text``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found += [line] if text in line else []
    return found


@pytest.mark.parametrize("source", ["# %%\nx = 1\n", "# %%\nraise ValueError\n"])
def test_no_kernel_outlives_its_walkthrough(source, monkeypatch):
    """nbclient leaves running a kernel it did not start: one left behind keeps its memory and
    the build's output pipes, which hung `make lighthouse` where bwrap is missing."""
    # The walkthrough's folder, named in its kernel's command line, in a folder of this test's
    # (short: the kernel's Unix sockets lie in it, and their paths have a length limit).
    with tempfile.TemporaryDirectory(prefix="kernel-test-") as own:
        monkeypatch.setattr(tempfile, "tempdir", own)
        try:
            walkthroughs.run_notebook(source, "snippets/x.py")
        except walkthroughs.WalkthroughError:
            pass
        assert not _running_with(own), "the walkthrough's kernel still runs"
