"""The site builds strictly, and the code readers see in the built HTML is exactly the tested code."""

import json
import re
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path

import pytest
from harness import (
    REPO,
    built_pages,
    expand_page,
    hook_module,
    iter_fences,
    page_files,
    page_weight,
    rel,
    walkthroughs,
)

pytestmark = pytest.mark.xdist_group("build")  # one worker builds once and checks every page


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


# ----------------------------------------------------------------------------- every page


MACHINE_PATHS = re.compile(r"/tmp/|site-packages|/root/|/home/|\\Users\\|/work/")


def test_pages_state_versions_and_leak_no_machine_paths(built_site):
    result, site = built_site
    if result.returncode != 0:
        pytest.fail("the site did not build; see test_build_is_strict_and_clean", pytrace=False)
    torch_version = version("torch")
    for page in built_pages(site):
        text = page.read_text(encoding="utf-8")
        assert "Built and tested with" in text and f"PyTorch&nbsp;{torch_version}" in text, (
            f"{page.relative_to(site)} does not state the versions it was tested with"
        )
        leak = MACHINE_PATHS.search(text)
        assert not leak, (
            f"{page.relative_to(site)} shows a machine path: ...{text[leak.start() - 80 : leak.end() + 80]}..."
        )


# ----------------------------------------------------------------------------- walkthroughs

WALKTHROUGHS = walkthroughs()


@pytest.mark.parametrize("uri", WALKTHROUGHS, ids=str)
def test_walkthrough_is_the_snippet_executed_cleanly(built_site, uri):
    result, site = built_site
    if result.returncode != 0:
        pytest.fail("the site did not build; see test_build_is_strict_and_clean", pytrace=False)
    snippet = WALKTHROUGHS[uri]
    page_dir = site / uri.removesuffix(".ipynb")
    html = (page_dir / "index.html").read_text(encoding="utf-8")

    # The code cells are the snippet file, cell markers aside.
    cells = html_code_blocks(page_dir / "index.html")
    source = [line for line in snippet.read_text().splitlines() if not line.startswith("# %%")]
    assert "\n".join(cells).split() == "\n".join(source).split(), (
        f"{uri}: the executed page's code differs from {rel(snippet)}"
    )
    # Outputs are clean: nothing from stderr, no warnings, no progress bars. (Code is left out: a
    # snippet may well mention a warning it filters.)
    outputs = re.sub(r"<code>.*?</code>", "", html, flags=re.DOTALL)
    for noise in ("application/vnd.jupyter.stderr", "Warning", "it/s]", "\x1b["):
        assert noise not in outputs, f"{uri}: the rendered outputs contain {noise!r}"
    # Figures carry their size, so the page does not shift while they load.
    for tag in re.findall(r"<img [^>]*>", html):
        assert re.search(r'width="\d+" height="\d+"', tag), f"{uri}: a figure without its size"
    # Downloads: the script itself, and the executed notebook with its outputs.
    stem = snippet.stem
    assert f'href="{stem}.py"' in html and f'href="{stem}.ipynb"' in html, f"{uri}: no downloads"
    assert (page_dir / f"{stem}.py").read_text() == snippet.read_text()
    notebook = json.loads((page_dir / f"{stem}.ipynb").read_text())
    assert any(cell.get("outputs") for cell in notebook["cells"]), (
        f"{uri}: the notebook has no outputs"
    )
    # Listed on the computation times page.
    times = (site / "computation-times" / "index.html").read_text(encoding="utf-8")
    assert re.search(rf"{re.escape(rel(snippet))}</code></td>\s*<td[^>]*>\d+\.\d s</td>", times), (
        f"{uri} is missing from the computation times page"
    )


def test_every_page_weighs_at_most_150_kb(built_site):
    result, site = built_site
    if result.returncode != 0:
        pytest.fail("the site did not build; see test_build_is_strict_and_clean", pytrace=False)
    heavy = {
        page.relative_to(site).as_posix(): weight
        for page in built_pages(site)
        if (weight := page_weight(site, page)) > 150_000
    }
    assert not heavy, f"pages over 150 KB on first load (bytes): {heavy}"


def test_a_raising_walkthrough_names_file_and_cell(tmp_path, monkeypatch):
    hook = hook_module("walkthroughs")
    monkeypatch.setenv("TESTED_NOTES_CACHE", str(tmp_path / "cache"))
    snippet = tmp_path / "demo" / "broken.py"
    snippet.parent.mkdir()
    snippet.write_text('# %% Fine\nvalue = 1\n\n# %% Broken\nraise ValueError("boom")\n')
    with pytest.raises(hook.WalkthroughError) as error:
        hook.execute(snippet, "snippets/demo/broken.py")
    message = str(error.value)
    assert "snippets/demo/broken.py: cell 2 (line 4) raised" in message and "boom" in message
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.ipynb"))
