"""MkDocs hook: a Content-Security-Policy on every page that allows only the site's own origin.

Why a hook, not a plugin or a server header: GitHub Pages sets no custom headers, so the policy
goes in a <meta> tag (engine.csp), and no MkDocs plugin writes one. A step after the build over
every page of the built site (engine.csp.secure), the same that follows a builder without hooks
(`make build-check`). The offline build (file:// URLs, where 'self' matches no file) gets no
policy; it is a copy for one reader's own disk.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

from engine.csp import secure


def on_post_build(*, config: MkDocsConfig) -> None:
    offline = config.plugins.get("material/offline") or config.plugins.get("offline")
    if not (offline and offline.config.get("enabled")):
        secure(Path(config.site_dir))
