"""MkDocs hook: the versions every page states it was built and tested with.

The footer (overrides/main.html) shows ``config.extra.tested_with``; engine.versions says which
libraries, and the same versions key the caches of walkthroughs and figures.
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig

from engine.versions import tested_with


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    config.extra["tested_with"] = tested_with()
    return config
