"""MkDocs hook: the "Computation times" page, how long each walkthrough took to execute.

Generated from the records hooks/walkthroughs.py leaves in ``config.extra["walkthroughs"]``; its
``on_files`` runs after that hook's (priority 50), before the nav is built from the files.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

TIMES_PAGE = "computation-times.md"


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    walkthroughs = config.extra.get("walkthroughs", {})
    files.append(File.generated(config, TIMES_PAGE, content=times_page(walkthroughs)))
    return files


def on_page_context(context: dict, *, page: Page, config: MkDocsConfig, nav: Navigation) -> dict:
    # Generated: there is no source to edit.
    if page.file.src_uri == TIMES_PAGE:
        page.edit_url = None
    return context


# ----------------------------------------------------------------------------- helpers


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
