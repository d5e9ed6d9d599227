"""engine.affected: what an edit to a snippet or a page affects, for `make check`."""

from types import SimpleNamespace

import pytest

from engine.affected import NotCheckable, affected, keeps
from engine.programs import Program


def item(name="test_x", **params):
    return SimpleNamespace(originalname=name, callspec=SimpleNamespace(params=params))


def test_a_snippet_affects_its_pages_and_its_walkthrough():
    found = affected(["snippets/pyg/karate_embeddings.py"])
    assert found.snippets == {"snippets/pyg/karate_embeddings.py"}
    assert "docs/pyg-training.md" in found.pages and "docs/pytorch.md" not in found.pages
    # docs/pyg.md does not include it, but quotes a number it prints ({= ... @ ... =}).
    assert "docs/pyg.md" in found.pages
    assert found.walkthroughs == {"walkthroughs/pyg/karate_embeddings.ipynb"}
    assert affected(["snippets/pyg/gcn.py"]).walkthroughs == set()


def test_the_tests_kept_for_a_snippet():
    found = affected(["snippets/pyg/gcn.py"])
    own = Program(found.texts[0], "snippets/pyg/gcn.py", "gcn.py")
    other = Program("print(1)\n", "snippets/pyg/edge_index.py", "edge_index.py", ["docs/pyg.md:9"])
    assert keeps(item(program=own, cpu=None), found)
    assert not keeps(item(program=own, cpu="default:2"), found)
    assert not keeps(item(program=other, cpu=None), found)
    # Left to `make test`: one more run each.
    assert not keeps(item(where="x#1", edit={"snippet": "pyg/gcn.py"}), found)
    assert keeps(item("test_build_is_strict_and_clean"), found)
    assert not keeps(item("test_house_rule", path="engine/runner.py"), found)


def test_a_page_runs_all_its_programs():
    found = affected(["docs/pyg.md"])
    program = Program("print(1)\n", "docs/pyg.md:12", "page_block.py", ["docs/pyg.md:12"])
    assert keeps(item(program=program, cpu=None), found)


@pytest.mark.parametrize("path", ["engine/runner.py", "snippets/pyg/missing.py"])
def test_other_files_are_left_to_the_full_suite(path):
    with pytest.raises(NotCheckable):
        affected([path])
