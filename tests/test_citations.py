"""Citations: every [@key] on a page is in docs/references.bib, and an unknown key fails the build."""

import logging

import pytest
from mkdocs_bibtex.citation import CitationBlock
from pybtex.database import parse_file

from engine.pages import site_config
from engine.paths import DOCS, page_files, rel


def bib_keys() -> set[str]:
    return set(parse_file(DOCS / "references.bib").entries)


@pytest.mark.parametrize("page", page_files(), ids=rel)
def test_every_citation_key_is_in_the_bibliography(page):
    known = bib_keys()
    unknown = [
        f"{rel(page)}:{number}: [@{key}] is not in docs/references.bib"
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        # The plugin's own parser: [@a; @b, p. 3].
        for block in CitationBlock.from_markdown(line)
        for key in (citation.key for citation in block.citations)
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


def test_the_citation_parser_sees_every_form_a_page_may_use():
    keys = [
        [c.key for c in block.citations]
        for block in CitationBlock.from_markdown(
            "One [@paszke2019pytorch], two [@fey2019pyg; @kipf2017gcn], "
            "with a locator [see @dangel2020backpack, sec. 3], a [link](https://pyg.org) and [x]."
        )
    ]
    assert keys == [
        ["paszke2019pytorch"],
        ["fey2019pyg", "kipf2017gcn"],
        ["dangel2020backpack"],
    ]


def test_every_entry_formats_without_a_warning(caplog):
    """An entry pybtex cannot format (a field its type needs is missing) is a warning too, which would
    fail the build only on the day a page first cites it: find it now, by key."""
    config = site_config()
    plugin = config.plugins["bibtex"]
    plugin.on_config(config)
    failures = []
    for key in sorted(bib_keys()):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            markdown = plugin.on_page_markdown(
                f"Cited [@{key}].", page=None, config=config, files=None
            )
        if f"[^{key}]: " not in markdown or caplog.records:
            failures.append(f"{key}: " + "; ".join(r.getMessage() for r in caplog.records))
    assert not failures, "docs/references.bib entries that do not format:\n" + "\n".join(failures)
