"""engine.paths: the repository's places, named once."""

from pathlib import Path

from engine import paths


def test_the_repository_is_where_mkdocs_yml_is():
    assert paths.MKDOCS_YML.is_file() and paths.DOCS.is_dir() and paths.SNIPPETS.is_dir()


def test_rel_names_files_from_the_repository_root(tmp_path):
    assert paths.rel(paths.MKDOCS_YML) == "mkdocs.yml"
    assert paths.rel(tmp_path / "page.md") == str(tmp_path / "page.md")


def test_the_cache_is_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("TESTED_NOTES_CACHE", raising=False)
    assert paths.REPO not in paths.cache_root().parents
    monkeypatch.setenv("TESTED_NOTES_CACHE", str(tmp_path))
    assert paths.cache_root() == tmp_path


def test_a_copy_leaves_out_machinery_and_outputs(tmp_path):
    source = tmp_path / "repo"
    for name in ("docs/a.md", ".git/HEAD", "site/index.html", "x/__pycache__/m.pyc"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("")
    copy = paths.copy_repo(tmp_path / "copy", root=source)
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()) == [
        "docs/a.md"
    ]


def test_a_command_working_on_a_copy_imports_its_engine(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = paths.working_on(Path("/copy"))
    assert env["PYTHONPATH"].split(":") == ["/copy", "/elsewhere"]


def test_a_cache_entry_is_filled_by_one_process_at_a_time(tmp_path):
    import threading
    import time

    from engine.paths import cache_lock

    order, holding = [], threading.Event()

    def first():
        with cache_lock(tmp_path / "entry"):
            holding.set()
            time.sleep(0.3)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait()
    with cache_lock(tmp_path / "entry"):
        order.append("second")
    thread.join()
    assert order == ["first done", "second"]
