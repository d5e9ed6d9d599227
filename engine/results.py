"""Results of program runs, kept by what determines them, so that no run is done twice.

A run's outcome depends on the program's code (and the name and label it runs under), the
environment it is given (a CPU cell), the locked distributions (lock/*.txt), the engine code that
runs it (RUN_CODE: runner, sandbox, network guard, forked reruns), the interpreter and whether
the OS sandbox was there. The key covers all of these; anything else that changes (a snippet, a
pin, the runner) is a new key, and the program runs again. Results live outside the repository
(engine.paths.cache_root), like executed walkthroughs.

A time-out is never kept (run_code raises it), so a program that hung on a busy machine runs again.
``TESTED_NOTES_RUN_CACHE=0`` turns the cache off: every program runs.

A program's own run starts a fresh interpreter (engine.runner), because what a library prints while
it is imported is part of what a reader sees. Its reruns, whose fresh run shows that already (the
wrong-answer edits and the CPU cells), fork from a template that has imported their libraries
(engine.template): `make bench` measures the imports at 1.3 s (torch) to 3.1 s (Lightning) of a
program's 2-8 s. Forked results are kept apart from fresh ones.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from engine.paths import REPO, cache_lock, cache_root
from engine.runner import Result, check_result, run_code
from engine.sandbox import probe
from engine.targets import (
    CPU_LIMIT_S,
    FILE_LIMIT_BYTES,
    KILL_WAIT_S,
    MEMORY_LIMIT_BYTES,
    PROGRAM_TIMEOUT_S,
)
from engine.template import forks_safely, run_forked

SWITCH = "TESTED_NOTES_RUN_CACHE"
RESULT = "result.json"
# What a program saves that is kept with its result: the figures the build publishes.
IMAGE_SUFFIXES = (".png", ".svg")


# The engine's code that decides how a program runs: the runner, its sandbox and network guard, the
# forked reruns and this cache. An edit of anything else (a hook, the page expansion, a
# test) changes no result, so it reruns nothing.
RUN_CODE = (
    "results.py",
    "runner.py",
    "sandbox.py",
    "template.py",
    "template_process.py",
    "paths.py",
    "netguard/sitecustomize.py",
)
# Of engine/targets.py, only the limits a program runs under: a new page budget reruns nothing.
RUN_LIMITS = (PROGRAM_TIMEOUT_S, CPU_LIMIT_S, FILE_LIMIT_BYTES, MEMORY_LIMIT_BYTES, KILL_WAIT_S)


@functools.cache
def environment_key() -> str:
    """What every run shares: the lock files, the engine's source, the interpreter, the sandbox."""
    digest = hashlib.sha256()
    sources = sorted((REPO / "lock").glob("*.txt")) + [REPO / "engine" / name for name in RUN_CODE]
    for path in sources:
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(f"{sys.version}|{platform.machine()}|{probe().isolated}|{RUN_LIMITS}".encode())
    return digest.hexdigest()


def run_key(code: str, label: str, filename: str, env: dict | None, forked: bool = False) -> str:
    parts = [environment_key(), code, label, filename, sorted((env or {}).items()), forked]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def enabled() -> bool:
    return os.environ.get(SWITCH, "1") != "0"


def run_once(
    code: str,
    *,
    label: str,
    filename: str = "snippet.py",
    shown_on: list[str] | None = None,
    env: dict | None = None,
    check: bool = True,
    timeout: float = PROGRAM_TIMEOUT_S,
    forked: bool = False,
) -> Result:
    """``engine.runner.run_code``, done once per key: a kept result comes back (and is checked)
    as the run returned it, with ``cached`` set. The images the program saved are kept with it, in
    ``kept_in``: the build publishes a snippet's figures from the very run its test checked.
    ``forked``: forked from a template that has imported the program's libraries (engine.template),
    for a rerun whose fresh run shows what they print while they load; kept apart from fresh runs.
    On a machine with a GPU the rerun starts fresh instead (engine.template.forks_safely).

    A second process that asks for the same run meanwhile (a test worker and the build's figures,
    say) waits for the first one's result instead of running the program again."""
    entry = cache_root() / "runs" / run_key(code, label, filename, env, forked)
    with cache_lock(entry):
        if enabled() and (entry / RESULT).exists():
            kept = json.loads((entry / RESULT).read_text(encoding="utf-8"))
            result = Result(**{**kept, "cached": True})
        else:
            with tempfile.TemporaryDirectory(prefix="run-") as written:
                arguments = {"label": label, "filename": filename, "timeout": timeout}
                if forked and forks_safely():
                    result = run_forked(code, **arguments, env=env)
                else:
                    saved = {"keep_files_in": Path(written), "env": env, "check": False}
                    result = run_code(code, **arguments, **saved)
                _store(entry, result, Path(written))
    result = dataclasses.replace(result, kept_in=str(entry))
    if check:
        check_result(result, shown_on)
    return result


def _store(entry: Path, result: Result, written: Path) -> None:
    """The result and its images, filled aside, then renamed: nobody reads half an entry. Stored
    with the cache turned off too, where it is never read back: the build publishes its images."""
    partial = entry.with_name(f".{entry.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for image in sorted(p for p in written.iterdir() if p.suffix in IMAGE_SUFFIXES):
        shutil.copy2(image, partial / image.name)
    record = dataclasses.asdict(result) | {"kept_in": ""}
    (partial / RESULT).write_text(json.dumps(record), encoding="utf-8")
    shutil.rmtree(entry, ignore_errors=True)
    os.replace(partial, entry)


def kept_images(result: Result) -> list[Path]:
    """The images the program of ``result`` saved, as kept by run_once."""
    return sorted(p for p in Path(result.kept_in).iterdir() if p.suffix in IMAGE_SUFFIXES)
