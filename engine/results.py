"""Results of program runs, kept by what determines them, so that no run is done twice.

A run's outcome depends on the program's code (and the name and label it runs under), every
environment variable it sees (engine.runner.program_env: an allow-list, a CPU setting's variables
included), the distributions installed where its interpreter looks (their metadata and RECORD, not
the lock file: a `pip install` into the venv or a library on PYTHONPATH is a new key), the
interpreter, the CPU's instruction sets (which decide PyTorch's kernels), whether the OS sandbox
was there and the engine code that runs it (RUN_CODE). The key covers exactly these: an edit of a
hook, a page or a test reruns nothing. Results live outside the repository (engine.paths.cache_root),
out of every program's sight (the sandbox hides the home folder).

A record is trusted only as the runner wrote it: it carries its key and a MAC made with a secret
that only this user's runner reads (mode 600, beside the results), so a record written or moved by
anything else is ignored and the program runs again. A time-out is never kept (run_code raises it).
A flaky pass could still be kept once; the scheduled workflow (.github/workflows/scheduled.yml)
runs the whole suite daily with ``TESTED_NOTES_RUN_CACHE=0``, which turns keeping off, and fails
on any program that does not pass fresh. That costs one run a day, where keeping a result only
after two passes would double every cold run of every pull request.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import importlib.metadata
import json
import os
import platform
import shutil
import site
import sys
import tempfile
from pathlib import Path

from engine.paths import REPO, cache_lock, cache_root
from engine.runner import Result, check_result, program_env, run_code
from engine.sandbox import probe
from engine.targets import (
    CPU_LIMIT_S,
    FILE_LIMIT_BYTES,
    KILL_WAIT_S,
    MEMORY_LIMIT_BYTES,
    PROGRAM_TIMEOUT_S,
)

SWITCH = "TESTED_NOTES_RUN_CACHE"
RESULT = "result.json"
# What a program saves that is kept with its result: the figures the build publishes.
IMAGE_SUFFIXES = (".png", ".svg")


# The engine's code that decides how a program runs: the runner, its sandbox and network guard,
# and this cache. An edit of anything else (a hook, the page expansion, a test) reruns nothing.
RUN_CODE = ("results.py", "runner.py", "sandbox.py", "paths.py", "netguard/sitecustomize.py")
# Of engine/targets.py, only the limits a program runs under: a new page budget reruns nothing.
RUN_LIMITS = (PROGRAM_TIMEOUT_S, CPU_LIMIT_S, FILE_LIMIT_BYTES, MEMORY_LIMIT_BYTES, KILL_WAIT_S)


@functools.cache
def environment_key() -> str:
    """What every run shares: the engine code, the interpreter, the CPU, the sandbox."""
    digest = hashlib.sha256()
    for name in RUN_CODE:
        digest.update(name.encode() + b"\0" + (REPO / "engine" / name).read_bytes())
    digest.update(f"{sys.version}|{platform.machine()}|{probe().isolated}|{RUN_LIMITS}".encode())
    digest.update(cpu_features().encode())
    return digest.hexdigest()


def cpu_features() -> str:
    """The CPU's instruction-set flags, which decide the kernels PyTorch dispatches to."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor()
    flags = next((line for line in info.splitlines() if line.startswith(("flags", "Features"))), "")
    return " ".join(sorted(flags.partition(":")[2].split()))


@functools.cache
def distributions_key(pythonpath: str) -> str:
    """The distributions a program's interpreter finds (PYTHONPATH first, then the environment's
    site-packages), each by its name, version and RECORD (the hashes of its installed files)."""
    places = [*pythonpath.split(os.pathsep), *site.getsitepackages()]
    digest = hashlib.sha256()
    found = importlib.metadata.distributions(path=[p for p in places if p])
    for dist in sorted(found, key=lambda d: (d.metadata["Name"] or "", d.version or "")):
        record = dist.read_text("RECORD") or dist.read_text("METADATA") or ""
        digest.update(f"{dist.metadata['Name']}=={dist.version}\0{record}\0".encode())
    return digest.hexdigest()


def run_key(code: str, label: str, filename: str, env: dict | None) -> str:
    seen = program_env(env)
    parts = [
        environment_key(),
        distributions_key(seen.get("PYTHONPATH", "")),
        code,
        label,
        filename,
        sorted(seen.items()),
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _secret() -> bytes:
    """This user's key for the records' MACs, made once, readable by this user alone."""
    path = cache_root() / "secret"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as file:
        file.write(os.urandom(32))
    return path.read_bytes()


def _mac(record: dict) -> str:
    body = json.dumps({k: v for k, v in record.items() if k != "mac"}, sort_keys=True)
    return hmac.new(_secret(), body.encode(), hashlib.sha256).hexdigest()


def _trusted(entry: Path, key: str) -> Result | None:
    """The result kept in ``entry`` if the runner wrote it there for ``key``; None otherwise."""
    try:
        record = json.loads((entry / RESULT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    mac = record.get("mac", "")
    if record.get("key") != key or not hmac.compare_digest(mac, _mac(record)):
        return None
    fields = {f.name for f in dataclasses.fields(Result)}
    return Result(**{k: v for k, v in record.items() if k in fields} | {"cached": True})


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
    as the run returned it, with ``cached`` set. The images the program saved are kept with it, in
    ``kept_in``: the build publishes a snippet's figures from the very run its test checked.

    A second process that asks for the same run meanwhile (a test worker and the build's figures,
    say) waits for the first one's result instead of running the program again."""
    key = run_key(code, label, filename, env)
    entry = cache_root() / "runs" / key
    with cache_lock(entry):
        result = _trusted(entry, key) if enabled() else None
        if result is None:
            with tempfile.TemporaryDirectory(prefix="run-") as written:
                arguments = {"label": label, "filename": filename, "timeout": timeout, "env": env}
                result = run_code(code, **arguments, keep_files_in=Path(written), check=False)
                _store(entry, key, result, Path(written))
    result = dataclasses.replace(result, kept_in=str(entry))
    if check:
        check_result(result, shown_on)
    return result


def _store(entry: Path, key: str, result: Result, written: Path) -> None:
    """The result and its images, filled aside, then renamed: nobody reads half an entry. Stored
    with the cache turned off too, where it is never read back: the build publishes its images."""
    partial = entry.with_name(f".{entry.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for image in sorted(p for p in written.iterdir() if p.suffix in IMAGE_SUFFIXES):
        shutil.copy2(image, partial / image.name)
    record = dataclasses.asdict(result) | {"kept_in": "", "key": key}
    record["mac"] = _mac(record)
    (partial / RESULT).write_text(json.dumps(record), encoding="utf-8")
    shutil.rmtree(entry, ignore_errors=True)
    os.replace(partial, entry)


def kept_images(result: Result) -> list[Path]:
    """The images the program of ``result`` saved, as kept by run_once."""
    return sorted(p for p in Path(result.kept_in).iterdir() if p.suffix in IMAGE_SUFFIXES)
