"""MkDocs hook: a Content-Security-Policy on every page that allows only the site's own origin.

Why a hook, not a plugin or a server header: GitHub Pages sets no custom headers, so the policy
goes in a <meta> tag (engine.csp), and no MkDocs plugin writes one. The offline build (file://
URLs, where 'self' matches no file) gets no policy; it is a copy for one reader's own disk.
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

from engine.csp import with_policy


def on_post_page(output: str, *, page: Page, config: MkDocsConfig) -> str:
    # The page's own content runs no script: only the theme's are hashed (engine.csp).
    return with_policy(output, page.content or "") if _online(config) else output


def on_post_template(output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
    """Pages MkDocs renders from a template alone: 404.html."""
    if template_name.endswith(".html") and _online(config):
        return with_policy(output_content)
    return output_content


# ----------------------------------------------------------------------------- helpers


def _online(config: MkDocsConfig) -> bool:
    offline = config.plugins.get("material/offline") or config.plugins.get("offline")
    return not (offline and offline.config.get("enabled"))
