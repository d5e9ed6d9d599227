"""Programs forked from a template process that has imported their libraries already.

Only for reruns of a program whose own run started a fresh interpreter (engine.runner): the
wrong-answer edits (tests/test_wrong_answers.py), whose verdict is an assertion or the numbers they
print, and the CPU cells (tests/test_snippets.py), whose point is the kernels and threads. Importing
torch and a library takes 1.3-3.1 s of each run (`make bench`); a child forked from a template that
did it starts in milliseconds. A warning a library raises while it loads is raised in the template,
where no test sees it: the fresh run, and the build's, are the ones that show it, as readers see it.
Every program of the site, run in the cell "default:2" both ways, printed the same on stdout and
stderr (measured when this was written: 137 s fresh, 56 s forked).

The template runs in a sandbox of its own (engine.sandbox: no network, read-only files, its own
PIDs, the resource limits), one per set of libraries a program imports and environment (a cell's
kernel set and threads, which torch reads as it loads), per test worker. Each child
gets its own folder inside the template's, its own environment, its own session and stdio, and runs
its script as ``__main__`` (engine.template_process, which runs inside the template). After each
child the template kills whatever the child left running: in its own PID namespace, every process
but the template and bwrap's init is a leftover. A child past its time limit takes its template
with it; the next program starts a fresh one. On a machine with a GPU nothing forks (forks_safely).
"""

from __future__ import annotations

import ast
import atexit
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine.runner import (
    Result,
    SnippetError,
    as_shown,
    program_env,
    write_program,
    written_files,
)
from engine.sandbox import Folder, probe, wrap
from engine.targets import PROGRAM_TIMEOUT_S

# The libraries worth importing ahead: the slow ones (`make bench`, section Imports).
PRELOADED = ("torch", "torch_geometric", "pytorch_lightning", "lightning", "captum", "backpack")
# Templates one test worker keeps at once (each holds a few hundred MB).
KEPT = 3


@dataclass
class Template:
    key: tuple
    folder: Folder
    process: subprocess.Popen
    runs: int = 0


# (modules, environment) -> its template, least recently used first.
_templates: dict[tuple, Template] = {}


def forks_safely(devices: Path = Path("/dev")) -> bool:
    """Whether this machine has no GPU. A library may query CUDA while it loads (an availability
    check starts the driver), and a child forked after that cannot use the GPU at all; reruns on a
    machine with an NVIDIA or AMD GPU start a fresh interpreter instead, as the first run did."""
    return not any((devices / name).exists() for name in ("nvidiactl", "kfd"))


def preloaded(code: str) -> tuple[str, ...]:
    """The slow libraries ``code`` imports, in the order it imports them; none for code Python
    cannot parse, whose child reports the SyntaxError as ``python`` would."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ()
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append((node.lineno, node.module.split(".")[0]))
    return tuple(dict.fromkeys(name for _, name in sorted(names) if name in PRELOADED))


def run_forked(
    code: str,
    *,
    label: str,
    filename: str = "snippet.py",
    timeout: float = PROGRAM_TIMEOUT_S,
    env: dict | None = None,
) -> Result:
    """``code`` run as the script ``filename``, forked from a template that has imported its
    libraries: engine.runner.run_code's Result, unchecked (a failure is the caller's verdict)."""
    template = _template(preloaded(code), env or {})
    template.runs += 1
    folder = Folder(template.folder.root / f"run-{template.runs}").make()
    script, end_mark = write_program(code, filename, folder)
    request = {"script": str(script), "env": program_env(env, folder), "root": str(folder.root)}
    try:
        returncode, seconds = _ask(template, request, timeout, label)
        stdout, stderr = (
            as_shown((folder.root / name).read_text("utf-8"), script, label)
            for name in ("stdout", "stderr")
        )
        files = written_files(folder.work, script, None)
        return Result(label, returncode, stdout, stderr, seconds, files, end_mark.exists())
    finally:
        shutil.rmtree(folder.root, ignore_errors=True)


def close_templates() -> None:
    """End every template of this process and remove its folder."""
    for key in list(_templates):
        _close(_templates.pop(key))


def _template(modules: tuple[str, ...], env: dict) -> Template:
    """A template that imported ``modules`` under the environment ``env`` (a CPU cell's kernel set
    and threads, which torch reads as it loads), started on first use."""
    key = (modules, tuple(sorted(env.items())))
    if key in _templates:
        _templates[key] = _templates.pop(key)
        return _templates[key]
    while len(_templates) >= KEPT:
        _close(_templates.pop(next(iter(_templates))))
    folder = Folder(Path(tempfile.mkdtemp(prefix="template-"))).make()
    command = [sys.executable, "-m", "engine.template_process", ",".join(modules)]
    command.append("isolated" if probe().isolated else "alone")
    with open(folder.root / "template.log", "w") as log:
        process = subprocess.Popen(
            wrap(command, folder),
            cwd=folder.work,
            env=program_env(env, folder),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
    _templates[key] = Template(key, folder, process)
    return _templates[key]


def _ask(template: Template, request: dict, timeout: float, label: str) -> tuple[int, float]:
    """Send ``request``; the child's exit code and seconds, or SnippetError at the time limit."""
    try:
        template.process.stdin.write((json.dumps(request) + "\n").encode())
        template.process.stdin.flush()
    except BrokenPipeError:
        ready = [True]
    else:
        with selectors.DefaultSelector() as selector:
            selector.register(template.process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout)
    line = template.process.stdout.readline() if ready else b""
    if not line:
        log = (template.folder.root / "template.log").read_text("utf-8", errors="replace")
        _close(_templates.pop(template.key))
        reason = f"did not finish within {timeout:.0f} s" if not ready else "lost its template"
        raise SnippetError(f"{label} {reason} and was killed.\n{log[-2000:]}")
    reply = json.loads(line)
    return reply["returncode"], reply["seconds"]


def _close(template: Template) -> None:
    try:
        os.killpg(template.process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    template.process.wait()
    for pipe in (template.process.stdin, template.process.stdout):
        pipe.close()
    shutil.rmtree(template.folder.root, ignore_errors=True)


atexit.register(close_templates)
