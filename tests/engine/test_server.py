"""engine.server: the site served as the host serves it."""

import gzip
import urllib.error
import urllib.request

import pytest

from engine.server import serve, site_prefix


def fetch(url: str, gzip_ok: bool = False):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    return urllib.request.urlopen(request, timeout=10)


@pytest.fixture
def base_url(tmp_path):
    (tmp_path / "pyg").mkdir()
    (tmp_path / "pyg" / "index.html").write_text("<p>pyg</p>" * 50)
    (tmp_path / "404.html").write_text("<p>not here</p>")
    with serve(tmp_path) as url:
        yield url


def test_the_site_is_served_under_the_path_of_site_url(base_url):
    assert base_url.endswith(site_prefix())
    assert fetch(base_url + "pyg/").read() == b"<p>pyg</p>" * 50


def test_text_is_compressed_when_the_browser_accepts_it(base_url):
    response = fetch(base_url + "pyg/", gzip_ok=True)
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.read()) == b"<p>pyg</p>" * 50


def test_a_folder_without_its_slash_redirects(base_url):
    assert fetch(base_url + "pyg").url == base_url + "pyg/"


def test_an_unknown_path_gets_the_404_page(base_url):
    with pytest.raises(urllib.error.HTTPError) as error:
        fetch(base_url + "nowhere/")
    assert error.value.code == 404 and error.value.read() == b"<p>not here</p>"
