"""engine.template: a program forked from a template runs as a fresh one would, in its own folder
and sandbox, and leaves nothing behind for the next."""

import pytest

from engine.runner import SnippetError, run_code
from engine.sandbox import probe
from engine.template import close_templates, forks_safely, preloaded, run_forked


@pytest.fixture(autouse=True)
def own_templates():
    yield
    close_templates()


def both(code: str):
    fresh = run_code(code, label="snippets/x.py", check=False)
    forked = run_forked(code, label="snippets/x.py")
    return fresh, forked


def test_the_template_imports_the_slow_libraries_a_program_imports_in_order():
    code = "import os\nfrom torch_geometric.nn import GCNConv\nimport torch.nn\nfrom . import x\n"
    assert preloaded(code) == ("torch_geometric", "torch")
    assert preloaded("import numpy") == ()


@pytest.mark.parametrize(
    "code",
    [
        "import os, sys\nprint(sorted(os.listdir('.')), sys.argv, __name__, os.getcwd() == sys.path[0])",
        "x = 1\nassert x == 2, 'wrong'",
        "import sys\nprint('half')\nsys.exit(3)",
        "import sys\nsys.exit('a message')",
        "import os\nprint('before', flush=True)\nos._exit(0)",
        "import atexit, threading, time\natexit.register(print, 'at exit')\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread'))).start()",
    ],
)
def test_a_forked_program_ends_as_a_fresh_one(code):
    fresh, forked = both(code)
    assert (forked.returncode, forked.stdout, forked.completed) == (
        fresh.returncode,
        fresh.stdout,
        fresh.completed,
    )
    assert forked.stderr.splitlines()[-1:] == fresh.stderr.splitlines()[-1:]


def test_a_traceback_names_the_program_and_its_line_only():
    forked = run_forked("x = 1\nraise ValueError('boom')", label="snippets/x.py")
    assert forked.stderr.startswith(
        'Traceback (most recent call last):\n  File "snippets/x.py", line 2'
    )
    assert "runpy" not in forked.stderr and "template" not in forked.stderr


def test_each_program_has_its_own_folder_home_and_environment():
    code = "import os, tempfile\nprint(os.environ['HOME'], tempfile.gettempdir())\nopen('out.txt', 'w')"
    first, second = (run_forked(code, label="x.py") for _ in range(2))
    assert first.stdout != second.stdout and first.files == second.files == ["out.txt"]


def test_the_libraries_are_imported_before_the_program_starts():
    code = "import sys\nprint('torch' in sys.modules)\nimport torch"
    fresh, forked = both(code)
    assert (fresh.stdout, forked.stdout) == ("False\n", "True\n")


def test_the_network_and_the_repository_are_out_of_reach():
    code = "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=1)"
    assert "network access refused" in run_forked(code, label="x.py").stderr
    if probe().isolated:
        from engine.paths import REPO

        written = run_forked(f"open({str(REPO / 'README.md')!r}, 'a')", label="x.py")
        assert written.returncode == 1 and "Read-only file system" in written.stderr


@pytest.mark.skipif(not probe().isolated, reason="only the sandbox's PID namespace sees a daemon")
def test_what_a_program_leaves_running_is_killed_before_the_next_starts():
    start = (
        "import subprocess\nprint(subprocess.Popen(['sleep', '60'], start_new_session=True).pid)"
    )
    daemon = int(run_forked(start, label="x.py").stdout)
    look = f"import os\ntry:\n    os.kill({daemon}, 0)\n    print('alive')\nexcept ProcessLookupError:\n    print('gone')"
    assert run_forked(look, label="x.py").stdout == "gone\n"


def test_a_program_past_its_time_limit_takes_its_template_with_it():
    with pytest.raises(SnippetError, match="did not finish within 1 s"):
        run_forked("import time\ntime.sleep(30)", label="x.py", timeout=1)
    assert run_forked("print('next')", label="x.py").stdout == "next\n"


def test_closing_removes_the_templates_and_their_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    run_forked("print(1)", label="x.py")
    assert [p.name[:9] for p in tmp_path.iterdir()] == ["template-"]
    close_templates()
    assert list(tmp_path.iterdir()) == []


def test_a_cells_environment_is_the_templates_as_it_imports_and_the_childs():
    code = "import os\nimport torch\nprint(torch.get_num_threads(), os.environ['OMP_NUM_THREADS'])"
    assert run_forked(code, label="x.py", env={"OMP_NUM_THREADS": "2"}).stdout == "2 2\n"
    assert run_forked(code, label="x.py").stdout == "1 1\n"


def test_code_python_cannot_parse_fails_as_it_would_fresh():
    fresh, forked = both("print('never'\n")
    assert forked.returncode == fresh.returncode == 1
    assert forked.stderr.splitlines()[-1] == fresh.stderr.splitlines()[-1]
    assert forked.stderr.splitlines()[-1].startswith("SyntaxError")


def test_a_template_that_cannot_start_fails_with_its_log(monkeypatch):
    monkeypatch.setattr("engine.template.PRELOADED", ("no_such_library",))
    with pytest.raises(
        SnippetError, match="lost its template(.|\n)*No module named 'no_such_library'"
    ):
        run_forked("import no_such_library", label="x.py")


def test_a_machine_with_a_gpu_reruns_fresh(tmp_path, monkeypatch):
    assert forks_safely(tmp_path)
    for device in ("nvidiactl", "kfd"):
        (tmp_path / device).touch()
        assert not forks_safely(tmp_path)
        (tmp_path / device).unlink()
    import engine.results

    monkeypatch.setenv("TESTED_NOTES_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(engine.results, "forks_safely", lambda: False)
    code = "import sys\nprint('torch' in sys.modules)\nimport torch"
    assert engine.results.run_once(code, label="x.py", forked=True).stdout == "False\n"
