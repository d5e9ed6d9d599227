"""No broken internal link or anchor anywhere in the built site.

Every ``href`` and ``src`` (and ``srcset``) of every built HTML page, and every URL of the sitemap, that
points into the site (a relative URL, an absolute path, or an absolute URL under ``site_url``) must
resolve to a built file, and its ``#fragment`` to an ``id`` (or ``name``) on the target page. External
links are not fetched: the tests run offline.
"""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from site_server import configured_site_url, site_prefix

pytestmark = pytest.mark.xdist_group("build")  # shares the one build (conftest.py)

ORIGIN = "https://site.invalid"  # a stand-in origin to resolve URLs against; never contacted
URL_ATTRIBUTES = {"href", "src", "poster", "data"}
NOT_LINKS = ("javascript:", "mailto:", "tel:", "data:", "blob:")


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[int, str]] = []  # (line, URL)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id",) or (name == "name" and tag == "a"):
                self.anchors.add(value)
            elif name in URL_ATTRIBUTES and not (tag == "link" and self._is_hint(attrs)):
                self.urls.append((line, value.strip()))
            elif name == "srcset":
                self.urls.extend(
                    (line, part.split()[0]) for part in value.split(",") if part.strip()
                )

    @staticmethod
    def _is_hint(attrs) -> bool:  # <link rel="preconnect"> names a host, not a document
        rel = dict(attrs).get("rel") or ""
        return any(hint in rel.split() for hint in ("preconnect", "dns-prefetch"))


def parse(file: Path) -> Page:
    page = Page()
    page.feed(file.read_text(encoding="utf-8"))
    return page


def page_url(site: Path, file: Path, directory_index: bool = True) -> str:
    """The URL a reader opens the file at (directory URLs for index.html, as the host serves)."""
    relative = file.relative_to(site).as_posix()
    if file.name == "index.html" and directory_index:
        relative = relative.removesuffix("index.html")
    return ORIGIN + site_prefix() + relative


def target_file(site: Path, url: str, directory_index: bool = True) -> Path | None:
    """The built file an internal URL (already absolute on ORIGIN) names, or None if none."""
    path = unquote(urlsplit(url).path)
    if not path.startswith(site_prefix()):
        return None
    target = site / path[len(site_prefix()) :]
    if target.is_dir() and directory_index:
        target = target / "index.html"
    return target if target.is_file() else None


def broken_links(site: Path, directory_index: bool = True) -> list[str]:
    """Every internal URL of ``site`` that names no file or no anchor, with page and line.

    ``directory_index``: a URL naming a folder means its index.html, as a web server has it; the
    offline build is opened from file://, where it does not, so there such a link is broken too.
    """
    pages = {file: parse(file) for file in sorted(site.rglob("*.html"))}
    public = configured_site_url()
    problems = []

    def check(where: str, base: str, url: str) -> None:
        if not url or url.startswith(NOT_LINKS):
            return
        if public != "/" and url.startswith(public):  # the canonical URL and the like
            url = site_prefix() + url[len(public) :]
            if not directory_index:  # canonical URLs name the site as served, not the folder
                return
        absolute = urljoin(base, url)
        if urlsplit(absolute).scheme + "://" + urlsplit(absolute).netloc != ORIGIN:
            return  # external: not fetched
        target = target_file(site, absolute, directory_index)
        if target is None:
            problems.append(f"{where}: {url} -> no such file in the built site")
            return
        fragment = unquote(urlsplit(absolute).fragment)
        if fragment and target.suffix == ".html":
            anchors = pages[target].anchors if target in pages else parse(target).anchors
            if fragment not in anchors:
                name = target.relative_to(site).as_posix()
                problems.append(f"{where}: {url} -> no id {fragment!r} in {name}")

    for file, page in pages.items():
        base = page_url(site, file, directory_index)
        for line, url in page.urls:
            check(f"{file.relative_to(site).as_posix()}:{line}", base, url)
    sitemap = site / "sitemap.xml"
    if sitemap.is_file():
        for loc in ElementTree.parse(sitemap).iter(
            "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
        ):
            check("sitemap.xml", ORIGIN + site_prefix(), loc.text.strip())
    return problems


def test_no_broken_internal_links_or_anchors(site_build):
    problems = broken_links(site_build)
    assert not problems, f"{len(problems)} broken internal links:\n" + "\n".join(problems)


def test_the_link_check_finds_broken_links(tmp_path):
    """The checker itself: a missing page, a missing anchor and a missing asset are all reported."""
    prefix = site_prefix()
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<h1 id="top">x</h1><a href="a/">ok</a><a href="a/#here">ok</a><a href="#top">ok</a>'
        '<a href="b/">missing page</a><a href="a/#nowhere">missing anchor</a>'
        f'<img src="{prefix}img.png"><a href="https://example.org/x">external</a>',
        encoding="utf-8",
    )
    (tmp_path / "a" / "index.html").write_text('<p id="here">a</p><a href="../">up</a>')
    problems = broken_links(tmp_path)
    assert len(problems) == 3, problems
    assert any("b/ -> no such file" in p for p in problems)
    assert any("'nowhere'" in p for p in problems)
    assert any("img.png -> no such file" in p for p in problems)
