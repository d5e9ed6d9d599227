"""engine.links: the checker itself finds what it is for."""

from engine.links import broken_links
from engine.server import site_prefix


def test_the_link_check_finds_broken_links(tmp_path):
    """The checker itself: a missing page, a missing anchor and a missing asset are all reported."""
    prefix = site_prefix()
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<h1 id="top">x</h1><a href="a/">ok</a><a href="a/#here">ok</a><a href="#top">ok</a>'
        '<a href="b/">missing page</a><a href="a/#nowhere">missing anchor</a>'
        f'<img src="{prefix}img.png"><a href="https://example.org/x">external</a>',
        encoding="utf-8",
    )
    (tmp_path / "a" / "index.html").write_text('<p id="here">a</p><a href="../">up</a>')
    problems = broken_links(tmp_path)
    assert len(problems) == 3, problems
    assert any("b/ -> no such file" in p for p in problems)
    assert any("'nowhere'" in p for p in problems)
    assert any("img.png -> no such file" in p for p in problems)
