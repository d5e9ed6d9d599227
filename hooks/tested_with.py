"""MkDocs hook: the "Built and tested with" line of the pages that are no Markdown (walkthroughs).

Markdown pages get their line from the Markdown extension engine.versions (each library the page's
code imports, with the versions that passed in `make compat`); the footer (overrides/main.html)
shows ``config.extra.tested_with`` (every library) where a page's content has no such line.
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig

from engine.versions import line


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    config.extra["tested_with"] = line(set())
    return config
