"""engine.browser: one Chromium path, one set of flags."""

from engine import browser


def test_chromium_is_debians_unless_chromium_names_another(monkeypatch):
    monkeypatch.delenv("CHROMIUM", raising=False)
    assert str(browser.chromium()) == "/usr/bin/chromium"
    monkeypatch.setenv("CHROMIUM", "/opt/other/chrome")
    assert str(browser.chromium()) == "/opt/other/chrome"


def test_a_missing_browser_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "missing"))
    assert "make browser" in browser.missing_reason()
    monkeypatch.setenv("CHROMIUM", __file__)
    assert browser.missing_reason() is None
