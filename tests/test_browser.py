"""The built site in a real browser: Debian's Chromium, headless, driven by Playwright.

The site is built once (tests/conftest.py, ``site_dir``) and served on 127.0.0.1 as the host serves
it (engine/server.py). Every request the browser makes is recorded; any that leaves loopback is
blocked and fails the test, as do console errors, script errors and failed responses. Pages are
found by walking the build, so new pages are covered without editing this file.

What Material itself does (its colour toggle, its phone drawer, search highlighting) is left to
Material's own tests: these check what this site adds, the code a reader copies, the policy that
keeps every request on the site's origin, search finding our pages, and the offline build.

Chromium is Debian's package (engine/browser.py; ``make test`` installs it when it can). Without it
these tests are skipped with the reason, unless TESTED_NOTES_REQUIRE_BROWSER is set (CI), where a
missing browser fails them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from engine import browser as chromium
from engine.pages import shown_text
from engine.paths import REPO
from engine.server import site_prefix
from engine.site import build_failure, build_site, built_pages

# A group of their own, on a worker of their own, with its own build of the site (warm, a few
# seconds): the browser tests are the longest group, and the other build checks run meanwhile.
pytestmark = pytest.mark.xdist_group("browser")

DESKTOP = {"width": 1280, "height": 800}
# A current phone, in CSS pixels.
PHONE = {"width": 390, "height": 844}
LOCAL_SCHEMES = ("data", "blob", "about", "file", "chrome-error")


@pytest.fixture(scope="session")
def browser():
    reason = chromium.missing_reason()
    if reason and os.environ.get("TESTED_NOTES_REQUIRE_BROWSER"):
        pytest.fail(reason, pytrace=False)
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium.chromium()), args=chromium.ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def offline_site_dir(tmp_path_factory) -> Path:
    """The folder of the `make offline` build (Material's offline plugin), to open from file://."""
    site = tmp_path_factory.mktemp("offline") / "site"
    failure = build_failure(build_site(site, env={"OFFLINE": "true"}))
    if failure:
        pytest.fail(f"OFFLINE=true {failure}", pytrace=False)
    return site


def local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in ("127.0.0.1", "localhost")


def watched(browser, **options):
    """A tab in a context of its own, and the list where it records what a page must not do:
    leave loopback (blocked), log a console or script error, get an HTTP error."""
    context = browser.new_context(viewport=DESKTOP, **options)
    problems: list[str] = []

    def block(route):
        problems.append(f"third-party request (blocked): {route.request.url}")
        route.abort()

    def watch(page):
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}")
        )

    context.route(lambda url: not local(url), block)
    context.on(
        "response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}")
    )
    context.on("page", watch)
    return context, context.new_page(), problems


def drained(problems: list[str], where: str) -> list[str]:
    """The problems recorded so far, once each, named by where they happened; the list emptied."""
    found = [f"{where}: {problem}" for problem in dict.fromkeys(problems)]
    problems.clear()
    return found


def fail_on(problems: list[str], what: str) -> None:
    if problems:
        pytest.fail(f"{what}:\n" + "\n".join(problems), pytrace=False)


# Pages loaded at once, each in a tab (and context) of its own: most of a page's time is the wait
# for a quiet network, which tabs can share.
TABS = 4


def test_every_page_loads_cleanly_and_privately(browser, site_dir, site_url):
    """Each page: no third-party request, no console or script error, no failed request, and no
    sideways scrolling on a phone (what the pages hold, not Material, would cause it)."""
    tabs = [watched(browser) for _ in range(TABS)]
    pages = built_pages(site_dir, site_url)
    assert pages, "the build has no HTML pages"
    problems = []
    for start in range(0, len(pages), TABS):
        # The last batch may hold fewer pages than there are tabs.
        batch = list(zip(tabs, pages[start : start + TABS], strict=False))
        responses = [page.goto(built.url, wait_until="commit") for (_, page, _), built in batch]
        for ((_, page, recorded), built), response in zip(batch, responses, strict=True):
            page.wait_for_load_state("networkidle")
            if response is None or response.status != 200:
                problems.append(f"{built.name}: HTTP {response and response.status}")
            problems += drained(recorded, built.name)
            page.set_viewport_size(PHONE)
            root = "document.documentElement"
            wider = page.evaluate(f"{root}.scrollWidth - {root}.clientWidth")
            if wider > 0:
                problems.append(f"{built.name}: {wider} px wider than a {PHONE['width']} px phone")
            page.set_viewport_size(DESKTOP)
    for context, _, _ in tabs:
        context.close()
    fail_on(problems, f"{len(pages)} pages checked")


def search(page, query: str):
    """Type ``query`` into Material's search; return the result links once there are some."""
    box = page.locator("input.md-search__input")
    # Narrow screens: the search opens from a header button.
    if not box.is_visible():
        page.locator("label.md-header__button[for='__search']").click()
    # Typed: Material searches on key events, not on fill()
    box.press_sequentially(query)
    results = page.locator("li.md-search-result__item > a")
    results.first.wait_for(timeout=10_000)
    return results


def open_result_for(page, results, path: str) -> None:
    """Click the first result that links to the page at ``path`` (query and anchor aside). The links
    are read in one step: Material re-renders the list while the search goes on, and a link looked
    up by its index may be gone by then."""
    hrefs = results.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    for href in hrefs:
        if urlsplit(urljoin(page.url, href)).path == path:
            page.locator(f'li.md-search-result__item > a[href="{href}"]').first.click()
            return
    pytest.fail(f"no search result links to {path}; results: {hrefs}", pytrace=False)


def test_search_finds_gcnconv_and_opens_the_pyg_page(browser, site_url):
    context, page, recorded = watched(browser)
    page.goto(site_url, wait_until="networkidle")
    results = search(page, "GCNConv")
    open_result_for(page, results, site_prefix() + "pyg/")
    page.wait_for_url(re.compile(r"/pyg/"))
    assert "PyTorch Geometric" in page.locator("h1").first.inner_text()
    context.close()
    fail_on(drained(recorded, "search"), "while searching")


PREPARE = """async element => {
  // Open every content tab and <details> around the block, as a reader would to see it.
  for (let node = element; node; node = node.parentElement) {
    if (node.classList?.contains("tabbed-block")) {
      const index = [...node.parentElement.children].indexOf(node);
      node.closest(".tabbed-set").querySelector(":scope > .tabbed-labels").children[index].click();
    }
    if (node.tagName === "DETAILS") node.open = true;
  }
  await navigator.clipboard.writeText("(nothing copied)");
  return element.querySelector(":scope > span.filename").innerText;
}"""


def test_copy_button_copies_exactly_the_snippet(browser, site_dir, site_url):
    """Every code block titled with a snippet file, on every page: its copy button puts exactly
    that file's text on the clipboard (Material leaves out the file's final newline, nothing else).
    A block that shows the file in parts has a title of its own (not the bare file name)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
    context, page, recorded = watched(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    checked, problems = 0, []
    for built in built_pages(site_dir, site_url):
        if "snippets/" not in built.file.read_text(encoding="utf-8"):
            continue
        page.goto(built.url, wait_until="load")
        blocks = page.locator("div.highlight:has(> span.filename)")
        for i, block in enumerate(blocks.all()):
            # One round trip: the title; the block revealed; the clipboard emptied.
            title = block.evaluate(PREPARE).strip()
            if not title.startswith("snippets/") or not (REPO / title).is_file():
                continue
            block.locator("button[data-md-type='copy']").click()
            copied = page.evaluate("navigator.clipboard.readText()")
            checked += 1
            # The file as the page shows it: pymdownx.snippets leaves out section markers.
            if copied + "\n" != shown_text(title.removeprefix("snippets/")):
                problems.append(f"{built.name}, block {i + 1} ({title}): copied\n{copied}")
        problems += drained(recorded, built.name)
    context.close()
    assert checked, "no code block titled with a snippet file was found on any page"
    fail_on(problems, f"{checked} copy buttons checked")


def test_offline_site_dir_works_from_a_folder(browser, offline_site_dir):
    """`make offline`: opened from file:// with no network, pages link to each other and search
    works (Material's offline plugin, with the shim vendored by hooks/offline.py)."""
    context, page, recorded = watched(browser)
    page.goto((offline_site_dir / "index.html").as_uri(), wait_until="load")
    page.locator("nav.md-nav--primary a.md-nav__link", has_text="Graphs and GCNConv").first.click()
    page.wait_for_url(re.compile(r"/pyg\.html$"))
    assert "PyTorch Geometric" in page.locator("h1").first.inner_text()
    results = search(page, "GCNConv")
    open_result_for(page, results, urlsplit((offline_site_dir / "pyg.html").as_uri()).path)
    page.wait_for_url(re.compile(r"/pyg\.html"))
    problems = [p for p in drained(recorded, "offline") if "HTTP" not in p]
    context.close()
    fail_on(problems, "in the offline build")


LATE_REQUESTS = """() => {
    const leave = (what) => {
        fetch(`https://example.org/${what}`).catch(() => {});
        const image = new Image();
        image.src = `https://example.org/${what}.png`;
        document.body.append(image);
    };
    setTimeout(() => leave("after-a-timer"), 300);
    document.querySelector("h1").addEventListener("mouseover", () => leave("on-hover"));
}"""


def test_a_late_third_party_request_is_refused_by_the_pages_own_policy(browser, site_url):
    """hooks/csp.py in the browser, with no route blocking of ours: requests a script makes after
    the load (on a timer, on a hover) never leave (Chromium fails each with reason "csp"), and each
    refusal is a console error, which the every-page check above fails on."""
    context = browser.new_context(viewport=DESKTOP)
    sent, failed, errors = [], {}, []
    context.on("requestfinished", lambda request: sent.append(request.url))
    context.on("requestfailed", lambda request: failed.update({request.url: request.failure}))
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{site_url}/", wait_until="networkidle")
    page.evaluate(LATE_REQUESTS)
    page.hover("h1")
    page.wait_for_timeout(1500)
    context.close()
    assert not [url for url in sent if "example.org" in url], sent
    attempts = {url: why for url, why in failed.items() if "example.org" in url}
    assert len(attempts) == 2 and set(attempts.values()) == {"csp"}, failed
    refused = [error for error in errors if "Content Security Policy" in error]
    assert len(refused) >= 4, errors
