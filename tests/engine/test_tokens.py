"""engine.tokens: fewer spans in highlighted code, and the premises that keep its look the same."""

import html
import re
from pathlib import Path

import markdown
import material
import pytest

from engine.paths import DOCS, SNIPPETS
from engine.tokens import MERGED, UNWRAPPED, slim

MATERIAL_CSS = sorted(
    (Path(material.__file__).parent / "templates/assets/stylesheets").glob("*.css")
)
EXTRA_CSS = DOCS / "stylesheets" / "extra.css"
TAGS = re.compile(r"<[^>]+>")


def highlighted(code: str, *more: str) -> str:
    """``code`` as the site highlights it (pymdownx.highlight in a superfence), ``more`` after."""
    extensions = ["pymdownx.highlight", "pymdownx.superfences", *more]
    return markdown.markdown(f"```python\n{code}\n```", extensions=extensions)


def test_names_and_whitespace_are_text_and_neighbouring_punctuation_is_one_span():
    html_text = (
        '<span class="n">x</span><span class="w"> </span><span class="o">=</span>'
        '<span class="p">[</span><span class="mi">1</span><span class="p">)</span>'
        '<span class="p">(</span><span class="ow">in</span><span class="nf">f</span>'
    )
    assert slim(html_text) == (
        'x <span class="o">=[</span><span class="mi">1</span>'
        '<span class="p">)(in</span><span class="nf">f</span>'
    )


def test_a_snippet_reads_the_same_with_far_fewer_elements():
    """Any builder that runs Python-Markdown gets the fewer spans (the extension), same text."""
    code = (SNIPPETS / "backpack" / "basic_usage.py").read_text(encoding="utf-8")
    before, after = highlighted(code), highlighted(code, "engine.tokens")
    assert after == slim(before)
    assert html.unescape(TAGS.sub("", after)) == html.unescape(TAGS.sub("", before))
    assert after.count("<span") < 0.8 * before.count("<span")
    assert not re.search(r'<span class="(n|w)">', after)


def css_rules(paths: list[Path]) -> list[tuple[str, str]]:
    text = "".join(
        re.sub(r"/\*.*?\*/", "", p.read_text(encoding="utf-8"), flags=re.S) for p in paths
    )
    return re.findall(r"([^{}]+)\{([^{}]*)\}", text)


def rules_for(token: str, paths: list[Path]) -> list[str]:
    pattern = re.compile(rf"\.{token}(?![\w-])")
    return [body for selector, body in css_rules(paths) if pattern.search(selector)]


@pytest.mark.parametrize("token", UNWRAPPED)
def test_material_gives_an_unwrapped_token_no_look_of_its_own(token):
    """A name's only rule is its colour, which Material sets to the code's own colour in every
    scheme; whitespace has no rule."""
    bodies = rules_for(token, MATERIAL_CSS + [EXTRA_CSS])
    assert all(body.strip() == "color:var(--md-code-hl-name-color)" for body in bodies)
    assert bool(bodies) == (token == "n")
    name_colours = set(
        re.findall(
            r"--md-code-hl-name-color:([^;}]+)",
            "".join(b for _, b in css_rules(MATERIAL_CSS + [EXTRA_CSS])),
        )
    )
    assert name_colours == {"var(--md-code-fg-color)"}


def test_merged_tokens_share_one_colour_in_every_scheme():
    for token in MERGED:
        assert all(
            re.fullmatch(r"color:var\(--md-code-hl-(operator|punctuation)-color\)", b.strip())
            for b in rules_for(token, MATERIAL_CSS + [EXTRA_CSS])
        ), token
    for scheme in ("default", "slate"):
        (body,) = [
            b
            for s, b in css_rules([EXTRA_CSS])
            if f'data-md-color-scheme="{scheme}"]' in s and "hl-operator" in b
        ]
        colours = dict(re.findall(r"--md-code-hl-(operator|punctuation)-color:\s*([^;]+);", body))
        assert set(colours) == {"operator", "punctuation"} and len(set(colours.values())) == 1, (
            scheme
        )
