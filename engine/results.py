"""Results of program runs, kept by what determines them, so that no run is done twice.

A run's outcome depends on the program's code (and the name and label it runs under), the
environment it is given (a CPU cell), the locked distributions (lock/*.txt), the engine that runs it
(every file of engine/, the sandbox and the network guard included), the interpreter and whether
the OS sandbox was there. The key covers all of these; anything else that changes (a snippet, a
pin, the runner) is a new key, and the program runs again. Results live outside the repository
(engine.paths.cache_root), like executed walkthroughs.

A time-out is never kept (run_code raises it), so a program that hung on a busy machine runs again.
``TESTED_NOTES_RUN_CACHE=0`` turns the cache off: every program runs.

Why not a pre-imported template process that forks a child per program (a fork server) instead:
`make bench` measures the imports at 1.3 s (torch) to 3.1 s (Lightning) of a program's 2-8 s, so
it would save at most that much of a run that must happen anyway. It would also change what runs:
a warning a library raises on import (PyG's torch.jit.script FutureWarning, which the snippets
filter in code the reader sees) would be raised in the template, where no test sees it, and the
snippet's own filter would go untested; ATEN_CPU_CAPABILITY and OMP_NUM_THREADS are read at import,
so each CPU cell would need a template of its own; and each child would have to enter a new sandbox
after the fork. Keeping results removes whole runs instead, for every program that did not change.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import platform
import sys
from pathlib import Path

from engine.paths import REPO, cache_root
from engine.runner import Result, check_result, run_code
from engine.sandbox import probe
from engine.targets import PROGRAM_TIMEOUT_S

SWITCH = "TESTED_NOTES_RUN_CACHE"


@functools.cache
def environment_key() -> str:
    """What every run shares: the lock files, the engine's source, the interpreter, the sandbox."""
    digest = hashlib.sha256()
    sources = sorted((REPO / "lock").glob("*.txt")) + sorted((REPO / "engine").rglob("*.py"))
    for path in sources:
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(f"{sys.version}|{platform.machine()}|{probe().isolated}".encode())
    return digest.hexdigest()


def run_key(code: str, label: str, filename: str, env: dict | None) -> str:
    parts = [environment_key(), code, label, filename, sorted((env or {}).items())]
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
) -> Result:
    """``engine.runner.run_code``, done once per key: a kept result comes back (and is checked)
    as the run returned it, with ``cached`` set."""
    path = cache_root() / "runs" / f"{run_key(code, label, filename, env)}.json"
    if enabled() and path.exists():
        result = Result(**{**json.loads(path.read_text(encoding="utf-8")), "cached": True})
    else:
        result = run_code(
            code,
            label=label,
            filename=filename,
            shown_on=shown_on,
            env=env,
            check=False,
            timeout=timeout,
        )
        if enabled():
            _store(path, result)
    if check:
        check_result(result, shown_on)
    return result


def _store(path: Path, result: Result) -> None:
    """Written aside, then renamed: a run at the same time never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(dataclasses.asdict(result)), encoding="utf-8")
    os.replace(partial, path)
