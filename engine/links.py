"""The internal-link check of a built site: every URL that points into the site names a built file,
and every ``#fragment`` an ``id`` on its page. External links are not fetched (the tests run
offline). Used on the served build and on the offline build (opened from file://).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

from engine.server import configured_site_url, site_prefix
from engine.site import built_pages

# A stand-in origin to resolve URLs against; never contacted.
ORIGIN = "https://site.invalid"
URL_ATTRIBUTES = {"href", "src", "poster", "data"}
NOT_LINKS = ("javascript:", "mailto:", "tel:", "data:", "blob:")


class LinkedPage(HTMLParser):
    def __init__(self):
        super().__init__()
        # (line, URL) of every link on the page.
        self.urls: list[tuple[int, str]] = []
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
    def _is_hint(attrs) -> bool:
        """<link rel="preconnect"> names a host, not a document."""
        rel = dict(attrs).get("rel") or ""
        return any(hint in rel.split() for hint in ("preconnect", "dns-prefetch"))


def parse(file: Path) -> LinkedPage:
    page = LinkedPage()
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
    checker = _Checker(site, directory_index)
    for file, page in checker.pages.items():
        base = page_url(site, file, directory_index)
        for line, url in page.urls:
            checker.check(f"{file.relative_to(site).as_posix()}:{line}", base, url)
    sitemap = site / "sitemap.xml"
    if sitemap.is_file():
        for loc in ElementTree.parse(sitemap).iter(SITEMAP_LOC):
            checker.check("sitemap.xml", ORIGIN + site_prefix(), loc.text.strip())
    return checker.problems


SITEMAP_LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


class _Checker:
    def __init__(self, site: Path, directory_index: bool):
        self.site, self.directory_index = site, directory_index
        self.pages = {page.file: parse(page.file) for page in built_pages(site)}
        self.public = configured_site_url()
        self.problems: list[str] = []

    def check(self, where: str, base: str, url: str) -> None:
        if not url or url.startswith(NOT_LINKS):
            return
        # The canonical URL and the like name the site as served, not the folder.
        if self.public != "/" and url.startswith(self.public):
            url = site_prefix() + url[len(self.public) :]
            if not self.directory_index:
                return
        absolute = urljoin(base, url)
        # External: not fetched.
        if urlsplit(absolute).scheme + "://" + urlsplit(absolute).netloc != ORIGIN:
            return
        target = target_file(self.site, absolute, self.directory_index)
        if target is None:
            self.problems.append(f"{where}: {url} -> no such file in the built site")
        elif not self._has_anchor(target, unquote(urlsplit(absolute).fragment)):
            name = target.relative_to(self.site).as_posix()
            fragment = unquote(urlsplit(absolute).fragment)
            self.problems.append(f"{where}: {url} -> no id {fragment!r} in {name}")

    def _has_anchor(self, target: Path, fragment: str) -> bool:
        if not fragment or target.suffix != ".html":
            return True
        page = self.pages.get(target) or parse(target)
        return fragment in page.anchors
