"""MkDocs hook: the walkthrough pages' HTML, slimmed, with the downloads line on top.

mkdocs-jupyter's page carries 600 KB of inlined JupyterLab CSS and scripts; this keeps the cells
as ordinary Material code blocks, with as few elements as the Markdown pages' (engine.tokens), so
the page stays within the weight budget (engine.targets).
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from engine.figures import image_size
from engine.tokens import slim as fewer_spans

# What mkdocs-jupyter adds that the page does without.
DROPPED = (
    r"<style[^>]*>.*?</style>",
    # MathJax, mermaid (from a CDN) and require.js loaders.
    r"<script[^>]*>.*?</script>",
    r"<!--.*?-->",
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>',
    r'<div class="clipboard-copy-txt"[^>]*>.*?</div>',
)


def on_page_content(html_text: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    record = config.extra.get("walkthroughs", {}).get(page.file.src_uri)
    if not record:
        return html_text
    html_text = fewer_spans(slim(html_text, figure_titles(record["notebook"])))
    return downloads(record, page, config) + html_text


# ----------------------------------------------------------------------------- helpers


def slim(html_text: str, titles: list[str]) -> str:
    """mkdocs-jupyter's page without its inlined CSS and scripts.

    Code cells become ordinary Material code blocks (its highlighting and copy button apply), the
    template's own copy widgets go, and figures get the title of their cell as alt text.
    docs/stylesheets/extra.css styles what remains. The tests check the page weight.
    """
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
