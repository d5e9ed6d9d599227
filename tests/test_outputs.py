"""`make outputs` rewrites a stale stated output in place and shows the diff, and until it is run
the suite fails on the mismatch. Checked in a copy of the repository with a page of its own."""

import subprocess
import sys

import pytest

from engine.paths import copy_repo, working_on

# In order, on one worker: each test goes on from the state the one before left.
pytestmark = pytest.mark.xdist_group("outputs")

PAGE = """\
# Scratch

```python
print("hello")
print("world")
```

<!--pytest-codeblocks:expected-output-->
```text
goodbye
```
"""


def run(repo, *command: str) -> subprocess.CompletedProcess:
    # The copy's own engine (engine.paths.REPO is the copy), and a temp folder of its own: the inner
    # suite checks its temp folder, which the outer suite's programs must not disturb.
    temp = repo.parent / "tmp"
    temp.mkdir(exist_ok=True)
    env = working_on(repo, {"TMPDIR": str(temp)})
    return subprocess.run(
        [sys.executable, *command], cwd=repo, env=env, capture_output=True, text=True
    )


def suite_on_scratch(repo) -> subprocess.CompletedProcess:
    return run(repo, "-m", "pytest", "-n", "0", "-q", "tests/test_snippets.py", "-k", "scratch")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("outputs") / "repo")
    (repo / "docs" / "scratch.md").write_text(PAGE)
    return repo


def test_the_suite_fails_on_a_stale_output_and_says_how_to_fix_it(repo):
    verdict = suite_on_scratch(repo)
    assert verdict.returncode == 1, verdict.stdout + verdict.stderr
    # At the output block the page states, not at the code above it.
    assert "docs/scratch.md:9: the page states this output" in verdict.stdout
    assert "make outputs" in verdict.stdout


def test_make_outputs_rewrites_the_block_and_shows_the_diff(repo):
    updated = run(repo, "scripts/outputs.py", "docs/scratch.md")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "-goodbye\n+hello\n+world\n" in updated.stdout
    assert (repo / "docs" / "scratch.md").read_text() == PAGE.replace("goodbye", "hello\nworld")
    verdict = suite_on_scratch(repo)
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr


def test_a_second_run_changes_nothing(repo):
    again = run(repo, "scripts/outputs.py", "docs/scratch.md")
    assert again.returncode == 0 and "no page changed" in again.stdout
