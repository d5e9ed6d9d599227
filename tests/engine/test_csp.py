"""engine.csp: the policy allows exactly the inline scripts of the theme, none a page writes (its
hash covers the script's exact text, so a changed one no longer runs: tests/test_csp.py checks that
every built page lists the hashes of the scripts it runs)."""

from engine.csp import inline_script_hashes, secure


def test_scripts_that_load_or_carry_data_need_no_hash():
    page = '<script src="x.js"></script><script type="application/json">{}</script>'
    assert inline_script_hashes(page) == []


def test_a_built_site_gets_the_policy_on_every_page_without_its_articles_scripts(tmp_path):
    """The step after the build of a builder without hooks (engine.csp.secure)."""
    theme, authored = "<script>var theme = 1</script>", "<script>var page = 1</script>"
    (tmp_path / "a").mkdir()
    for page in (tmp_path / "index.html", tmp_path / "a" / "index.html"):
        page.write_text(
            f"<html><head>{theme}</head><body><article>{authored}</article></body></html>"
        )
    secure(tmp_path)
    for page in (tmp_path / "index.html", tmp_path / "a" / "index.html"):
        head = page.read_text().split("</head>")[0]
        assert head.startswith('<html><head><meta http-equiv="Content-Security-Policy"')
        assert inline_script_hashes(theme)[0] in head
        assert inline_script_hashes(authored)[0] not in head
    # Once: a page that has its policy keeps it as it is.
    before = (tmp_path / "index.html").read_text()
    secure(tmp_path)
    assert (tmp_path / "index.html").read_text() == before
