"""The site builds strictly, and the code readers see in the built HTML is exactly the tested code."""

import json
import re
from importlib.metadata import version
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from engine.fences import iter_fences
from engine.pages import expand_page
from engine.paths import REPO, page_files, rel
from engine.site import build_failure, built_file_of, built_pages, page_weight
from engine.targets import KB, PAGE_WEIGHT_KB
from engine.walkthroughs import walkthroughs

# One worker builds once and checks every page.
pytestmark = pytest.mark.xdist_group("build")

MACHINE_PATHS = re.compile(r"/tmp/|site-packages|/root/|/home/|\\Users\\|/work/")
WALKTHROUGHS = walkthroughs()


def test_build_is_strict_and_clean(site_build):
    failure = build_failure(site_build.result)
    if failure:
        pytest.fail(failure, pytrace=False)


def html_code_blocks(html_file: Path) -> list[str]:
    """Text of every <pre><code> in a page, as a reader selects or copies it."""
    soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
    return [code.get_text() for code in soup.select("pre code")]


@pytest.mark.parametrize("page", page_files(), ids=rel)
def test_built_code_is_the_tested_code(site_dir, page):
    expanded = expand_page(page)
    if expanded.errors:
        pytest.fail("\n".join(expanded.errors), pytrace=False)
    fences = iter_fences(expanded.text)
    shown = html_code_blocks(built_file_of(site_dir, page))
    expected = [fence.code for fence in fences]
    assert len(shown) == len(expected), (
        f"{rel(page)} has {len(expected)} code blocks in its source but {len(shown)} in the built HTML"
    )
    for fence, html in zip(fences, shown, strict=True):
        assert html.rstrip("\n") == fence.code.rstrip("\n"), (
            f"{expanded.where(fence.lineno)}: the built page shows different code than the source:\n{html}"
        )


# ----------------------------------------------------------------------------- every page


def test_every_page_states_the_tested_versions(site_dir):
    torch_version = version("torch")
    # Material's 404 page replaces the content block that states them (overrides/main.html).
    for page in [page for page in built_pages(site_dir) if page.path != "404.html"]:
        text = page.file.read_text(encoding="utf-8")
        # Once: from engine.versions on a Markdown page, from the footer on a walkthrough.
        stated = re.findall(
            r'<p class="tested-with"[^>]*>\s*Built and tested with(.*?)</p>', text, re.S
        )
        assert len(stated) == 1, f"{page.name} states its versions {len(stated)} times, not once"
        # The pinned version, alone or as the top of the range `make compat` recorded.
        pinned = re.search(rf"PyTorch&nbsp;([\w.]+–)?{re.escape(torch_version)}\b", stated[0])
        assert pinned, f"{page.name} does not state the versions it was tested with: {stated[0]}"


def test_no_page_shows_a_machine_path(site_dir):
    for page in built_pages(site_dir):
        text = page.file.read_text(encoding="utf-8")
        leak = MACHINE_PATHS.search(text)
        assert not leak, (
            f"{page.name} shows a machine path: ...{text[leak.start() - 80 : leak.end() + 80]}..."
        )


def test_every_page_is_within_the_weight_budget(site_dir):
    heavy = {
        page.name: weight
        for page in built_pages(site_dir)
        if (weight := page_weight(page.file)) > PAGE_WEIGHT_KB * KB
    }
    assert not heavy, f"pages over {PAGE_WEIGHT_KB} KB on first load (bytes): {heavy}"


# ----------------------------------------------------------------------------- walkthroughs


@pytest.mark.parametrize("uri", WALKTHROUGHS, ids=str)
def test_walkthrough_page(site_dir, uri):
    """The code cells are the snippet file (cell and section markers aside); the outputs hold
    nothing from stderr, no warning and no progress bar (code aside: a snippet may mention a
    warning it filters); figures carry their size (the page does not shift while they load); the
    script and the executed notebook are offered; the computation-times page lists it."""
    snippet, page_dir = WALKTHROUGHS[uri], site_dir / uri.removesuffix(".ipynb")
    html = (page_dir / "index.html").read_text(encoding="utf-8")
    cells = html_code_blocks(page_dir / "index.html")
    source = [
        line
        for line in snippet.read_text().splitlines()
        if not line.startswith(("# %%", "# --8<-- [start:", "# --8<-- [end:"))
    ]
    assert "\n".join(cells).split() == "\n".join(source).split(), (
        f"{uri}: the executed page's code differs from {rel(snippet)}"
    )
    outputs = re.sub(r"<code>.*?</code>", "", html, flags=re.DOTALL)
    for noise in ("application/vnd.jupyter.stderr", "Warning", "it/s]", "\x1b["):
        assert noise not in outputs, f"{uri}: the rendered outputs contain {noise!r}"
    for tag in re.findall(r"<img [^>]*>", html):
        assert re.search(r'width="\d+" height="\d+"', tag), f"{uri}: a figure without its size"
    stem = snippet.stem
    assert f'href="{stem}.py"' in html and f'href="{stem}.ipynb"' in html, f"{uri}: no downloads"
    assert (page_dir / f"{stem}.py").read_text() == snippet.read_text()
    notebook = json.loads((page_dir / f"{stem}.ipynb").read_text())
    assert any(cell.get("outputs") for cell in notebook["cells"]), f"{uri}: no outputs"
    times = (site_dir / "computation-times" / "index.html").read_text(encoding="utf-8")
    label = re.escape(rel(snippet))
    assert re.search(rf"{label}</code></td>\s*<td[^>]*>\d+\.\d s</td>", times), (
        f"{uri} is missing from the computation times page"
    )


WHOLE_PROGRAM = re.compile(r'<a class="whole-program" download="[^"]+" href="(?P<href>[^"]+)"')


@pytest.mark.parametrize("page", page_files(), ids=rel)
def test_every_block_of_a_part_offers_the_whole_program(site_dir, page):
    """Under each block that shows part of a snippet, a link downloads the whole file, and what it
    downloads is exactly the file the tests run (the site publishes snippets/ as it is)."""
    parts = [
        f.lineno
        for f in iter_fences(page.read_text(encoding="utf-8"))
        if any(":" in line and "--8<--" in line for line in f.code.splitlines())
    ]
    built = built_file_of(site_dir, page)
    links = WHOLE_PROGRAM.findall(built.read_text(encoding="utf-8"))
    assert len(links) == len(parts), (
        f"{rel(page)}: {len(parts)} blocks show part of a snippet, {len(links)} download links"
    )
    for href in links:
        published = (built.parent / href).resolve()
        snippet = published.relative_to(site_dir.resolve() / "snippets")
        assert published.read_bytes() == (REPO / "snippets" / snippet).read_bytes(), href
