"""engine.site: one list of built pages (404.html included), the build verdict, page weight."""

import gzip
from subprocess import CompletedProcess

from engine.site import build_failure, built_pages, page_weight


def test_every_html_file_is_a_page_with_the_url_a_reader_opens(tmp_path):
    for name in ("index.html", "404.html", "pyg/index.html", "assets/x.css"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    pages = built_pages(tmp_path, "http://host/base/")
    assert [(p.path, p.name, p.url) for p in pages] == [
        ("404.html", "404.html", "http://host/base/404.html"),
        ("", "/", "http://host/base/"),
        ("pyg/", "pyg/", "http://host/base/pyg/"),
    ]


def test_a_build_fails_on_an_error_or_a_warning():
    assert build_failure(CompletedProcess([], 0, "INFO fine", "")) is None
    assert "printed warnings" in build_failure(CompletedProcess([], 0, "", "WARNING - x"))
    assert "failed" in build_failure(CompletedProcess([], 1, "", "Aborted"))


def test_page_weight_counts_the_page_and_its_local_assets_compressed(tmp_path):
    html = '<link href="style.css"><script src="https://elsewhere/x.js"></script>'
    (tmp_path / "index.html").write_text(html)
    (tmp_path / "style.css").write_text("body { color: red }" * 100)
    expected = len(gzip.compress(html.encode())) + len(
        gzip.compress((tmp_path / "style.css").read_bytes())
    )
    assert page_weight(tmp_path / "index.html") == expected
