"""`make page` gives a contributor a new page whose snippet is tested straight away."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from engine.paths import copy_repo, working_on
from engine.results import run_once
from engine.site import build_failure, build_site

# After the main build, whose walkthrough cache it reuses.
pytestmark = pytest.mark.xdist_group("build")


SCAFFOLD = [sys.executable, "scripts/new_page.py", "graph_tools", "first_steps"]


def scaffold(repo: Path, command: list[str] = SCAFFOLD) -> subprocess.CompletedProcess:
    # The copy's own engine, so that the command edits the copy (engine.paths.REPO).
    return subprocess.run(command, cwd=repo, env=working_on(repo), capture_output=True, text=True)


@pytest.fixture(scope="module")
def scaffolded_repo(site_build, tmp_path_factory) -> Path:
    """A copy of the repository after `make page LIB=graph_tools TOPIC=first_steps`."""
    repo = copy_repo(tmp_path_factory.mktemp("scaffold") / "repo")
    created = scaffold(repo)
    assert created.returncode == 0, created.stderr
    return repo


def test_the_page_is_in_the_nav_and_the_library_is_third_party(scaffolded_repo):
    assert (
        "  - Graph Tools: graph_tools.md\n  - Walkthroughs:"
        in (scaffolded_repo / "mkdocs.yml").read_text()
    )
    ruff_toml = (scaffolded_repo / "snippets" / "ruff.toml").read_text()
    assert '"graph_tools"' in ruff_toml.split("known-third-party")[1].splitlines()[0]
    page = (scaffolded_repo / "docs" / "graph_tools.md").read_text()
    assert '--8<-- "graph_tools/first_steps.py"' in page


def test_the_new_page_builds(scaffolded_repo, tmp_path):
    failure = build_failure(build_site(tmp_path / "site", repo=scaffolded_repo))
    assert not failure, failure
    assert (tmp_path / "site" / "graph_tools" / "index.html").is_file()


def test_the_new_snippet_prints_what_its_page_states_and_its_wrong_answer_fails(scaffolded_repo):
    """The first `make test` of a new library passes: its snippet has an edit that fails."""
    snippet = scaffolded_repo / "snippets" / "graph_tools" / "first_steps.py"
    code = snippet.read_text()
    assert run_once(code, label="snippets/graph_tools/first_steps.py").stdout == "torch.Size([4])\n"
    toml = scaffolded_repo / "tests" / "wrong_answers" / "graph_tools.toml"
    (edit,) = tomllib.loads(toml.read_text())["edit"]
    assert edit["snippet"] == "graph_tools/first_steps.py" and code.count(edit["old"]) == 1
    edited = run_once(code.replace(edit["old"], edit["new"]), label=f"snippets/{edit['snippet']}")
    assert edited.stdout != "torch.Size([4])\n"


def test_the_new_files_pass_the_linters(scaffolded_repo):
    """The contributor's `make test` lints the new files: they must pass as generated."""
    ruff = Path(sys.executable).parent / "ruff"
    for command in (["check"], ["format", "--check"]):
        linted = subprocess.run(
            [ruff, *command, "--no-cache", "snippets/graph_tools"],
            cwd=scaffolded_repo,
            capture_output=True,
            text=True,
        )
        assert linted.returncode == 0, linted.stdout + linted.stderr


def test_it_never_overwrites_a_page_nor_names_a_snippet_like_a_module(scaffolded_repo):
    """snippets/other_tools/torch.py would import itself on `import torch`: nothing is written."""
    again = scaffold(scaffolded_repo)
    assert again.returncode != 0 and "exists already" in again.stderr
    before = (scaffolded_repo / "mkdocs.yml").read_text()
    shadowing = scaffold(scaffolded_repo, [*SCAFFOLD[:2], "other_tools", "torch"])
    assert shadowing.returncode != 0 and "name of a Python module" in shadowing.stderr
    assert not (scaffolded_repo / "docs" / "other_tools.md").exists()
    assert (scaffolded_repo / "mkdocs.yml").read_text() == before
