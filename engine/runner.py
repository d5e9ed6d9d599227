"""Run a program as a reader would: a fresh process, in an empty temporary folder, offline, with a
time limit, inside the sandbox of engine/sandbox.py. One runner for the tests, the build's figures and
walkthrough kernels, and the commands (`make matrix`, `make gpu`, `make outputs`), so that all of them
see a program fail the same way.

A program passes only if it ran to its last line: the runner appends one line that records the end
(under ``if __name__ == "__main__":``), so a ``sys.exit(0)`` midway fails although it exits with 0.

Why our own runner rather than pytest-codeblocks' executor: pytest-codeblocks `exec`s blocks inside
the pytest process, with `__name__` not "__main__", no isolation and no time limit.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.paths import SNIPPETS, rel
from engine.sandbox import Folder, wrap
from engine.targets import KILL_WAIT_S, PROGRAM_TIMEOUT_S

# Loaded first by every program the runner starts (it is put on PYTHONPATH): refuses the network.
NETGUARD = Path(__file__).resolve().parent / "netguard"

# What the build adds to a reader's environment when it executes walkthroughs and draws figures
# (part of their cache keys). One thread per program: the build and the suite run one program per
# core, and two processes of two threads each on two cores took 2.5 times as long. Outputs stated
# on pages hold at any thread count and kernel set: `make matrix` checks that.
BUILD_ENV = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}


class SnippetError(AssertionError):
    """A program shown on the site failed: the message names the file, the pages and the cause."""


@dataclass
class Result:
    label: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    # What the program wrote in its folder, relative to it.
    files: list[str] = field(default_factory=list)
    # Whether it reached its last line (a non-zero exit code aside, only an early exit misses it).
    completed: bool = True
    # Whether this is the kept result of an earlier identical run (engine.results).
    cached: bool = False
    # The folder where engine.results keeps the images the program saved (its figures).
    kept_in: str = ""


def interpreter(folder: Folder) -> list[str]:
    """The command that starts a program's Python, in the sandbox of ``folder``: this very
    interpreter. Walkthrough kernels start the same way (engine.walkthroughs)."""
    return wrap([sys.executable], folder)


# What a program sees of the environment the suite was started in: what decides how a reader's
# `python snippet.py` runs (the search paths, locale and time zone, the threads and kernels of the
# math libraries, which GPU) and nothing else, so no token, key or CI variable reaches a program,
# its walkthrough kernel or its workers. Not PYTHONWARNINGS or MPLBACKEND either: a warning the
# reader would see fails the test (a snippet filters a library's warning itself, in code the reader
# sees), and matplotlib picks its backend as it does for the reader (Agg without a display).
PASSED = {"PATH", "LANG", "LANGUAGE", "TZ", "TERM", "LD_LIBRARY_PATH", "PYTHONPATH"}
PASSED_PREFIXES = tuple("LC_ OMP_ MKL_ KMP_ OPENBLAS_ ATEN_ CUDA_ NVIDIA_ PYTORCH_".split())


def program_env(extra: dict | None = None, folder: Folder | None = None) -> dict:
    """The environment of a reader's ``python snippet.py``: the allow-listed part of ours (PASSED),
    the offline guard, a fixed hash seed, the build's thread count, the program's own folder."""
    env = {k: v for k, v in os.environ.items() if k in PASSED or k.startswith(PASSED_PREFIXES)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    env.update(BUILD_ENV)
    env.update(folder.env() if folder else {})
    env.update(extra or {})
    return env


def run_code(
    code: str,
    *,
    label: str,
    filename: str = "snippet.py",
    timeout: float = PROGRAM_TIMEOUT_S,
    shown_on: list[str] | None = None,
    env: dict | None = None,
    check: bool = True,
    keep_files_in: Path | None = None,
) -> Result:
    """Run ``code`` as a script named ``filename`` in a fresh empty folder.

    With ``check`` (the default), a non-zero exit, an exit before the last line, a time-out or any
    output on stderr raises SnippetError naming ``label`` and the pages in ``shown_on``.
    ``keep_files_in``: a folder to copy the files the program wrote into (they go with the
    temporary folder otherwise).
    """
    with tempfile.TemporaryDirectory(prefix="snippet-") as root:
        folder = Folder(Path(root)).make()
        script, end_mark = write_program(code, filename, folder)
        start = time.perf_counter()
        process = _start(filename, folder, env)
        returncode, stdout, stderr = _wait(process, timeout, label + _shown_on(shown_on))
        seconds = time.perf_counter() - start
        files = written_files(folder.work, script, keep_files_in)
        stdout, stderr = (as_shown(text, script, label) for text in (stdout, stderr))
        completed = end_mark.exists()
    result = Result(label, returncode, stdout, stderr, seconds, files, completed)
    if check:
        check_result(result, shown_on)
    return result


def write_program(code: str, filename: str, folder: Folder) -> tuple[Path, Path]:
    """Write ``code`` as ``filename`` in ``folder``'s work folder, with one line appended that
    creates the returned mark when the program reaches its end (``__main__`` only: a worker that
    imports the script does not count; one that Lightning starts as the script again does, like
    the program it belongs to). Returns (script, mark)."""
    script = folder.work / filename
    mark = folder.root / f"end-{secrets.token_hex(8)}"
    end_line = f'\n\nif __name__ == "__main__":\n    open({str(mark)!r}, "w").close()\n'
    script.write_text(code + end_line, encoding="utf-8")
    return script, mark


def as_shown(output: str, script: Path, label: str) -> str:
    """A program's output with tracebacks pointing at the repository file, not at the temporary
    copy, and its folder as ``<tmp>``."""
    return output.replace(str(script), label).replace(str(script.parent), "<tmp>")


def _shown_on(pages: list[str] | None) -> str:
    return f" (shown on {', '.join(pages)})" if pages else ""


def run_snippet(relative_path: str, **kwargs) -> Result:
    """Run ``snippets/<relative_path>`` as a reader would: alone, in an empty folder."""
    path = SNIPPETS / relative_path
    if not path.is_file():
        raise SnippetError(f"snippets/{relative_path} does not exist")
    kwargs.setdefault("label", rel(path))
    kwargs.setdefault("filename", path.name)
    return run_code(path.read_text(encoding="utf-8"), **kwargs)


def _start(filename: str, folder: Folder, env: dict | None) -> subprocess.Popen:
    return subprocess.Popen(
        [*interpreter(folder), filename],
        cwd=folder.work,
        env=program_env(env, folder),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A time-out kills the whole group; in the sandbox, the PID namespace takes every
        # descendant with the program, one in a session of its own too.
        start_new_session=True,
    )


def _wait(process: subprocess.Popen, timeout: float, name: str) -> tuple[int, str, str]:
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        stdout, stderr = _drain(process)
        raise SnippetError(
            f"{name} did not finish within {timeout:.0f} s and was killed.\n"
            f"--- last output ---\n{tail(stdout)}{tail(stderr)}"
        ) from None
    return process.returncode, stdout, stderr


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _drain(process: subprocess.Popen) -> tuple[str, str]:
    """What the killed program wrote, waiting at most KILL_WAIT_S: without the sandbox, a
    descendant that left the process group may hold the pipes open for ever."""
    try:
        return process.communicate(timeout=KILL_WAIT_S)
    except subprocess.TimeoutExpired:
        for pipe in (process.stdout, process.stderr):
            pipe.close()
        process.wait()
        return "", "(output lost: a process that escaped the kill still holds the pipes)\n"


def written_files(workdir: Path, script: Path, keep_in: Path | None) -> list[str]:
    """The regular files the program wrote in its folder, copied to ``keep_in``. Links are never
    followed: a program could point one at any file of the host, which a copy would then read or,
    kept and published, overwrite."""
    files = sorted(p for p in _walk(workdir) if p.is_file() and not p.is_symlink() and p != script)
    if keep_in is not None:
        for file in files:
            target = keep_in / file.relative_to(workdir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target, follow_symlinks=False)
    return [file.relative_to(workdir).as_posix() for file in files]


def _walk(folder: Path):
    """Every path under ``folder``, not descending into links to folders."""
    for root, folders, names in os.walk(folder, followlinks=False):
        yield from (Path(root) / name for name in [*folders, *names])


def check_result(result: Result, shown_on: list[str] | None = None) -> None:
    """Raise SnippetError, naming the program and its pages, unless ``result`` is a clean run."""
    where = _shown_on(shown_on)
    if result.returncode != 0:
        raise SnippetError(
            f"{result.label}{where} failed with exit code {result.returncode}:\n"
            f"{tail(result.stderr)}"
        )
    if not result.completed:
        raise SnippetError(
            f"{result.label}{where} exited with code 0 before its last line (sys.exit or "
            "os._exit midway?): the checks after that point never ran"
        )
    if result.stderr.strip():
        raise SnippetError(
            f"{result.label}{where} wrote to stderr; readers would see this noise, so fix its "
            f"cause or filter exactly that warning in the snippet:\n{tail(result.stderr)}"
        )


def tail(text: str, lines: int = 40) -> str:
    """The last ``lines`` lines of ``text``, for a message that stays readable."""
    rows = text.rstrip().splitlines()
    return "\n".join(rows[-lines:]) + "\n" if rows else ""
