"""engine.server: the site served as the host serves it."""

import gzip
import urllib.request

import pytest

from engine.server import serve, site_prefix

PAGE = b"<p>pyg</p>" * 50


def fetch(url: str, gzip_ok: bool = False):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    return urllib.request.urlopen(request, timeout=10)


@pytest.fixture
def base_url(tmp_path):
    (tmp_path / "pyg").mkdir()
    (tmp_path / "pyg" / "index.html").write_bytes(PAGE)
    with serve(tmp_path) as url:
        yield url


def test_the_site_is_served_under_the_path_of_site_url(base_url):
    assert base_url.endswith(site_prefix())
    response = fetch(base_url + "pyg/")
    # Connections kept open, as a host does: Lighthouse's timings count each new one.
    assert response.read() == PAGE and response.version == 11
    # A folder without its slash redirects (the stdlib's handler).
    assert fetch(base_url + "pyg").url == base_url + "pyg/"


@pytest.mark.parametrize("path", ["pyg/", "pyg/index.html"])
def test_text_is_compressed_when_the_browser_accepts_it(base_url, path):
    response = fetch(base_url + path, gzip_ok=True)
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Type"] == "text/html"
    assert gzip.decompress(response.read()) == PAGE
