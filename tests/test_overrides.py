"""The theme overrides (overrides/) stay exactly Material's templates plus the fixes they are for.

A partial in overrides/partials/ replaces Material's own file entirely, so a copy made from one
Material version would silently keep old markup after an upgrade. Each copy here is Material's
current file with listed edits, checked against the installed Material on every run; and the built
pages are checked for the effect of each fix.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import material
import pytest

from engine.paths import REPO
from engine.site import built_pages

# Shares the one build (conftest.py).
pytestmark = pytest.mark.xdist_group("build")

MATERIAL = Path(material.__file__).parent / "templates"
OVERRIDES = REPO / "overrides"

# Every Material template that overrides/ replaces, with its edits (old, new), each applied once.
# main.html is not listed: it is Material's documented extension point and extends base.html.
EDITS = {
    "partials/source.html": [
        # no data-md-component="source": Material would fetch repository facts from api.github.com
        ('class="md-source" data-md-component="source">', 'class="md-source">'),
    ],
    "partials/search.html": [
        # the search dialog gets an accessible name
        ('role="dialog">', 'role="dialog" aria-label="{{ lang.t(\'search\') }}">'),
    ],
}
# The leading comment of a template.
HEADER = re.compile(r"\A\{#-.*?-#\}\n", re.DOTALL)


def replaced_templates() -> list[str]:
    return sorted(
        path.relative_to(OVERRIDES).as_posix()
        for path in OVERRIDES.rglob("*.html")
        if (MATERIAL / path.relative_to(OVERRIDES)).is_file()
        and path.relative_to(OVERRIDES).as_posix() != "main.html"
    )


def test_every_replaced_template_is_listed():
    assert replaced_templates() == sorted(EDITS), (
        "overrides/ replaces Material templates not listed in tests/test_overrides.py EDITS (or a "
        "listed one is gone): list each copy with the edits it makes to Material's file"
    )


@pytest.mark.parametrize("template", sorted(EDITS))
def test_override_is_material_plus_its_edits(template):
    expected = HEADER.sub("", (MATERIAL / template).read_text(encoding="utf-8"))
    for old, new in EDITS[template]:
        assert expected.count(old) == 1, (
            f"Material's {template} changed: {old!r} no longer occurs exactly once. Copy the new "
            f"file to overrides/{template}, redo the edit, and update EDITS."
        )
        expected = expected.replace(old, new)
    actual = HEADER.sub("", (OVERRIDES / template).read_text(encoding="utf-8"))
    assert actual == expected, (
        f"overrides/{template} differs from Material's {template} plus the edits listed in "
        "tests/test_overrides.py: Material was upgraded, or the copy was edited without listing it"
    )


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_fixes_are_in_every_built_page(site_dir):
    problems = []
    for page in built_pages(site_dir):
        parser = Tags()
        parser.feed(page.file.read_text(encoding="utf-8"))
        name = page.name
        bundles = [a for t, a in parser.tags if t == "script" and "/bundle." in a.get("src", "")]
        if not bundles or any("defer" not in a for a in bundles):
            problems.append(f"{name}: Material's bundle is not deferred (overrides/main.html)")
        if any(a.get("data-md-component") == "source" for _, a in parser.tags):
            problems.append(f"{name}: the repository link would fetch facts from api.github.com")
        dialogs = [a for _, a in parser.tags if a.get("role") == "dialog"]
        if any(not a.get("aria-label") for a in dialogs):
            problems.append(f"{name}: a dialog without an accessible name")
        if not any(
            t == "link" and "stylesheets/extra.css" in a.get("href", "") for t, a in parser.tags
        ):
            problems.append(f"{name}: docs/stylesheets/extra.css is not linked")
    assert not problems, "\n".join(problems)
