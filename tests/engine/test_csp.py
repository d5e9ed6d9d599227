"""engine.csp: the policy allows exactly the inline scripts of the theme, none a page writes."""

from engine.csp import inline_script_hashes, policy_for


def test_a_changed_inline_script_is_not_allowed():
    """The hash covers the script's exact text: one changed character, and it no longer runs."""
    page = "<html><head></head><body><script>var a = 1</script></body></html>"
    changed = page.replace("var a = 1", "var a = 2")
    policy = policy_for(page)
    assert inline_script_hashes(page)[0] in policy
    assert inline_script_hashes(changed)[0] not in policy


def test_scripts_that_load_or_carry_data_need_no_hash():
    page = '<script src="x.js"></script><script type="application/json">{}</script>'
    assert inline_script_hashes(page) == []


def test_a_script_written_in_the_page_gets_no_hash():
    theme = "<script>var theme = 1</script>"
    authored = "<p>text</p><script>location = 'https://example.org'</script>"
    page = f"<html><head>{theme}</head><body>{authored}</body></html>"
    assert inline_script_hashes(page) != inline_script_hashes(page, authored)
    assert inline_script_hashes(page, authored) == inline_script_hashes(theme)
