"""Serve a built site on loopback the way the host (GitHub Pages) will: under the path of
``site_url``, text gzip-compressed when the browser accepts it, and an unknown path answered with
the site's ``404.html``. The browser tests and the Lighthouse benchmark look at the same thing.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import mimetypes
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from engine.paths import MKDOCS_YML
from engine.site import build_failure, build_site

COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
COMPRESSED_TYPES += ("application/xml", "application/x-ipynb+json")
EXTRA_TYPES = {
    ".js": "application/javascript",
    ".map": "application/json",
    ".ipynb": "application/x-ipynb+json",
    ".py": "text/x-python",
    ".webmanifest": "application/manifest+json",
}


@functools.cache
def configured_site_url(mkdocs_yml: Path = MKDOCS_YML) -> str:
    """``site_url`` from mkdocs.yml, with a trailing slash ('/' when there is none)."""

    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may use MkDocs' and pymdownx's YAML tags (!ENV, !!python/name:...): ignore them.
    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=Loader)
    return (config.get("site_url") or "").rstrip("/") + "/"


def site_prefix() -> str:
    """The path the host serves the site under: that of ``site_url``, e.g. '/tested-notes/'."""
    return (urlsplit(configured_site_url()).path or "/").rstrip("/") + "/"


class _Handler(BaseHTTPRequestHandler):
    site: Path
    prefix: str
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        # Quiet: the browser records the requests.
        pass

    def do_HEAD(self):
        self._respond(head=True)

    def do_GET(self):
        self._respond(head=False)

    def _respond(self, head: bool):
        path = unquote(urlsplit(self.path).path)
        if not path.startswith(self.prefix):
            if path + "/" == self.prefix:
                return self._redirect(self.prefix)
            return self._not_found(head)
        target = (self.site / path[len(self.prefix) :]).resolve()
        if self.site not in (target, *target.parents):
            return self._not_found(head)
        if target.is_dir():
            if not path.endswith("/"):
                return self._redirect(path + "/")
            target = target / "index.html"
        if not target.is_file():
            return self._not_found(head)
        self._send_file(target, 200, head)

    def _redirect(self, location: str):
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_found(self, head: bool):
        page = self.site / "404.html"
        if page.is_file():
            return self._send_file(page, 404, head)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_file(self, file: Path, status: int, head: bool):
        guessed, encoding = mimetypes.guess_type(file.name)
        content_type = EXTRA_TYPES.get(file.suffix) or guessed or "application/octet-stream"
        # sitemap.xml.gz is served as the file it is.
        if encoding:
            content_type = "application/gzip"
        body = file.read_bytes()
        compress = content_type.startswith(COMPRESSED_TYPES) and "gzip" in self.headers.get(
            "Accept-Encoding", ""
        )
        if compress:
            body = _gzipped(file, file.stat().st_mtime_ns)
        if content_type.startswith("text/") or content_type.endswith(("javascript", "json")):
            content_type += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # GitHub Pages' policy.
        self.send_header("Cache-Control", "max-age=600")
        if compress:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        if not head:
            self.wfile.write(body)


@functools.lru_cache(maxsize=512)
def _gzipped(file: Path, mtime_ns: int) -> bytes:
    return gzip.compress(file.read_bytes(), compresslevel=6, mtime=0)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser closing a connection.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(site: Path, prefix: str | None = None) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) under ``prefix``; yields the site's base URL."""
    prefix = prefix or site_prefix()
    handler = type("Handler", (_Handler,), {"site": site.resolve(), "prefix": prefix})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def built_and_served() -> Iterator[tuple[Path, str]]:
    """Build the site into a temporary folder and serve it: yields (site folder, base URL)."""
    with tempfile.TemporaryDirectory(prefix="site-") as tmp:
        site = Path(tmp) / "site"
        failure = build_failure(build_site(site))
        if failure:
            raise RuntimeError(failure)
        with serve(site) as base_url:
            yield site, base_url
