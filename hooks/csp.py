"""MkDocs hook: the Content-Security-Policy (engine.csp) on every page, in a <meta> tag since
GitHub Pages sets no headers and no plugin writes one. The offline build (file://, where 'self'
matches no file) gets none: it is a copy for one reader's own disk.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

from engine.csp import secure


def on_post_build(*, config: MkDocsConfig) -> None:
    offline = config.plugins.get("material/offline") or config.plugins.get("offline")
    if not (offline and offline.config.get("enabled")):
        secure(Path(config.site_dir))
