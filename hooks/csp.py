"""MkDocs hook: a Content-Security-Policy on every page that allows only the site's own origin.

The site makes no third-party request, and the browser tests check the requests a page makes while
they watch. A policy makes the browser itself refuse any later one (after a timer, on a hover, from
an injected tag), on the reader's machine too, and reports it as a console error, which the
browser tests fail on. Inline scripts run only when their hash is listed: this hook hashes the
ones each page carries (Material's small start-up scripts; their text depends on the page's depth),
so a script slipped into a page runs nowhere.

Why a hook, not a plugin or a server header: GitHub Pages sets no custom headers, so the policy
goes in a <meta> tag, and no MkDocs plugin writes one (the generators that hash inline scripts
serve Jekyll and webpack). The offline build (file:// URLs, where 'self' matches no file) gets no
policy; it is a copy for one reader's own disk.
"""

from __future__ import annotations

import base64
import hashlib
import re

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


def inline_script_hashes(html_text: str) -> list[str]:
    """The CSP source of each inline script that the browser would run."""
    hashes = []
    for match in INLINE_SCRIPT.finditer(html_text):
        attrs = match.group("attrs")
        if "src=" in attrs or any(kind in attrs for kind in DATA_TYPES):
            continue
        digest = hashlib.sha256(match.group("body").encode("utf-8")).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(set(hashes))


def policy_for(html_text: str) -> str:
    directives = dict(
        POLICY, **{"script-src": POLICY["script-src"] + inline_script_hashes(html_text)}
    )
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def with_policy(html_text: str) -> str:
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy_for(html_text)}">'
    # First in <head>, before anything the policy must govern.
    return re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + meta, html_text, count=1)


def _online(config) -> bool:
    offline = config.plugins.get("material/offline") or config.plugins.get("offline")
    return not (offline and offline.config.get("enabled"))


# ----------------------------------------------------------------------------- MkDocs events


def on_post_page(output, page, config):
    return with_policy(output) if _online(config) else output


def on_post_template(output_content, template_name, config):
    """Pages MkDocs renders from a template alone: 404.html."""
    if template_name.endswith(".html") and _online(config):
        return with_policy(output_content)
    return output_content
