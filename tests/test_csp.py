"""Every built page carries a Content-Security-Policy that allows the site's own origin only, and
lists the hash of each inline script the page runs (hooks/csp.py, engine/csp.py). The browser tests
then see any request the policy refuses as a console error."""

import re

import pytest

from engine.csp import inline_script_hashes
from engine.site import built_pages

# Shares the one build (conftest.py).
pytestmark = pytest.mark.xdist_group("build")

META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')
ALLOWED = {"'self'", "'none'", "'unsafe-inline'", "data:"}


def test_every_page_has_a_same_origin_policy(site_dir):
    problems = []
    for page in built_pages(site_dir):
        html = page.file.read_text(encoding="utf-8")
        name = page.name
        policies = META.findall(html)
        if len(policies) != 1 or not re.search(r"<head[^>]*>" + META.pattern, html):
            problems.append(f"{name}: not exactly one policy, first in <head>")
            continue
        directives = dict((part.split()[0], part.split()[1:]) for part in policies[0].split("; "))
        sources = {s for values in directives.values() for s in values}
        foreign = {s for s in sources if s not in ALLOWED and not s.startswith("'sha256-")}
        if foreign:
            problems.append(f"{name}: allows {sorted(foreign)}")
        if "'unsafe-inline'" in directives.get("script-src", []):
            problems.append(f"{name}: allows any inline script")
        missing = set(inline_script_hashes(html)) - set(directives.get("script-src", []))
        if missing:
            problems.append(f"{name}: inline scripts without their hash {sorted(missing)}")
    assert not problems, "\n".join(problems)
