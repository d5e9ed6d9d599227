"""No broken internal link or anchor: MkDocs' own check (``validation:`` in mkdocs.yml) fails the
strict build on one; this control, on a copy of the repository, shows it does with this site's
plugins and hooks. The HTML hooks write (walkthrough downloads) is checked in tests/test_site.py.
"""

import pytest

from engine.paths import copy_repo
from engine.site import build_failure, build_site

# After the main build, whose walkthrough cache it reuses.
pytestmark = pytest.mark.xdist_group("build")

BROKEN = {
    "missing page": "[a](nowhere.md)",
    "missing anchor on another page": "[b](pytorch.md#no-such-section)",
    "missing anchor on the page": "[c](#no-such-section)",
    "missing figure": "![d](figures/pyg/no-such-figure.png)",
    "absolute path (misses the site_url prefix)": "[e](/pyg/)",
}


def test_a_broken_link_or_anchor_fails_the_strict_build(site_build, tmp_path):
    repo = copy_repo(tmp_path / "repo")
    page = repo / "docs" / "pyg.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n\n" + " ".join(BROKEN.values()) + "\n")
    failure = build_failure(build_site(tmp_path / "site", repo=repo)) or ""
    assert "Aborted with 5 warnings in strict mode" in failure, failure
    for what, link in BROKEN.items():
        target = link.split("(")[1].rstrip(")")
        assert f"'{target}'" in failure, f"{what}: {link} was not reported\n{failure}"
