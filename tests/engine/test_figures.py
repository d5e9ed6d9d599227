"""engine.figures: the images a snippet saves, from its one kept run (engine.results)."""

import struct

import pytest

from engine import figures

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", 640, 480) + b"\x08\x02"
# A stand-in for fig.savefig: the hook runs any snippet whose code calls savefig(.
DRAWING = f"# fig.savefig(...)\nopen('plot.png', 'wb').write({PNG!r})\nopen('data.txt', 'w')\n"


def test_the_images_a_snippet_saves_are_kept_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("TESTED_NOTES_CACHE", str(tmp_path / "cache"))
    snippet = tmp_path / "lib" / "draw.py"
    snippet.parent.mkdir()
    snippet.write_text(DRAWING)
    (image,) = figures.figures_of(snippet, "snippets/lib/draw.py")
    assert image.name == "plot.png" and image.read_bytes() == PNG
    # The kept run: the same image again.
    assert figures.figures_of(snippet, "snippets/lib/draw.py") == [image]


def test_image_size_reads_png_and_svg_headers():
    assert figures.image_size(PNG) == (640, 480)
    # matplotlib writes pt; a browser shows 1 pt as 4/3 px.
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="432pt" height="216pt">'
    assert figures.image_size(svg) == (576, 288)
    assert figures.image_size(b"<svg/>") is None


def _snippets(root, **programs):
    for name, code in programs.items():
        (root / "snippets" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "snippets" / name).write_text(code)


def test_a_built_site_gets_the_figures_and_their_sizes(tmp_path, monkeypatch):
    """The step after the build of a builder without hooks (engine.figures.publish)."""
    monkeypatch.setenv("TESTED_NOTES_CACHE", str(tmp_path / "cache"))
    _snippets(tmp_path / "repo", **{"lib/draw.py": DRAWING, "lib/text.py": "print(1)\n"})
    (tmp_path / "site" / "lib").mkdir(parents=True)
    page = tmp_path / "site" / "lib" / "index.html"
    page.write_text('<p><img alt="A plot" src="../figures/lib/plot.png"></p>')
    figures.publish(tmp_path / "site", tmp_path / "repo")
    assert (tmp_path / "site" / "figures" / "lib" / "plot.png").read_bytes() == PNG
    assert page.read_text() == (
        '<p><img width="640" height="480" loading="lazy" alt="A plot" src="../figures/lib/plot.png"></p>'
    )


def test_two_snippets_that_save_one_name_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TESTED_NOTES_CACHE", str(tmp_path / "cache"))
    _snippets(tmp_path, **{"lib/a.py": DRAWING, "lib/b.py": DRAWING})
    with pytest.raises(figures.FigureError, match="snippets/lib/b.py and snippets/lib/a.py"):
        figures.drawn(tmp_path)
