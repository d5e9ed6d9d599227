"""What the tests share: the one build of the site, the served site, and three rules: an engine
error fails its test with the engine's own message (file and page); no test writes into the
repository; a run leaves its temp folder (TMPDIR, inherited by every process) as empty as it began.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from engine.affected import CHECK, affected, keeps
from engine.fences import IncludeError
from engine.paths import REPO
from engine.runner import SnippetError
from engine.sandbox import probe
from engine.server import serve
from engine.site import build_site
from engine.targets import TEST_TIMEOUT_S

# The checkout's own machinery and the environment under test.
UNTRACKED_OK = {".git", ".venv"}


@dataclass
class SiteBuild:
    """A strict build of the site: how it went, and the folder it wrote."""

    result: CompletedProcess
    folder: Path


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> SiteBuild:
    """The site built once per test process: the tests using it are in the xdist group "build"."""
    folder = tmp_path_factory.mktemp("site")
    return SiteBuild(build_site(folder), folder)


@pytest.fixture(scope="session")
def site_dir(site_build) -> Path:
    """The built site's folder; a test that needs it fails at once when the build did not pass."""
    if site_build.result.returncode != 0:
        pytest.fail("the site did not build; see test_build_is_strict_and_clean", pytrace=False)
    return site_build.folder


@pytest.fixture(scope="session")
def site_url(site_dir) -> str:
    """The built site served on 127.0.0.1 as the host serves it (engine.server)."""
    with serve(site_dir) as base_url:
        yield base_url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """An engine error is the whole story: its message, without a traceback through the engine."""
    try:
        return (yield)
    except (SnippetError, IncludeError) as error:
        failure = str(error)
    pytest.fail(failure, pytrace=False)


def pytest_collection_modifyitems(config, items):
    """Every test gets the time limit of engine.targets, unless it sets its own. With
    $TESTED_NOTES_CHECK (`make check`), only the tests of what the named files affect run."""
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S))
    files = os.environ.get(CHECK, "").split()
    if files:
        found = affected(files)
        verdicts = [(item, keeps(item, found)) for item in items]
        config.hook.pytest_deselected(items=[item for item, kept in verdicts if not kept])
        items[:] = [item for item, kept in verdicts if kept]


def pytest_report_header(config):
    """Whether programs run in the OS sandbox, in one line (engine.sandbox)."""
    return probe().line


def _snapshot() -> dict[str, float]:
    files = {}
    for root, dirs, names in os.walk(REPO):
        dirs[:] = [d for d in dirs if not (Path(root) == REPO and d in UNTRACKED_OK)]
        for name in names:
            path = Path(root) / name
            files[path.relative_to(REPO).as_posix()] = path.stat().st_mtime_ns
    return files


def pytest_configure(config):
    """The run's own temp folder (TMPDIR, inherited by workers, programs, kernels and browsers):
    what they leave is found there, and no other process's file in /tmp is taken for a leak."""
    if not hasattr(config, "workerinput"):
        config._temp = tempfile.mkdtemp(prefix="tested-notes-run-")
        os.environ["TMPDIR"] = config._temp
        tempfile.tempdir = None


def pytest_unconfigure(config):
    temp = getattr(config, "_temp", None)
    if temp is not None:
        shutil.rmtree(temp, ignore_errors=True)


def pytest_sessionstart(session):
    # The controller, once per run.
    if not hasattr(session.config, "workerinput"):
        session.config._repo_snapshot = _snapshot()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_repo_snapshot", None)
    if before is None:
        return
    after = _snapshot()
    changed = sorted(p for p in after.keys() | before.keys() if before.get(p) != after.get(p))
    # pytest's own folder of tmp_path folders aside.
    left = sorted(n for n in os.listdir(session.config._temp) if not n.startswith("pytest-of-"))
    for what, paths in [
        ("wrote into the repository (they must use temporary folders)", changed),
        ("left these in the temp folder (TMPDIR), which must end as empty as it began", left),
    ]:
        if paths:
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            reporter.write_line(f"FAILED: the tests {what}: " + ", ".join(paths[:20]), red=True)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
