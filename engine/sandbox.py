"""The operating system's walls around every program the engine runs: snippets and page programs in
the tests and the build, and walkthrough kernels. engine/runner.py is the one caller that starts them.

With bubblewrap (``bwrap``, Debian's ``bubblewrap`` package) a program runs in its own namespaces:

- network: only its own loopback, which bwrap brings up (DDP over gloo still works; nothing else
  is reachable, whatever the program uses: a ``curl`` child, ``_socket``, ctypes);
- files: the whole filesystem read-only (the repository, ``.git``, the virtual environment), an
  empty ``/tmp``, ``/dev/shm``, ``/run`` and home folder of its own (the host's sockets, keys and
  caches out of sight), a ``/dev`` of its own, and only its own folder writable, where ``HOME``
  and ``TMPDIR`` point;
- privileges: none (``--cap-drop ALL``), also as root: no remount, no mount or unmount, no entering
  another namespace, no reading another user's private files;
- processes: a PID namespace, so when the program ends or is killed every descendant goes with it,
  including one that started its own session.

Resource limits (memory, CPU time, file size) apply with or without bwrap (util-linux's prlimit).
Where bwrap is missing or the OS refuses the namespaces (some containers), ``probe`` says so in one
line, and programs run without these walls: the Python network guard (engine/netguard) and a
process group remain.
``TESTED_NOTES_REQUIRE_SANDBOX=1`` (CI) turns that fallback into an error.

Why bubblewrap rather than code of our own (``unshare`` plus mounts): it is the sandbox Flatpak uses,
it brings loopback up, mounts in the right order and ties the namespace's life to the program's.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine.targets import CPU_LIMIT_S, FILE_LIMIT_BYTES, MEMORY_LIMIT_BYTES

REQUIRE = "TESTED_NOTES_REQUIRE_SANDBOX"
INSTALL = "apt-get install bubblewrap"


class SandboxUnavailable(RuntimeError):
    """The sandbox is required ($TESTED_NOTES_REQUIRE_SANDBOX) but this machine cannot provide it."""


@dataclass(frozen=True)
class Folder:
    """A program's own temporary folder: ``work`` (its current folder, where the script lies and
    the files it writes are collected), ``home`` and ``tmp`` (its ``HOME`` and ``TMPDIR``)."""

    root: Path

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def make(self) -> Folder:
        for folder in (self.work, self.home, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        seed_home(self.home)
        (self.root / "hosts").write_text(hosts_file(), encoding="utf-8")
        return self

    def env(self) -> dict[str, str]:
        """What points a program at its own folder instead of the user's."""
        return {
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            # Jupyter's runtime files (a kernel's connection file) and IPython's profile.
            "JUPYTER_RUNTIME_DIR": str(self.tmp / "jupyter"),
            "IPYTHONDIR": str(self.home / ".ipython"),
        }


@dataclass(frozen=True)
class Status:
    """Whether programs run inside the sandbox, and the one line that says so."""

    isolated: bool
    line: str


def bwrap_args(folder: Folder) -> list[str]:
    """bubblewrap's options for a program whose only writable place is ``folder``."""
    root = str(folder.root)
    mounts = [
        ("--ro-bind", "/", "/"),
        # A /dev of its own (null, zero, random, tty, shm): nothing written there reaches the
        # host's. A GPU's device nodes are bound in, so a program still finds the GPU.
        ("--dev", "/dev"),
        *(("--dev-bind", device, device) for device in gpu_devices()),
        ("--tmpfs", "/dev/shm"),
        ("--proc", "/proc"),
        ("--tmpfs", "/tmp"),
        # The sockets of the host's services (Docker's, D-Bus, an ssh-agent's under /run/user)
        # live in /run: a read-only mount does not stop a connect(), an empty folder does.
        ("--tmpfs", "/run"),
        # The real home too (its keys, sockets and the results cache): what the program needs from
        # it, and from /tmp, is bound back read-only: the checkout and the interpreter's files.
        *(("--tmpfs", home) for home in _home()),
        *(("--ro-bind", path, path) for path in _bound_back()),
        ("--bind", root, root),
        ("--ro-bind", f"{root}/hosts", "/etc/hosts"),
    ]
    namespaces = "--unshare-net --unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try"
    # No capability inside, also when the suite runs as root (CI): no remount, mount or unmount,
    # no entering another namespace, no reading or writing past a file's permissions.
    privileges = ["--cap-drop", "ALL"]
    lifetime = ["--die-with-parent", "--new-session"]
    options = [*itertools.chain(*mounts), *namespaces.split(), *privileges, *lifetime]
    return [*options, "--chdir", str(folder.work)]


def gpu_devices() -> list[str]:
    """The device nodes of an NVIDIA GPU, where there is one."""
    return sorted(str(path) for path in Path("/dev").glob("nvidia*"))


def _home() -> list[str]:
    """The user's home, to hide, unless it is / or holds the whole system."""
    home = Path(os.path.expanduser("~")).resolve()
    return [str(home)] if home != Path("/") and len(home.parts) > 1 else []


def _bound_back() -> list[str]:
    """The repository and the interpreter's environments where the sandbox's own /tmp or hidden
    home would hide them."""
    from engine.paths import REPO

    hidden = ["/tmp/", *(f"{home}/" for home in _home())]
    paths = {str(Path(p).resolve()) for p in (REPO, sys.prefix, sys.base_prefix)}
    return sorted(p for p in paths if any(p.startswith(h) for h in hidden))


@functools.cache
def hosts_file() -> str:
    """The machine's /etc/hosts, plus names for the loopback addresses. torch.distributed looks up
    the name of each client of its store (127.0.0.1 seen as ::ffff:127.0.0.1 by a dual-stack
    server); without a line here that asks DNS, which an online reader's machine reaches and the
    sandbox cannot, and the refusal would print a warning on stderr that readers never see."""
    hosts = Path("/etc/hosts").read_text(encoding="utf-8") if Path("/etc/hosts").exists() else ""
    addresses = {line.split()[0] for line in hosts.splitlines() if line.strip()}
    extra = [line for line in LOOPBACK_HOSTS if line.split()[0] not in addresses]
    return hosts.rstrip("\n") + "\n" + "".join(f"{line}\n" for line in extra)


LOOPBACK_HOSTS = [
    "127.0.0.1 localhost",
    "::1 localhost ip6-localhost ip6-loopback",
    "::ffff:127.0.0.1 localhost",
]


def wrap(argv: list[str], folder: Folder) -> list[str]:
    """``argv`` run with the resource limits, inside the sandbox (or without it, where the
    sandbox is unavailable)."""
    return [*limits(), *(_command(argv, folder) if probe().isolated else argv)]


def bwrap() -> str:
    return shutil.which("bwrap") or "bwrap"


def limits() -> list[str]:
    """The command prefix that sets the limits every process of the program inherits, with
    util-linux's prlimit (rather than a preexec_fn, which Python calls between fork and exec and
    warns is unsafe in a process with threads, as the build is). Memory is RLIMIT_DATA, not
    RLIMIT_AS: CUDA reserves far more address space than it uses, and only writable private memory
    counts against RLIMIT_DATA."""
    if shutil.which("prlimit") is None:
        return []
    return [
        "prlimit",
        f"--data={MEMORY_LIMIT_BYTES}",
        f"--cpu={CPU_LIMIT_S}",
        f"--fsize={FILE_LIMIT_BYTES}",
        "--",
    ]


@functools.cache
def probe() -> Status:
    """Try the sandbox once per process on a harmless command; the answer, in one line."""
    if shutil.which("bwrap") is None:
        return _fallback(f"bwrap not found ({INSTALL})")
    with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as root:
        folder = Folder(Path(root)).make()
        tried = subprocess.run(
            _command(["true"], folder), capture_output=True, text=True, timeout=30
        )
    if tried.returncode != 0:
        reason = (tried.stderr.strip().splitlines() or [f"exit code {tried.returncode}"])[-1]
        return _fallback(f"the OS refused bubblewrap's namespaces ({reason})")
    version = subprocess.run([bwrap(), "--version"], capture_output=True, text=True).stdout
    return Status(
        True,
        f"sandbox: {version.strip()} (own network, PIDs, read-only filesystem, no capabilities)",
    )


def _command(argv: list[str], folder: Folder) -> list[str]:
    return [bwrap(), *bwrap_args(folder), "--", *argv]


def _fallback(reason: str) -> Status:
    line = (
        f"sandbox: unavailable, {reason}; programs run with the Python network guard and a "
        "process group only"
    )
    if os.environ.get(REQUIRE) == "1":
        raise SandboxUnavailable(f"{line} (${REQUIRE}=1 requires it)")
    return Status(False, line)


def seed_home(home: Path) -> None:
    """A reader's home after their first plot: matplotlib's font list, so an empty ``HOME`` does
    not print "Matplotlib is building the font cache" (on stderr) in every program. Built once per
    machine outside the repository (engine.paths.cache_root), then copied."""
    cache = font_cache()
    if cache is not None:
        target = home / ".cache" / "matplotlib"
        target.mkdir(parents=True, exist_ok=True)
        for file in cache.glob("fontlist-*.json"):
            shutil.copy2(file, target / file.name)


@functools.cache
def font_cache() -> Path | None:
    from engine.paths import cache_root

    folder = cache_root() / "matplotlib"
    if not list(folder.glob("fontlist-*.json")):
        env = {**os.environ, "MPLCONFIGDIR": str(folder)}
        code = "import matplotlib.font_manager"
        built = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
        if built.returncode != 0:
            return None
    return folder
