"""engine.runner: a program runs as a reader runs it, and fails with its file and pages named."""

import pytest

from engine.runner import SnippetError, program_env, run_code


def test_a_program_runs_alone_in_an_empty_folder():
    result = run_code("import os\nprint(sorted(os.listdir('.')))", label="snippets/x.py")
    assert result.returncode == 0 and result.stdout == "['snippet.py']\n"


def test_a_failing_program_names_its_file_line_and_pages():
    with pytest.raises(SnippetError) as error:
        run_code("x = 1\nraise ValueError('boom')", label="snippets/x.py", shown_on=["docs/x.md:3"])
    message = str(error.value)
    assert message.startswith("snippets/x.py (shown on docs/x.md:3) failed with exit code 1")
    assert 'File "snippets/x.py", line 2' in message and "boom" in message


def test_anything_on_stderr_fails():
    with pytest.raises(SnippetError, match="wrote to stderr"):
        run_code("import sys\nsys.stderr.write('noise')", label="x.py")


def test_a_hanging_program_is_killed_at_its_time_limit():
    with pytest.raises(SnippetError, match="did not finish within 1 s"):
        run_code("import time\ntime.sleep(30)", label="x.py", timeout=1)


def test_the_network_is_refused():
    code = "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=1)"
    result = run_code(code, label="x.py", check=False)
    assert result.returncode != 0 and "network access refused" in result.stderr


def test_nothing_that_hides_warnings_is_set(monkeypatch):
    monkeypatch.setenv("PYTHONWARNINGS", "ignore")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    env = program_env()
    assert "PYTHONWARNINGS" not in env and "MPLBACKEND" not in env
    assert env["PYTHONHASHSEED"] == "0"


def test_written_files_are_listed_and_can_be_kept(tmp_path):
    code = "open('figure.png', 'wb').write(b'png')"
    result = run_code(code, label="x.py", keep_files_in=tmp_path)
    assert result.files == ["figure.png"]
    assert (tmp_path / "figure.png").read_bytes() == b"png"
