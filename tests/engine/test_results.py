"""engine.results: a run is kept by everything that determines it, and done once."""

import json
import shutil
import threading
from pathlib import Path

import pytest

import engine.results
from engine.results import SWITCH, kept_images, run_key, run_once
from engine.runner import SnippetError

# Prints a fresh random number each run: a kept result prints the same one again.
FRESH = "import os\nprint(os.urandom(8).hex())"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TESTED_NOTES_CACHE", str(tmp_path))
    monkeypatch.delenv(SWITCH, raising=False)


def test_the_same_program_runs_once():
    first = run_once(FRESH, label="snippets/x.py")
    again = run_once(FRESH, label="snippets/x.py")
    assert not first.cached and again.cached and again.stdout == first.stdout


def test_anything_that_changes_the_run_runs_it_again():
    first = run_once(FRESH, label="snippets/x.py")
    others = [
        run_once(FRESH + "\n", label="snippets/x.py"),
        run_once(FRESH, label="snippets/y.py"),
        run_once(FRESH, label="snippets/x.py", env={"OMP_NUM_THREADS": "2"}),
    ]
    assert not any(other.cached for other in others)
    assert len({first.stdout, *(other.stdout for other in others)}) == 4


def test_a_kept_failure_fails_again_with_its_pages_named():
    code = "raise ValueError('boom')"
    for _ in range(2):
        with pytest.raises(SnippetError, match=r"x\.py \(shown on docs/x\.md:3\) failed"):
            run_once(code, label="snippets/x.py", shown_on=["docs/x.md:3"])
    assert run_once(code, label="snippets/x.py", check=False).cached


def test_a_time_out_is_not_kept(monkeypatch):
    calls = []
    real = engine.results.run_code
    monkeypatch.setattr(
        engine.results, "run_code", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs)
    )
    for _ in range(2):
        with pytest.raises(SnippetError, match="did not finish within 1 s"):
            run_once("import time\ntime.sleep(30)", label="x.py", timeout=1)
    assert len(calls) == 2


def test_the_switch_turns_keeping_off(monkeypatch):
    monkeypatch.setenv(SWITCH, "0")
    first, again = (run_once(FRESH, label="x.py") for _ in range(2))
    assert not again.cached and first.stdout != again.stdout


def test_the_key_covers_code_label_name_and_environment():
    base = run_key("print(1)", "a.py", "a.py", None)
    assert base == run_key("print(1)", "a.py", "a.py", {})
    others = [
        run_key("print(2)", "a.py", "a.py", None),
        run_key("print(1)", "b.py", "a.py", None),
        run_key("print(1)", "a.py", "b.py", None),
        run_key("print(1)", "a.py", "a.py", {"X": "1"}),
    ]
    assert len({base, *others}) == 5


def test_the_images_a_program_saves_are_kept_with_its_result(monkeypatch):
    code = "open('plot.png', 'wb').write(b'png')\nopen('plot.svg', 'w').write('svg')\nopen('log.txt', 'w')"
    for switch in ("1", "0"):
        monkeypatch.setenv(SWITCH, switch)
        images = kept_images(run_once(code, label="x.py"))
        assert [(p.name, p.read_bytes()) for p in images] == [
            ("plot.png", b"png"),
            ("plot.svg", b"svg"),
        ]


def test_a_run_asked_for_twice_at_once_runs_once():
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(run_once(FRESH, label="x.py")))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.cached for r in results) == [False, True]
    assert results[0].stdout == results[1].stdout


def test_the_key_covers_what_the_program_sees_of_the_environment(monkeypatch):
    base = run_key("print(1)", "a.py", "a.py", None)
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")
    assert run_key("print(1)", "a.py", "a.py", None) != base
    monkeypatch.delenv("ATEN_CPU_CAPABILITY")
    # A variable no program sees (engine.runner.PASSED) changes nothing.
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    assert run_key("print(1)", "a.py", "a.py", None) == base


def test_the_key_covers_the_distributions_installed(monkeypatch, tmp_path):
    base = run_key("print(1)", "a.py", "a.py", None)
    dist = tmp_path / "extra-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: extra\nVersion: 1.0\n")
    (dist / "RECORD").write_text("extra/__init__.py,sha256=abc,0\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    assert run_key("print(1)", "a.py", "a.py", None) != base


def test_a_record_the_runner_did_not_write_is_not_trusted():
    first = run_once(FRESH, label="snippets/x.py")
    entry = Path(first.kept_in)
    record = json.loads((entry / "result.json").read_text())
    # A forged verdict: the same record with another output, or another program's record moved here.
    (entry / "result.json").write_text(json.dumps(record | {"stdout": "forged\n"}))
    again = run_once(FRESH, label="snippets/x.py")
    assert not again.cached and again.stdout not in ("forged\n", first.stdout)
    other = run_once(FRESH, label="snippets/y.py")
    shutil.copy(Path(other.kept_in) / "result.json", entry / "result.json")
    assert not run_once(FRESH, label="snippets/x.py").cached
