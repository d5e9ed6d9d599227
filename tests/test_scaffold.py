"""`make page` gives a contributor a new page whose snippet is tested straight away."""

import subprocess
import sys
from pathlib import Path

import pytest
from harness import build_site, copy_repo, run_code

pytestmark = pytest.mark.xdist_group(
    "build"
)  # after the main build, whose walkthrough cache it reuses


def test_scaffold_creates_a_page_that_builds_and_a_snippet_that_passes(built_site, tmp_path):
    repo = copy_repo(tmp_path / "repo")
    scaffold = [sys.executable, "scripts/new_page.py", "graph_tools", "first_steps"]
    created = subprocess.run(scaffold, cwd=repo, capture_output=True, text=True)
    assert created.returncode == 0, created.stderr

    assert "  - Graph Tools: graph_tools.md\n  - Walkthroughs:" in (repo / "mkdocs.yml").read_text()
    ruff_toml = (repo / "snippets" / "ruff.toml").read_text()
    assert '"graph_tools"' in ruff_toml.split("known-third-party")[1].splitlines()[0]
    page = (repo / "docs" / "graph_tools.md").read_text()
    assert '--8<-- "graph_tools/first_steps.py"' in page

    build = build_site(tmp_path / "site", repo=repo)
    assert build.returncode == 0 and "WARNING" not in build.stdout + build.stderr, build.stderr
    assert (tmp_path / "site" / "graph_tools" / "index.html").is_file()

    snippet = repo / "snippets" / "graph_tools" / "first_steps.py"
    result = run_code(snippet.read_text(), label="snippets/graph_tools/first_steps.py")
    assert result.stdout == "torch.Size([4])\n"  # what the generated page states

    # The contributor's `make test` lints the new files: they must pass as generated.
    ruff = Path(sys.executable).parent / "ruff"
    for command in (["check"], ["format", "--check"]):
        linted = subprocess.run(
            [ruff, *command, "--no-cache", "snippets/graph_tools"],
            cwd=repo,
            capture_output=True,
            text=True,
        )
        assert linted.returncode == 0, linted.stdout + linted.stderr

    again = subprocess.run(scaffold, cwd=repo, capture_output=True, text=True)
    assert again.returncode != 0 and "exists already" in again.stderr

    # snippets/graph_tools/torch.py would import itself on `import torch`: refused, nothing written.
    before = (repo / "mkdocs.yml").read_text()
    shadowing = subprocess.run(
        [sys.executable, "scripts/new_page.py", "other_tools", "torch"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert shadowing.returncode != 0 and "name of a Python module" in shadowing.stderr
    assert not (repo / "docs" / "other_tools.md").exists()
    assert (repo / "mkdocs.yml").read_text() == before
