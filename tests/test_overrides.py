"""The theme overrides (overrides/) stay exactly Material's templates plus the fixes they are for.

A partial in overrides/partials/ replaces Material's own file entirely, so a copy made from one
Material version would silently keep old markup after an upgrade. Each copy here is Material's
current file with listed edits, checked against the installed Material on every run; and the built
pages are checked for the effect of each fix.
"""

import re
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


# What the fixes leave in every built page: each of FIXES matches, none of BROKEN does.
FIXES = {
    "Material's bundle is deferred (overrides/main.html)": r'<script src="[^"]*/bundle\.[^"]*" defer',
    "docs/stylesheets/extra.css is linked": r'<link [^>]*href="[^"]*stylesheets/extra\.css"',
}
BROKEN = {
    "the repository link would fetch facts from api.github.com": r'data-md-component="source"',
    "a dialog without an accessible name": r'role="dialog"(?![^>]*aria-label=)',
    "Material's bundle is not deferred": r'<script src="[^"]*/bundle\.[^"]*"(?! defer)',
}


def test_fixes_are_in_every_built_page(site_dir):
    problems = []
    for page in built_pages(site_dir):
        html = page.file.read_text(encoding="utf-8")
        problems += [
            f"{page.name}: not {fix}" for fix, p in FIXES.items() if not re.search(p, html)
        ]
        problems += [f"{page.name}: {why}" for why, p in BROKEN.items() if re.search(p, html)]
    assert not problems, "\n".join(problems)
