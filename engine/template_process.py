"""What runs inside a template process (engine.template): import the libraries, then fork one
child per request and turn it into the program ``python script`` would have started.

The protocol, one JSON line each way: the template reads ``{"script", "root", "env"}`` on stdin
(the script to run, the child's folder, where its ``stdout`` and ``stderr`` files go, and its
environment) and answers ``{"returncode", "seconds"}`` on its original stdout, once the child and
everything the child left running are gone. Started as
``python -m engine.template_process torch,torch_geometric isolated``; ``alone`` instead of
``isolated`` where the OS sandbox is missing (only the child's own session is killed then).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path


def serve(modules: list[str], isolated: bool) -> None:
    """Import ``modules``, then fork a child per request line on stdin, one at a time, and answer
    each with its exit code on the original stdout."""
    for name in modules:
        importlib.import_module(name)
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    for line in sys.stdin.buffer:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        start = time.perf_counter()
        child = os.fork()
        if child == 0:
            replies.close()
            os._exit(_child(request))
        _, status = os.waitpid(child, 0)
        seconds = time.perf_counter() - start
        _leftovers(child, isolated)
        answer = {"returncode": os.waitstatus_to_exitcode(status), "seconds": seconds}
        replies.write(json.dumps(answer) + "\n")
        replies.flush()


def _leftovers(child: int, isolated: bool) -> None:
    """Kill what the child left running: in the sandbox, every process of the PID namespace but
    bwrap's init and the template; without it, the child's own session at least."""
    if isolated:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        kills = [(os.kill, pid) for pid in pids if pid not in (1, os.getpid())]
    else:
        kills = [(os.killpg, child)]
    for kill, pid in kills:
        with contextlib.suppress(ProcessLookupError):
            kill(pid, signal.SIGKILL)


def _child(request: dict) -> int:
    """In the forked child: become the program ``python script`` would have started."""
    try:
        return _become(request)
    except BaseException:
        import traceback

        traceback.print_exc()
        return 70


def _become(request: dict) -> int:
    os.setsid()
    root, script = Path(request["root"]), Path(request["script"])
    written = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    for fd, name, flags in [
        (0, os.devnull, os.O_RDONLY),
        (1, root / "stdout", written),
        (2, root / "stderr", written),
    ]:
        opened = os.open(name, flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = open(0, closefd=False)
    os.chdir(script.parent)
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None
    sys.argv = [script.name]
    sys.path[0] = str(script.parent)
    return _run_main(script)


def _run_main(script: Path) -> int:
    """Run ``script`` as ``python script`` runs it (a fresh ``__main__`` module, ``__file__`` its
    absolute path, ``sys.argv`` its name), and finish as the interpreter does: the exit status of
    SystemExit, a traceback of the script's own frames, the non-daemon threads waited for, the
    atexit functions run, the streams flushed. Not runpy.run_path: it sets ``sys.argv[0]`` to the
    path it is given, and its frames would head every traceback."""
    import threading
    import types
    from importlib.machinery import SourceFileLoader

    main = types.ModuleType("__main__")
    main.__file__, main.__cached__ = str(script), None
    main.__loader__ = SourceFileLoader("__main__", str(script))
    sys.modules["__main__"] = main
    try:
        exec(compile(script.read_bytes(), str(script), "exec"), main.__dict__)
        status = 0
    except SystemExit as stop:
        status = _exit_status(stop.code)
    except BaseException as error:
        trace = error.__traceback__
        while trace is not None and trace.tb_frame.f_code.co_filename != str(script):
            trace = trace.tb_next
        sys.excepthook(type(error), error.with_traceback(trace), trace)
        status = 1
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    return status


def _exit_status(code) -> int:
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    serve([name for name in sys.argv[1].split(",") if name], sys.argv[2] == "isolated")
