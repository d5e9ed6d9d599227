"""engine.sandbox: the walls' options, the program's own folder, and the one-line fallback.

The attacks on a running sandbox are in tests/test_sandbox.py."""

import pytest

from engine import sandbox
from engine.sandbox import Folder, SandboxUnavailable, bwrap_args, hosts_file


def test_only_the_programs_folder_is_writable_and_mounted_after_the_read_only_root(tmp_path):
    folder = Folder(tmp_path)
    args = bwrap_args(folder)
    assert args[:3] == ["--ro-bind", "/", "/"]
    writable = [args[i + 1] for i, arg in enumerate(args) if arg == "--bind"]
    assert writable == [str(tmp_path)]
    # Mounted in order: the folder after the fresh /tmp that would hide it.
    assert args.index(str(tmp_path)) > args.index("/tmp")
    for option in ["--unshare-net", "--unshare-pid", "--die-with-parent"]:
        assert option in args
    assert args[-2:] == ["--chdir", str(folder.work)]


def test_a_checkout_under_tmp_stays_visible_and_read_only(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox.sys, "prefix", "/tmp/clone/.venv")
    args = bwrap_args(Folder(tmp_path))
    at = args.index("/tmp/clone/.venv")
    assert args[at - 1 : at + 2] == ["--ro-bind", "/tmp/clone/.venv", "/tmp/clone/.venv"]
    assert args.index("/tmp") < at < args.index(str(tmp_path))


def test_home_temp_and_jupyter_files_point_into_the_folder(tmp_path):
    folder = Folder(tmp_path).make()
    env = folder.env()
    assert all(value.startswith(str(tmp_path)) for value in env.values()), env
    assert {"HOME", "TMPDIR", "JUPYTER_RUNTIME_DIR"} <= env.keys()
    assert folder.work.is_dir() and folder.home.is_dir() and folder.tmp.is_dir()


def test_the_hosts_file_names_every_loopback_address_once(monkeypatch, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n10.0.0.5 builder\n")
    monkeypatch.setattr(sandbox, "Path", lambda p: hosts if p == "/etc/hosts" else p)
    hosts_file.cache_clear()
    try:
        lines = hosts_file().splitlines()
    finally:
        hosts_file.cache_clear()
    assert lines[:2] == ["127.0.0.1 localhost", "10.0.0.5 builder"]
    assert [line.split()[0] for line in lines].count("127.0.0.1") == 1
    assert {"::1", "::ffff:127.0.0.1"} <= {line.split()[0] for line in lines}


def test_without_bwrap_one_line_says_so(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    monkeypatch.delenv(sandbox.REQUIRE, raising=False)
    sandbox.probe.cache_clear()
    try:
        status = sandbox.probe()
    finally:
        sandbox.probe.cache_clear()
    assert not status.isolated and "\n" not in status.line
    assert "bwrap not found" in status.line and "bubblewrap" in status.line


def test_a_required_sandbox_that_is_missing_is_an_error(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    monkeypatch.setenv(sandbox.REQUIRE, "1")
    sandbox.probe.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable, match="TESTED_NOTES_REQUIRE_SANDBOX"):
            sandbox.probe()
    finally:
        sandbox.probe.cache_clear()
