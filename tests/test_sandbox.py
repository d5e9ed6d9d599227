"""Attacks on the sandbox of engine/sandbox.py, each expected to be refused with a clear message.

A snippet or a walkthrough that tries to reach the network, write the repository, `.git`, `$HOME` or
the virtual environment, outlive its run, leave files in the system temp folder, or pass by exiting
early must fail or be stopped. Where this machine cannot give the sandbox (engine.sandbox.probe says
why in one line) the attacks that only the OS can stop are skipped; CI requires the sandbox.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from engine.paths import REPO
from engine.runner import SnippetError, run_code
from engine.sandbox import probe
from engine.targets import CPU_LIMIT_S, FILE_LIMIT_BYTES, KILL_WAIT_S, MEMORY_LIMIT_BYTES
from engine.walkthroughs import WalkthroughError, run_notebook

needs_sandbox = pytest.mark.skipif(not probe().isolated, reason=probe().line)

# A program that tries ``attempt`` (Python statements) and prints what stopped it.
TRY = """
try:
{attempt}
    print("REACHED")
except OSError as error:
    print("refused:", type(error).__name__, error.errno)
"""


def attack(attempt: str, **kwargs):
    body = "\n".join("    " + line for line in attempt.strip().splitlines())
    return run_code(TRY.format(attempt=body), label="snippets/attack.py", **kwargs)


def _host_address() -> str | None:
    """This machine's own address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe_socket:
        try:
            probe_socket.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = probe_socket.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@pytest.fixture
def listener():
    """A TCP server of the test process on every address: what a program must not reach."""
    server = socket.create_server(("0.0.0.0", 0))
    server.settimeout(0.5)
    yield server.getsockname()[1], server
    server.close()


def _accepted(server) -> bool:
    try:
        server.accept()[0].close()
        return True
    except TimeoutError:
        return False


@needs_sandbox
@pytest.mark.parametrize(
    "how",
    [
        "import _socket\ns = _socket.socket()\ns.connect(({host!r}, {port}))",
        "import subprocess, sys\nsubprocess.run([sys.executable, '-I', '-c', "
        "'import socket; socket.create_connection(({host!r}, {port}), timeout=2)'], check=True)",
        "import ctypes, socket\ns = socket.socket()\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "address = bytes([2, 0]) + ({port}).to_bytes(2, 'big') + socket.inet_aton({host!r}) + bytes(8)\n"
        "if libc.connect(s.fileno(), address, 16) != 0:\n"
        "    raise OSError(ctypes.get_errno(), 'connect')",
    ],
    ids=["_socket", "python -I child", "ctypes connect"],
)
def test_the_network_outside_the_program_is_unreachable(listener, how):
    port, server = listener
    # The test's own loopback is not the program's: the program's 127.0.0.1 is its own.
    hosts = ["127.0.0.1", *filter(None, [_host_address()])]
    for host in hosts:
        result = attack(how.format(host=host, port=port), check=False)
        assert "REACHED" not in result.stdout, f"{host}: {result.stdout}{result.stderr}"
        assert not _accepted(server), f"the program reached {host}:{port}"


@needs_sandbox
def test_udp_sendmsg_leaves_nothing(listener):
    host = _host_address() or "192.0.2.1"
    code = f"import _socket\ns = _socket.socket(2, 2)\ns.sendmsg([b'x'], [], 0, ({host!r}, 9))"
    result = attack(code, check=False)
    assert "REACHED" not in result.stdout and "refused: OSError" in result.stdout, result.stdout


REFUSED_WRITE = ("refused: OSError 30\n", "refused: PermissionError 13\n")


@needs_sandbox
@pytest.mark.parametrize(
    "target",
    [REPO / "README.md", REPO / ".git" / "config", Path(sys.prefix) / "pyvenv.cfg"],
    ids=["repository", ".git", "venv"],
)
def test_the_repository_and_venv_are_read_only(target):
    before = target.read_bytes() if target.exists() else None
    result = attack(f"open({str(target)!r}, 'a').write('attack')", check=False)
    # EROFS; an ordinary user who does not own the file is refused by its permissions first.
    assert result.stdout in REFUSED_WRITE, result.stdout + result.stderr
    assert (target.read_bytes() if target.exists() else None) == before


@needs_sandbox
def test_the_real_home_is_out_of_sight_and_untouched():
    """The host's home is an empty folder inside (its keys, sockets, caches hidden); what a
    program writes there goes with the program."""
    target = Path.home() / ".bashrc"
    before = target.read_bytes() if target.exists() else None
    code = (
        f"import os\nprint(os.listdir({str(Path.home())!r}))\nopen({str(target)!r}, 'a').write('x')"
    )
    result = run_code(code, label="x.py", check=False)
    assert (target.read_bytes() if target.exists() else None) == before
    assert ".bashrc" not in result.stdout.splitlines()[0], result.stdout


def test_home_and_temp_are_the_programs_own():
    code = "import os, tempfile\nprint(os.environ['HOME'], tempfile.gettempdir(), os.getcwd())"
    home, temp, cwd = run_code(code, label="x.py").stdout.split()
    assert home.endswith("/home") and temp.endswith("/tmp") and cwd == "<tmp>"
    assert Path(home).parent == Path(temp).parent


@needs_sandbox
def test_nothing_is_left_in_the_system_temp_folder():
    name = f"attack-{secrets.token_hex(4)}"
    code = f"open('/tmp/{name}', 'w').write('x')\nopen('/dev/shm/{name}', 'w').write('x')"
    run_code(code, label="x.py")
    assert not (Path(tempfile.gettempdir()) / name).exists()
    assert not (Path("/dev/shm") / name).exists()


def _alive(token: str) -> bool:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return token in listing


ESCAPE = """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "{token}"],
                 start_new_session=True)
"""


@needs_sandbox
def test_a_descendant_in_its_own_session_dies_with_the_program():
    token = f"escape-{secrets.token_hex(4)}"
    start = time.monotonic()
    run_code(ESCAPE.format(token=token), label="x.py", timeout=30)
    assert time.monotonic() - start < 15, "the runner waited for the descendant's output"
    assert not _alive(token), "a descendant outlived its program"


@needs_sandbox
def test_a_descendant_dies_at_the_time_limit_and_the_wait_is_bounded():
    token = f"escape-{secrets.token_hex(4)}"
    start = time.monotonic()
    with pytest.raises(SnippetError, match="did not finish within 2 s"):
        run_code(
            ESCAPE.format(token=token) + "import time\ntime.sleep(60)\n", label="x.py", timeout=2
        )
    assert time.monotonic() - start < 2 + KILL_WAIT_S + 5
    assert not _alive(token)


@pytest.mark.parametrize("how", ["sys.exit(0)", "os._exit(0)"])
def test_a_program_that_exits_before_its_end_fails(how):
    code = f"import os, sys\nprint('checked so far')\n{how}\nassert 1 == 2, 'never reached'\n"
    with pytest.raises(SnippetError, match="before its last line"):
        run_code(code, label="snippets/early.py")


def test_memory_and_file_size_are_limited():
    code = (
        f"try:\n    bytearray({MEMORY_LIMIT_BYTES + 1})\n    print('allocated')\n"
        "except MemoryError:\n    print('memory refused')\n"
        f"try:\n    open('big', 'wb').write(bytes({2 * FILE_LIMIT_BYTES}))\n    print('written')\n"
        "except OSError as error:\n    print('file refused', error.errno)\n"
        f"import resource\nprint(resource.getrlimit(resource.RLIMIT_CPU)[0] == {CPU_LIMIT_S})\n"
    )
    assert run_code(code, label="x.py").stdout.split("\n")[:3] == [
        "memory refused",
        "file refused 27",  # EFBIG
        "True",
    ]


WALKTHROUGH = """# %%
import os, resource, socket
print(os.environ["HOME"].startswith(os.path.dirname(os.getcwd())))
print(resource.getrlimit(resource.RLIMIT_FSIZE)[0] == {file_limit})
# %%
try:
    open({readme!r}, "a").write("attack")
    print("REACHED")
except OSError as error:
    print("refused", error.errno)
# %%
try:
    socket.socket().connect(("127.0.0.1", {port}))
    print("REACHED")
except OSError as error:
    print("refused", error.errno)
"""


@needs_sandbox
def test_walkthrough_kernels_run_in_the_same_sandbox(listener):
    port, server = listener
    source = WALKTHROUGH.format(
        readme=str(REPO / "README.md"), port=port, file_limit=FILE_LIMIT_BYTES
    )
    notebook, _ = run_notebook(source, "snippets/attack.py")
    printed = ["".join(o.get("text", "") for o in cell.outputs) for cell in notebook.cells]
    assert printed[0] == "True\nTrue\n" and printed[1] in ("refused 30\n", "refused 13\n"), printed
    assert printed[2].startswith("refused") and not _accepted(server), printed


def test_a_raising_walkthrough_names_its_cell():
    with pytest.raises(WalkthroughError, match="cell 2"):
        run_notebook("# %%\nx = 1\n# %%\nraise ValueError('boom')\n", "snippets/x.py")


def test_the_sandbox_says_in_one_line_what_holds():
    line = probe().line
    assert line.startswith("sandbox: ") and "\n" not in line
    if os.environ.get("TESTED_NOTES_REQUIRE_SANDBOX") == "1":
        assert probe().isolated, line


# ---------------------------------------------------------------------- as root, as CI runs it
# The attacks a program could make with root's capabilities; each is refused because none is left
# inside (bwrap --cap-drop ALL), whoever runs the suite.


def test_no_capability_is_left_inside():
    status = run_code("print(open('/proc/self/status').read())", label="x.py").stdout
    effective = next(line for line in status.splitlines() if line.startswith("CapEff:"))
    assert int(effective.split()[1], 16) == 0, effective


@needs_sandbox
def test_the_read_only_view_cannot_be_remounted_writable():
    readme = REPO / "README.md"
    before = readme.read_bytes()
    code = f"""
import subprocess
remount = subprocess.run(["mount", "-o", "remount,rw,bind", {str(REPO)!r}], capture_output=True)
print("remount exit", remount.returncode)
try:
    open({str(readme)!r}, "a").write("attack")
    print("REACHED")
except OSError as error:
    print("refused:", type(error).__name__, error.errno)
"""
    result = run_code(code, label="x.py", check=False)
    lines = result.stdout.splitlines(keepends=True)
    assert lines[0] != "remount exit 0\n" and lines[1] in REFUSED_WRITE, result.stdout
    assert readme.read_bytes() == before


@needs_sandbox
def test_proc_cannot_be_unmounted_nor_another_namespace_entered(listener):
    port, server = listener
    code = f"""
import _socket, ctypes, os, subprocess
print("umount exit", subprocess.run(["umount", "-l", "/proc"], capture_output=True).returncode)
libc = ctypes.CDLL(None, use_errno=True)
for path in ["/proc/{os.getpid()}/ns/net", "/proc/1/ns/net"]:
    try:
        descriptor = os.open(path, os.O_RDONLY)
        print("setns", path, libc.setns(descriptor, 0), ctypes.get_errno())
    except OSError as error:
        print("refused:", path, error.errno)
try:
    _socket.socket().connect(("127.0.0.1", {port}))
    print("REACHED")
except OSError as error:
    print("refused:", error.errno)
"""
    result = run_code(code, label="x.py", check=False)
    assert "umount exit 0\n" not in result.stdout.splitlines(keepends=True), result.stdout
    assert "setns /proc/1/ns/net 0" not in result.stdout, result.stdout
    assert "REACHED" not in result.stdout and not _accepted(server), result.stdout


@needs_sandbox
def test_dev_is_the_programs_own():
    name = f"tested-notes-{secrets.token_hex(4)}"
    run_code(f"open('/dev/{name}', 'w').write('attack')", label="x.py", check=False)
    assert not (Path("/dev") / name).exists()


@needs_sandbox
@pytest.mark.skipif(
    os.geteuid() != 0,
    reason="only root can make a file of another user here (and an ordinary user cannot read one)",
)
def test_another_users_private_file_is_unreadable_even_as_root():
    folder = Path(tempfile.mkdtemp(prefix="tested-notes-", dir="/var/tmp"))
    try:
        private = folder / "private"
        private.write_text("canary")
        private.chmod(0o600)
        os.chown(private, 65534, 65534)
        result = attack(f"print(open({str(private)!r}).read())", check=False)
        assert "refused: PermissionError 13" in result.stdout, result.stdout
    finally:
        shutil.rmtree(folder)


# ----------------------------------------------------------- what a program sees of the host


CANARY_VARIABLES = ("GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "TESTED_NOTES_CANARY")

SHOW_ENVIRONMENT = """
import os, subprocess, sys
print(sorted(os.environ.items()))
print(open("/proc/1/environ", "rb").read())
print(subprocess.run([sys.executable, "-c", "import os; print(dict(os.environ))"],
                     capture_output=True, text=True).stdout)
"""


@pytest.fixture
def canary(monkeypatch):
    value = f"canary-{secrets.token_hex(8)}"
    for name in CANARY_VARIABLES:
        monkeypatch.setenv(name, value)
    return value


def test_no_variable_outside_the_allow_list_reaches_a_program_or_its_workers(canary):
    printed = run_code(SHOW_ENVIRONMENT, label="x.py").stdout
    assert canary not in printed and "GITHUB_TOKEN" not in printed, printed


def test_no_variable_outside_the_allow_list_reaches_a_walkthrough_kernel(canary):
    notebook, _ = run_notebook("# %%\n" + SHOW_ENVIRONMENT, "snippets/x.py")
    printed = "".join(o.get("text", "") for cell in notebook.cells for o in cell.outputs)
    assert "HOME" in printed and canary not in printed, printed


@needs_sandbox
def test_unix_sockets_of_the_host_are_out_of_reach():
    places = [p for p in (Path.home(), Path("/run")) if os.access(p, os.W_OK)]
    servers, paths = [], []
    try:
        for place in places:
            path = place / f".tested-notes-{secrets.token_hex(4)}.sock"
            server = socket.socket(socket.AF_UNIX)
            server.bind(str(path))
            server.listen()
            server.settimeout(0.5)
            servers.append(server)
            paths.append(str(path))
        code = f"""
import _socket
for path in {paths!r}:
    try:
        _socket.socket(_socket.AF_UNIX).connect(path)
        print("REACHED", path)
    except OSError as error:
        print("refused:", path, error.errno)
"""
        result = run_code(code, label="x.py", check=False)
        assert "REACHED" not in result.stdout, result.stdout
        assert not any(_accepted(server) for server in servers)
    finally:
        for server in servers:
            server.close()
        for path in paths:
            Path(path).unlink(missing_ok=True)
    assert places, "no folder to plant a socket in"


# ------------------------------------------------------------- no run can change another run


def test_the_host_never_follows_a_link_a_program_left(tmp_path):
    """A link in a program's folder is neither read (kept as a figure) nor written through."""
    target = tmp_path / "host-file"
    target.write_text("host")
    code = (
        "import os\n"
        f"os.symlink({str(target)!r}, 'plot.png')\n"
        "os.makedirs('sub')\n"
        f"os.symlink({str(tmp_path)!r}, 'sub/folder')\n"
    )
    kept = tmp_path / "kept"
    result = run_code(code, label="x.py", keep_files_in=kept)
    assert result.files == [] and not any(p.is_symlink() or p.is_file() for p in kept.rglob("*"))
    assert target.read_text() == "host"
