"""Snippets executed as notebooks (nav entry ``walkthroughs/<library>/<topic>.ipynb`` is the jupytext
script ``snippets/<library>/<topic>.py``). Why not mkdocs-jupyter's ``execute: true``: here a cache
keyed on content and versions, a failing cell named with file and line, a time limit per cell, and
the sandbox and empty folder every program gets.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

from engine.fences import is_section_marker
from engine.paths import REPO, cache_lock, cache_root
from engine.runner import BUILD_ENV, interpreter, program_env
from engine.sandbox import Folder
from engine.targets import CELL_TIMEOUT_S
from engine.versions import tested_with

PREFIX = "walkthroughs/"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# The kernel's own log (e.g. a notice about its transport) is not for readers. Parent handle 1: no
# polling for the parent, whose PID ipykernel takes from the environment; in the sandbox's PID
# namespace its parent is bwrap's init (PID 1), which ipykernel would take for a dead parent, and
# bwrap's --die-with-parent ties the kernel's life to the build instead.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", "--IPKernelApp.parent_handle=1"]


class WalkthroughError(Exception):
    pass


def entries(nav) -> list[str]:
    """Every ``walkthroughs/...`` page named in the nav, in nav order."""
    if isinstance(nav, str):
        return [nav] if nav.startswith(PREFIX) else []
    if isinstance(nav, dict):
        nav = list(nav.values())
    return [uri for item in nav or [] for uri in entries(item)]


def snippet_of(uri: str, root: Path = REPO) -> Path:
    """The snippet file a walkthrough page executes."""
    return root / "snippets" / Path(uri.removeprefix(PREFIX)).with_suffix(".py")


def walkthroughs() -> dict[str, Path]:
    """Nav entry (walkthroughs/<library>/<topic>.ipynb) -> the snippet it executes."""
    from engine.pages import site_config

    return {uri: snippet_of(uri) for uri in entries(site_config()["nav"])}


def notebook_code(source: str) -> str:
    """``source`` as its notebook runs and shows it: without the section markers."""
    return "".join(line for line in source.splitlines(True) if not is_section_marker(line))


def cell_lines(source: str) -> list[int]:
    """1-based line in ``source`` of each jupytext percent cell of its notebook (line 1 if it has
    no marker before its first code)."""
    lines = [(n, s) for n, s in enumerate(source.splitlines(), 1) if not is_section_marker(s)]
    starts = [n for n, line in lines if line.startswith("# %%")]
    return starts if starts and starts[0] == lines[0][0] else [1, *starts]


def execute(snippet: Path, label: str) -> dict:
    """Execute ``snippet`` as a notebook; return its record (cached by content and versions):
    ``notebook`` (the executed .ipynb), ``seconds``, ``executed`` (when) and ``cached``."""
    source = snippet.read_text(encoding="utf-8")
    folder = cache_root() / cache_key(source) / "walkthroughs" / snippet.parent.name
    notebook_path = folder / f"{snippet.stem}.ipynb"
    record_path = folder / f"{snippet.stem}.json"
    with cache_lock(notebook_path):
        if notebook_path.exists() and record_path.exists():
            record = json.loads(record_path.read_text())
            return {**record, "notebook": str(notebook_path), "cached": True}
        notebook, seconds = run_notebook(source, label)
        refuse_stderr(notebook, cell_lines(source), label)
        executed = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        record = {"seconds": round(seconds, 2), "executed": executed}
        store(notebook, record, notebook_path, record_path)
    return {**record, "notebook": str(notebook_path), "cached": False}


def cache_key(source: str) -> str:
    """The code the notebook runs, the tested versions and the kernel's environment."""
    key = [notebook_code(source), tested_with(), BUILD_ENV]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]


def run_notebook(source: str, label: str):
    """The executed notebook of ``source``, and how long it took; a raising cell or a cell past the
    time limit raises WalkthroughError naming the file, the cell and its line."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = jupytext.reads(notebook_code(source), fmt="py:percent")
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="walkthrough-") as root:
        folder = Folder(Path(root)).make()
        client = NotebookClient(
            notebook,
            km=kernel_manager(folder),
            timeout=CELL_TIMEOUT_S,
            allow_errors=False,
            extra_arguments=KERNEL_ARGUMENTS,
            resources={"metadata": {"path": str(folder.work)}},
        )
        try:
            # The kernel gets a program's environment (engine.runner); its command, from
            # interpreter(), its limits and sandbox (engine.sandbox). nbclient keeps a kernel
            # it was handed running (cleanup_kc=False): shut down here, pass or fail.
            client.execute(env=program_env(None, folder), cleanup_kc=True)
        except CellExecutionError as error:
            raise WalkthroughError(
                f"{label}: {_failed_cell(notebook, source)} raised:\n{_ANSI.sub('', str(error))}"
            ) from None
        except TimeoutError as error:
            raise WalkthroughError(
                f"{label}: a cell ran longer than {CELL_TIMEOUT_S} s: {error}"
            ) from None
    return notebook, time.perf_counter() - start


def refuse_stderr(notebook, lines: list[int], label: str) -> None:
    """Anything a cell wrote to stderr would show on the page: it fails the build instead."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                raise WalkthroughError(
                    f"{label}: cell {index + 1} (line {lines[index]}) wrote to stderr, which "
                    f"readers would see on the page:\n{output.get('text', '')}"
                )


def store(notebook, record: dict, notebook_path: Path, record_path: Path) -> None:
    """Written aside, then renamed: a build running at the same time never reads half a file."""
    import nbformat

    notebook_path.parent.mkdir(parents=True, exist_ok=True)
    for path, text in [
        (notebook_path, nbformat.writes(notebook)),
        (record_path, json.dumps(record)),
    ]:
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)


def kernel_manager(folder: Folder):
    """A kernel of this very interpreter, whatever kernels the user has installed under the name
    "python3", in the sandbox of ``folder``. It talks to the build over Unix sockets in that
    folder (ZeroMQ's ipc transport): TCP on loopback cannot cross the sandbox's own network."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    specs = folder.root / "kernels"
    (specs / "tested-notes").mkdir(parents=True)
    argv = [*interpreter(folder), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (specs / "tested-notes" / "kernel.json").write_text(json.dumps(kernel))
    return KernelManager(
        kernel_name="tested-notes",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]),
        transport="ipc",
        ip=str(folder.root / "kernel"),
        connection_file=str(folder.root / "connection.json"),
    )


def _failed_cell(notebook, source: str) -> str:
    lines = cell_lines(source)
    for index, cell in enumerate(notebook.cells):
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            return f"cell {index + 1} (line {lines[index]})"
    return "a cell"
