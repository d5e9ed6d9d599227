"""Citations: every [@key] on a page is in docs/references.bib, and an unknown key fails the build."""

import logging
import re

import pytest
from harness import DOCS, page_files, rel, site_config
from pybtex.database import parse_file

CITATION = re.compile(r"\[@([\w:-]+)\]")


def bib_keys() -> set[str]:
    return set(parse_file(DOCS / "references.bib").entries)


@pytest.mark.parametrize("page", page_files(), ids=rel)
def test_every_citation_key_is_in_the_bibliography(page):
    known = bib_keys()
    unknown = [
        f"{rel(page)}:{number}: [@{key}] is not in docs/references.bib"
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        for key in CITATION.findall(line)
        if key not in known
    ]
    assert not unknown, "\n".join(unknown)


def test_an_unknown_key_is_a_warning_that_strict_builds_fail_on(caplog):
    config = site_config()
    plugin = config.plugins["bibtex"]
    plugin.on_config(config)
    with caplog.at_level(logging.WARNING):
        plugin.on_page_markdown(
            "As shown in [@no_such_key2099].", page=None, config=config, files=None
        )
    warnings = [r for r in caplog.records if "no_such_key2099" in r.getMessage()]
    # MkDocs counts warnings of the "mkdocs" loggers; --strict turns them into a failed build.
    assert warnings and all(r.name.startswith("mkdocs.") for r in warnings)
