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
    """The site built once per test process; every test that uses it is in the xdist group
    "build", so one worker builds it once for all of them."""
    from harness import build_site

    site = tmp_path_factory.mktemp("site")
    return build_site(site), site


@pytest.fixture(scope="session")
def site_build(built_site) -> Path:
    """The built site's folder, for the site-quality tests (test_links, test_overrides, test_browser)."""
    result, site = built_site
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}", pytrace=False)
    return site


@pytest.fixture(scope="session")
def site_url(site_build) -> str:
    """The built site served on 127.0.0.1 as the host serves it (tests/site_server.py)."""
    from site_server import serve

    with serve(site_build) as base_url:
        yield base_url
