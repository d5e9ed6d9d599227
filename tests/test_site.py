"""The site builds strictly, and the code readers see in the built HTML is exactly the tested code."""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from harness import REPO, expand_page, iter_fences, page_files, rel

pytestmark = pytest.mark.xdist_group("build")  # one worker builds once and checks every page


def build_site(destination: Path, repo: Path = REPO) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(destination)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    return build_site(site), site


def test_build_is_strict_and_clean(built_site):
    result, _ = built_site
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{log}", pytrace=False)
    if "WARNING" in log:
        pytest.fail(f"mkdocs build printed warnings:\n{log}", pytrace=False)


class CodeBlocks(HTMLParser):
    """Text of every <pre><code> in a page, as a reader selects or copies it."""

    def __init__(self):
        super().__init__()
        self.blocks, self._pre, self._code = [], 0, None

    def handle_starttag(self, tag, attrs):
        if tag == "pre":
            self._pre += 1
        elif tag == "code" and self._pre:
            self._code = []

    def handle_endtag(self, tag):
        if tag == "code" and self._code is not None:
            self.blocks.append("".join(self._code))
            self._code = None
        elif tag == "pre":
            self._pre -= 1

    def handle_data(self, data):
        if self._code is not None:
            self._code.append(data)


def built_page(site: Path, page: Path) -> Path:
    name = page.relative_to(REPO / "docs").with_suffix("")
    return site / ("index.html" if name.name == "index" else name / "index.html")


def html_code_blocks(html_file: Path) -> list[str]:
    parser = CodeBlocks()
    parser.feed(html_file.read_text(encoding="utf-8"))
    return parser.blocks


@pytest.mark.parametrize("page", page_files(), ids=rel)
def test_built_code_is_the_tested_code(built_site, page):
    result, site = built_site
    if result.returncode != 0:
        pytest.fail("the site did not build; see test_build_is_strict_and_clean", pytrace=False)
    expanded = expand_page(page)
    if expanded.errors:
        pytest.fail("\n".join(expanded.errors), pytrace=False)
    fences = iter_fences(expanded.text)
    shown = html_code_blocks(built_page(site, page))
    expected = [fence.code for fence in fences]
    assert len(shown) == len(expected), (
        f"{rel(page)} has {len(expected)} code blocks in its source but {len(shown)} in the built HTML"
    )
    for fence, html in zip(fences, shown, strict=True):
        assert html.rstrip("\n") == fence.code.rstrip("\n"), (
            f"{expanded.where(fence.lineno)}: the built page shows different code than the source:\n{html}"
        )
