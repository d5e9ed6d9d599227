import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UNTRACKED_OK = {".git", ".venv"}  # the checkout's own machinery and the environment under test


def _snapshot() -> dict[str, float]:
    files = {}
    for root, dirs, names in os.walk(REPO):
        dirs[:] = [d for d in dirs if not (Path(root) == REPO and d in UNTRACKED_OK)]
        for name in names:
            path = Path(root) / name
            files[path.relative_to(REPO).as_posix()] = path.stat().st_mtime_ns
    return files


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller, once per run
        session.config._repo_snapshot = _snapshot()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_repo_snapshot", None)
    if before is None:
        return
    after = _snapshot()
    changed = sorted(p for p in after.keys() | before.keys() if before.get(p) != after.get(p))
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(
            "FAILED: the tests wrote into the repository (they must use temporary folders): "
            + ", ".join(changed[:20]),
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The site built once per test process (tests that use it share the xdist group "build")."""
    from harness import build_site

    site = tmp_path_factory.mktemp("site")
    return build_site(site), site
