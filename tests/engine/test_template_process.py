"""engine.template_process: the protocol of a template, spoken to directly (no sandbox, no
engine.template): one JSON line in, one out, per program."""

import json
import subprocess
import sys

import pytest

from engine.template_process import _exit_status


@pytest.fixture
def template(tmp_path):
    command = [sys.executable, "-m", "engine.template_process", "json", "alone"]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    yield process
    process.stdin.close()
    assert process.wait(timeout=10) == 0


def ask(template, root, code: str) -> dict:
    root.mkdir()
    (root / "snippet.py").write_text(code)
    request = {"script": str(root / "snippet.py"), "root": str(root), "env": {"MARK": "set"}}
    template.stdin.write(json.dumps(request) + "\n")
    template.stdin.flush()
    return json.loads(template.stdout.readline())


def test_each_request_is_answered_with_its_programs_exit_code(template, tmp_path):
    code = "import os, sys\nprint(os.environ['MARK'], 'json' in sys.modules)\nsys.exit(4)"
    assert ask(template, tmp_path / "a", code)["returncode"] == 4
    assert (tmp_path / "a" / "stdout").read_text() == "set True\n"
    assert ask(template, tmp_path / "b", "print(__name__)")["returncode"] == 0
    assert (tmp_path / "b" / "stdout").read_text() == "__main__\n"


def test_a_program_that_reads_stdin_cannot_read_the_next_request(template, tmp_path):
    assert (
        ask(template, tmp_path / "a", "import sys\nprint(repr(sys.stdin.read()))")["returncode"]
        == 0
    )
    assert (tmp_path / "a" / "stdout").read_text() == "''\n"


def test_a_killed_program_answers_with_the_signal(template, tmp_path):
    code = "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)"
    assert ask(template, tmp_path / "a", code)["returncode"] == -15


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (3, 3), ("message", 1)])
def test_exit_statuses_are_the_interpreters(code, status, capsys):
    assert _exit_status(code) == status
    assert capsys.readouterr().err == ("message\n" if code == "message" else "")
