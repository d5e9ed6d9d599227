"""engine.citations: [@key] becomes a footnote with the formatted entry, as mkdocs-bibtex did. An
unknown key on a page is a warning that fails the strict build (test_build_is_strict_and_clean)."""

import logging

import markdown
from pybtex.database import parse_file

from engine.citations import cite
from engine.paths import DOCS

BIB = DOCS / "references.bib"


def test_citations_become_footnotes_listed_once_in_order_of_first_use():
    """Each entry in pybtex's plain style as Markdown (the text mkdocs-bibtex 4.4 put there)."""
    lines = cite(["One [@paszke2019pytorch], two [@fey2019pyg; @paszke2019pytorch]."], BIB)
    assert lines[0] == "One [^paszke2019pytorch], two [^fey2019pyg][^paszke2019pytorch]."
    assert [line.split("]:")[0] for line in lines[2:]] == ["[^paszke2019pytorch", "[^fey2019pyg"]
    assert lines[-1] == (
        "[^fey2019pyg]: Matthias Fey and Jan Eric Lenssen. Fast graph representation learning "
        "with PyTorch Geometric. In *ICLR Workshop on Representation Learning on Graphs and "
        "Manifolds*. 2019."
    )


def test_links_code_and_fences_are_not_citations():
    lines = [
        "[@rusty1s](https://github.com/rusty1s) and `x[@a]`",
        "```python",
        "print('[@fey2019pyg]')",
        "```",
    ]
    assert cite(lines, BIB) == lines


def test_an_unknown_key_is_a_warning_that_strict_builds_fail_on(caplog):
    with caplog.at_level(logging.WARNING):
        lines = cite(["As shown in [@no_such_key2099]."], BIB)
    assert lines == ["As shown in ."]
    warnings = [r for r in caplog.records if "no_such_key2099" in r.getMessage()]
    # MkDocs counts warnings of the "mkdocs" loggers; --strict turns them into a failed build.
    assert warnings and all(r.name.startswith("mkdocs.") for r in warnings)


def test_a_citation_and_a_colon_starting_a_line_is_a_warning(caplog):
    """Else the line would become the footnote's definition, its text gone from the page."""
    with caplog.at_level(logging.WARNING):
        cite(["[@fey2019pyg]: it batches graphs.", "As [@fey2019pyg]: fine."], BIB)
    assert [r.getMessage() for r in caplog.records] == [
        "A line starting with a citation and a colon reads as a footnote: "
        "'[@fey2019pyg]: it batches graphs.'"
    ]


def test_the_page_renders_a_footnote_section():
    html = markdown.markdown("Cited [@fey2019pyg].", extensions=["engine.citations", "footnotes"])
    assert 'href="#fn:fey2019pyg"' in html and "Fast graph representation learning" in html


def test_every_entry_formats_without_a_warning(caplog):
    """An entry pybtex cannot format (a field its type needs is missing) would fail the build only
    on the day a page first cites it: find it now, by key."""
    failures = []
    for key in sorted(parse_file(BIB).entries):
        caplog.clear()
        try:
            with caplog.at_level(logging.WARNING):
                footnotes = cite([f"Cited [@{key}]."], BIB)
        # pybtex raises on a field its style needs and lacks.
        except Exception as error:
            failures.append(f"{key}: {error}")
            continue
        if not footnotes[-1].startswith(f"[^{key}]: ") or caplog.records:
            failures.append(f"{key}: " + "; ".join(r.getMessage() for r in caplog.records))
    assert not failures, "docs/references.bib entries that do not format:\n" + "\n".join(failures)
