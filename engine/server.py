"""Serve a built site on loopback as the host (GitHub Pages) does: under the path of ``site_url``,
text gzip-compressed when the browser accepts it. The browser tests and the Lighthouse benchmark
look at the same thing.

The stdlib's SimpleHTTPRequestHandler serves the files, folders and redirects; it has no gzip,
which is added here because Lighthouse's performance scores and transferred weight depend on it.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from engine.paths import MKDOCS_YML

COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


@functools.cache
def site_prefix() -> str:
    """The path the host serves the site under: that of ``site_url``, e.g. '/tested-notes/'."""
    site_url = re.search(r"^site_url:\s*(\S+)", MKDOCS_YML.read_text(encoding="utf-8"), re.M)
    return (urlsplit(site_url[1] if site_url else "").path or "/").rstrip("/") + "/"


class _Handler(SimpleHTTPRequestHandler):
    # Connections kept open, as any host does (Lighthouse's timings count each new one).
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        # Quiet: the browser records the requests.
        pass

    def send_head(self):
        """A text file (a folder's index.html included) gzip-compressed, when accepted."""
        file = Path(self.translate_path(self.path))
        if file.is_dir() and self.path.endswith("/"):
            file = file / "index.html"
        kind = self.guess_type(str(file))
        accepted = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (file.is_file() and accepted and kind.startswith(COMPRESSED_TYPES)):
            return super().send_head()
        body = gzip.compress(file.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser closing a connection.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) under the path of ``site_url``; yields the
    site's base URL. The folder served holds the site at that path (a link to it)."""
    with tempfile.TemporaryDirectory(prefix="served-") as root:
        mounted = Path(root, site_prefix().strip("/"))
        if mounted != Path(root):
            mounted.parent.mkdir(parents=True, exist_ok=True)
            mounted.symlink_to(site.resolve(), target_is_directory=True)
        handler = functools.partial(_Handler, directory=root if mounted != Path(root) else site)
        server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}{site_prefix()}"
        finally:
            server.shutdown()
            server.server_close()
