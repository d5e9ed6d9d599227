"""Citations: every [@key] on a page is in docs/references.bib, and every entry formats."""

import logging

import pytest
from pybtex.database import parse_file

from engine.citations import CITATION, KEY, cite
from engine.paths import DOCS, page_files, rel
from engine.run_values import prose_lines

BIB = DOCS / "references.bib"


def bib_keys() -> set[str]:
    return set(parse_file(BIB).entries)


@pytest.mark.parametrize("page", page_files(), ids=rel)
def test_every_citation_key_is_in_the_bibliography(page):
    known = bib_keys()
    unknown = [
        f"{rel(page)}:{number + 1}: [@{key}] is not in docs/references.bib"
        for number, line in prose_lines(page.read_text(encoding="utf-8").splitlines())
        for block in CITATION.finditer(line)
        for key in KEY.findall(block["keys"])
        if key not in known
    ]
    assert not unknown, "\n".join(unknown)


def test_every_entry_formats_without_a_warning(caplog):
    """An entry pybtex cannot format (a field its type needs is missing) would fail the build only
    on the day a page first cites it: find it now, by key."""
    failures = []
    for key in sorted(bib_keys()):
        caplog.clear()
        try:
            with caplog.at_level(logging.WARNING):
                footnotes = cite([f"Cited [@{key}]."], BIB)
        except Exception as error:  # pybtex raises on a field its style needs and lacks
            failures.append(f"{key}: {error}")
            continue
        if not footnotes[-1].startswith(f"[^{key}]: ") or caplog.records:
            failures.append(f"{key}: " + "; ".join(r.getMessage() for r in caplog.records))
    assert not failures, "docs/references.bib entries that do not format:\n" + "\n".join(failures)
