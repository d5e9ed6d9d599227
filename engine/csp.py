"""A Content-Security-Policy of the site's own origin and the hash of each inline script a page
runs: the browser refuses any other request (a console error in the browser tests). ``secure``
puts it on every page: hooks/csp.py after MkDocs' build, `make build-check` after Zensical's.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

# Every source is this site; images may also be inline (data: URLs: walkthrough figures, icons).
# Styles may be inline: Material's templates and highlighted code carry style attributes, and a
# style cannot load anything that img-src and font-src would not refuse.
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}

INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)
DATA_TYPES = ("application/json", "application/ld+json", "text/template")


def inline_script_hashes(html_text: str, authored: str = "") -> list[str]:
    """The CSP source of each inline script the browser would run, except those of the page's own
    content (``authored``): only the theme's templates may run one (engine.markup refuses them)."""
    own = set(inline_script_hashes(authored)) if authored else set()
    hashes = set()
    for match in INLINE_SCRIPT.finditer(html_text):
        attrs = match.group("attrs")
        if "src=" in attrs or any(kind in attrs for kind in DATA_TYPES):
            continue
        digest = hashlib.sha256(match.group("body").encode("utf-8")).digest()
        hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(hashes - own)


def policy_for(html_text: str, authored: str = "") -> str:
    scripts = POLICY["script-src"] + inline_script_hashes(html_text, authored)
    directives = dict(POLICY, **{"script-src": scripts})
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def secure(site: Path) -> None:
    """The policy on every page of ``site`` without one (a dirty rebuild keeps the pages it did
    not rebuild); the page's own content is its article."""
    for page in site.rglob("*.html"):
        html_text = page.read_text(encoding="utf-8")
        if 'http-equiv="Content-Security-Policy"' in html_text:
            continue
        article = re.search(r"<article\b.*?</article>", html_text, re.DOTALL)
        policy = policy_for(html_text, article.group(0) if article else "")
        meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        # First in <head>, before anything the policy must govern.
        head = re.search(r"<head[^>]*>", html_text)
        if head:
            page.write_text(html_text[: head.end()] + meta + html_text[head.end() :], "utf-8")
