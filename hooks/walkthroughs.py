"""MkDocs hook: each nav entry ``walkthroughs/<library>/<topic>.ipynb`` is its snippet executed
(engine.walkthroughs), rendered by mkdocs-jupyter, with the script and notebook as downloads and a
"Computation times" page. mkdocs-jupyter's page carries 600 KB of inlined JupyterLab CSS and
scripts: it is slimmed to Material code blocks (engine.tokens), within the weight budget.
"""

from __future__ import annotations

import base64
import html
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from engine.figures import image_size
from engine.paths import cache_root
from engine.targets import BUILD_WORKERS
from engine.tokens import slim as fewer_spans
from engine.walkthroughs import WalkthroughError, entries, execute, snippet_of

TIMES_PAGE = "computation-times.md"
# What mkdocs-jupyter adds that the page does without.
DROPPED = (
    r"<style[^>]*>.*?</style>",
    # MathJax, mermaid (from a CDN) and require.js loaders.
    r"<script[^>]*>.*?</script>",
    r"<!--.*?-->",
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>',
    r'<div class="clipboard-copy-txt"[^>]*>.*?</div>',
)


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # mkdocs-jupyter's own render cache: next to ours, outside the repository.
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None:
        plugin.config["cache_dir"] = str(cache_root() / "mkdocs-jupyter")
    return config


# Before mkdocs-jupyter turns notebook files into pages.
@event_priority(50)
def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    jobs = _jobs(config)
    records = _execute(jobs)
    config.extra["walkthroughs"] = {}
    for (uri, snippet, label), record in zip(jobs, records, strict=True):
        # A File with a real src_dir, not File.generated: mkdocs-jupyter's wrapper derives the
        # notebook's path from src_dir, which generated files lack.
        notebook_root = record["notebook"][: -len(uri)]
        files.append(File(uri, notebook_root, config.site_dir, config.use_directory_urls))
        # Downloads next to the page: the script and the executed notebook. In memory, so that
        # mkdocs-jupyter does not mistake the notebook copy for another page.
        stem, page_dir = Path(uri).stem, uri.removesuffix(".ipynb")
        for name, path in [(f"{stem}.py", snippet), (f"{stem}.ipynb", Path(record["notebook"]))]:
            files.append(File.generated(config, f"{page_dir}/{name}", content=path.read_bytes()))
        config.extra["walkthroughs"][uri] = {**record, "snippet": label}
    times = times_page(config.extra["walkthroughs"])
    files.append(File.generated(config, TIMES_PAGE, content=times))
    return files


def on_page_content(html_text: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    record = config.extra.get("walkthroughs", {}).get(page.file.src_uri)
    if not record:
        return html_text
    html_text = fewer_spans(slim(html_text, figure_titles(record["notebook"])))
    return downloads(record, page, config) + html_text


def on_page_context(context: dict, *, page: Page, config: MkDocsConfig, nav: Navigation) -> dict:
    """A walkthrough's edit button opens its snippet; the generated times page has none."""
    record = config.extra.get("walkthroughs", {}).get(page.file.src_uri)
    if record and config.repo_url:
        page.edit_url = f"{config.repo_url.rstrip('/')}/edit/main/{record['snippet']}"
    if page.file.src_uri == TIMES_PAGE:
        page.edit_url = None
    return context


def _jobs(config: MkDocsConfig) -> list[tuple[str, Path, str]]:
    """(nav entry, snippet file, its label) of every walkthrough; a wrong entry fails the build."""
    root = Path(config.config_file_path).parent
    jobs = []
    for uri in entries(config.nav):
        if not uri.endswith(".ipynb"):
            raise PluginError(
                f"mkdocs.yml nav: {uri} must end in .ipynb (walkthroughs are notebooks)"
            )
        snippet = snippet_of(uri, root)
        if not snippet.is_file():
            raise PluginError(
                f"mkdocs.yml nav names {uri}, but {snippet.relative_to(root)} does not exist"
            )
        jobs.append((uri, snippet, snippet.relative_to(root).as_posix()))
    return jobs


def _execute(jobs: list[tuple[str, Path, str]]) -> list[dict]:
    # Two kernels at a time: each mostly waits on its own imports and compute.
    try:
        with ThreadPoolExecutor(max_workers=BUILD_WORKERS) as pool:
            return list(pool.map(lambda job: execute(job[1], job[2]), jobs))
    except WalkthroughError as error:
        raise PluginError(str(error)) from None


def times_page(walkthroughs: dict) -> str:
    """The page's Markdown: one row a walkthrough, the slowest first."""
    rows = sorted(walkthroughs.items(), key=lambda item: -item[1]["seconds"])
    total = sum(record["seconds"] for record in walkthroughs.values())
    lines = [
        "---",
        "description: How long each executed walkthrough took to run when the site was built.",
        "---",
        "",
        "# Computation times",
        "",
        f"The walkthroughs took **{total:.1f} s** in total to execute, on the machine that built this",
        "site. Results are cached by each file's content and the library versions, so a walkthrough",
        "runs again only when its code or a version changes.",
        "",
        "| Walkthrough | Snippet | Time | Executed |",
        "| --- | --- | ---: | --- |",
    ]
    for uri, record in rows:
        lines.append(
            f"| [{Path(uri).stem}]({uri}) | `{record['snippet']}` | {record['seconds']:.1f} s "
            f"| {record['executed']} |"
        )
    return "\n".join(lines) + "\n"


def slim(html_text: str, titles: list[str]) -> str:
    """mkdocs-jupyter's page without its inlined CSS and scripts: code cells as Material code
    blocks (its copy button applies), figures with their cell's title as alt text."""
    for pattern in DROPPED:
        html_text = re.sub(pattern, "", html_text, flags=re.DOTALL)
    html_text = re.sub(
        r'<div class="highlight-ipynb hl-python"><pre><span></span>(.*?)</pre></div>',
        r'<div class="language-python highlight"><pre><span></span><code>\1</code></pre></div>',
        html_text,
        flags=re.DOTALL,
    )
    remaining = iter(titles)
    html_text = re.sub(
        r'<img alt="[^"]*"',
        lambda _: f'<img alt="{html.escape(next(remaining, "Figure"), quote=True)}"',
        html_text,
    )
    # The figure's size on the tag lets the browser keep its place before the image is decoded,
    # so nothing below it jumps (Lighthouse's layout-shift score).
    return re.sub(
        r'<img (?=[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]{32}))', _sized, html_text
    )


def downloads(record: dict, page: Page, config: MkDocsConfig) -> str:
    """The line above the notebook: which snippet this is, how long it took, its downloads."""
    stem = Path(page.file.src_uri).stem
    # The downloads sit in the page's folder: next to the page with directory URLs (…/cnn/), one
    # level down from it without them (make offline: …/cnn.html, files in …/cnn/).
    here = "" if config.use_directory_urls else f"{stem}/"
    return (
        '<p class="walkthrough-downloads">'
        f"This page is <code>{html.escape(record['snippet'])}</code>, executed when the site was built "
        f"({record['seconds']:.1f} s). Download it: "
        f'<a href="{here}{stem}.py" download>{stem}.py</a> · '
        f'<a href="{here}{stem}.ipynb" download>{stem}.ipynb</a></p>'
    )


def figure_titles(notebook_path: str) -> list[str]:
    """For each image output of the notebook, in order, the title of its cell (``# %% Title``)."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    return [
        cell.metadata.get("title") or "Figure"
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]


def _sized(match: re.Match) -> str:
    # The PNG's first 24 bytes hold its size.
    width, height = image_size(base64.b64decode(match.group(1)))
    return f'<img width="{width}" height="{height}" '
