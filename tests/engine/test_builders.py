"""engine.builders: a page's text as builders may differ in markup, and the verdicts on them."""

from engine.builders import compare, expected, features, page_text, pins

PAGE = """<html><body><nav>Menu</nav><article class="md-content__inner">
<h1 id="t">Title<a class="headerlink" href="#t">¶</a></h1>
<p>Some   text,
wrapped.</p>
<pre><code>{code}</code></pre>
<p class="tested-with">Built and tested with Python&nbsp;3.11.</p>
</article><footer>Footer</footer></body></html>"""
SPANS = '<span class="n">x</span><span class="w"> </span><span class="o">=</span> <span class="mi">1</span>'


def test_the_text_is_the_articles_whatever_spans_carry_it():
    slim = PAGE.format(code='x <span class="o">=</span> <span class="mi">1</span>')
    assert (
        page_text(PAGE.format(code=SPANS))
        == page_text(slim)
        == [
            "Title¶",
            "Some text,",
            "wrapped.",
            "x = 1",
            "Built and tested with Python 3.11.",
        ]
    )


def test_a_page_differs_at_its_first_changed_line_or_is_missing_or_extra():
    changed = page_text(PAGE.format(code=SPANS).replace("wrapped", "folded"))
    ours = {"/": page_text(PAGE.format(code=SPANS)), "a/": ["x"], "b/": ["y"]}
    assert compare(ours, {"/": changed, "b/": ["y"], "c/": ["z"]}) == {
        "/": "different at line 3: 'wrapped.' -> 'folded.'",
        "a/": "missing",
        "b/": "identical",
        "c/": "extra",
    }


def test_only_zensical_may_miss_the_walkthroughs_and_no_builder_other_pages():
    assert expected("zensical", "walkthroughs/pyg/karate_embeddings/", "missing")
    assert not expected("properdocs", "walkthroughs/pyg/karate_embeddings/", "missing")
    assert not expected("zensical", "pyg/", "missing")
    assert not expected("zensical", "walkthroughs/pyg/karate_embeddings/", "identical")


def test_features_count_what_a_built_site_kept(tmp_path):
    (tmp_path / "figures" / "pyg").mkdir(parents=True)
    (tmp_path / "figures" / "pyg" / "a.png").write_bytes(b"")
    (tmp_path / "index.html").write_text(
        '<meta http-equiv="Content-Security-Policy" content="x"><img width="2" height="1" src="a">'
        '<span class="hll">x</span><span class="hll">y</span>'
    )
    (tmp_path / "other.html").write_text('<span class="hll">z</span>')
    counts = features(tmp_path, {"/"})
    assert (
        counts["figures published"] == counts["CSP meta tag"] == 1 == counts["figures with a size"]
    )
    assert counts["highlighted lines"] == 2 and counts["tested-with line"] == 0


def test_properdocs_installs_its_own_line_and_zensical_the_rest():
    assert [pin.split("==")[0] for pin in pins("properdocs")] == ["properdocs"]
    zensical = [pin.split("==")[0] for pin in pins("zensical")]
    assert "zensical" in zensical and "deepmerge" in zensical and "properdocs" not in zensical
    assert all("--hash=sha256:" in pin for pin in pins("zensical"))
