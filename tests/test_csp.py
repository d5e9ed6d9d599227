"""Every built page carries a Content-Security-Policy that allows the site's own origin only, and
lists the hash of each inline script the page runs (hooks/csp.py). The browser tests then see any
request the policy refuses as a console error."""

import re

import pytest
from harness import hook_module

pytestmark = pytest.mark.xdist_group("build")  # shares the one build (conftest.py)

META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')
ALLOWED = {"'self'", "'none'", "'unsafe-inline'", "data:"}


def _pages(site):
    return sorted(site.rglob("*.html"))


def test_every_page_has_a_same_origin_policy(site_build):
    csp = hook_module("csp")
    problems = []
    for page in _pages(site_build):
        html = page.read_text(encoding="utf-8")
        name = page.relative_to(site_build).as_posix()
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
        missing = set(csp.inline_script_hashes(html)) - set(directives.get("script-src", []))
        if missing:
            problems.append(f"{name}: inline scripts without their hash {sorted(missing)}")
    assert not problems, "\n".join(problems)


def test_a_changed_inline_script_is_not_allowed():
    """The hash covers the script's exact text: one changed character, and it no longer runs."""
    csp = hook_module("csp")
    page = "<html><head></head><body><script>var a = 1</script></body></html>"
    changed = page.replace("var a = 1", "var a = 2")
    policy = csp.policy_for(page)
    assert csp.inline_script_hashes(page)[0] in policy
    assert csp.inline_script_hashes(changed)[0] not in policy
