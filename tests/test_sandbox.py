"""Attacks on the sandbox of engine/sandbox.py, each expected to be refused with a clear message.

A snippet or a walkthrough that tries to reach the network, write the repository, `.git`, `$HOME` or
the virtual environment, outlive its run, leave files in the system temp folder, or pass by exiting
early must fail or be stopped. Where this machine cannot give the sandbox (engine.sandbox.probe says
why in one line) the attacks that only the OS can stop are skipped; CI requires the sandbox.
"""

import os
import secrets
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


@needs_sandbox
@pytest.mark.parametrize(
    "target",
    [REPO / "README.md", REPO / ".git" / "config", Path.home() / ".bashrc",
     Path(sys.prefix) / "pyvenv.cfg"],
    ids=["repository", ".git", "home", "venv"],
)  # fmt: skip
def test_the_repository_home_and_venv_are_read_only(target):
    before = target.read_bytes() if target.exists() else None
    result = attack(f"open({str(target)!r}, 'a').write('attack')", check=False)
    assert "refused: OSError 30" in result.stdout, result.stdout + result.stderr  # EROFS
    assert (target.read_bytes() if target.exists() else None) == before


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
    assert printed[0] == "True\nTrue\n" and printed[1] == "refused 30\n", printed
    assert printed[2].startswith("refused") and not _accepted(server), printed


def test_a_raising_walkthrough_names_its_cell():
    with pytest.raises(WalkthroughError, match="cell 2"):
        run_notebook("# %%\nx = 1\n# %%\nraise ValueError('boom')\n", "snippets/x.py")


def test_the_sandbox_says_in_one_line_what_holds():
    line = probe().line
    assert line.startswith("sandbox: ") and "\n" not in line
    if os.environ.get("TESTED_NOTES_REQUIRE_SANDBOX") == "1":
        assert probe().isolated, line
