"""No broken internal link or anchor anywhere in the built site.

Every ``href`` and ``src`` (and ``srcset``) of every built HTML page, and every URL of the sitemap, that
points into the site (a relative URL, an absolute path, or an absolute URL under ``site_url``) must
resolve to a built file, and its ``#fragment`` to an ``id`` (or ``name``) on the target page. External
links are not fetched: the tests run offline.
"""

import pytest

from engine.links import broken_links

# Shares the one build (conftest.py).
pytestmark = pytest.mark.xdist_group("build")


def test_no_broken_internal_links_or_anchors(site_dir):
    problems = broken_links(site_dir)
    assert not problems, f"{len(problems)} broken internal links:\n" + "\n".join(problems)
