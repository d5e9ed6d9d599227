"""What a snippet never needs, and what would let a run pass that should fail: refused with the
snippet's line and why.

The runner decides that a program passed by its exit code, its stderr and a mark written at its
last line (engine.runner). A program could forge each: swallow stderr (``os.dup2`` over it, a new
``sys.stderr``), write the mark early (read the script the runner wrote, or run the last lines from
``atexit``), or run itself again where every ``assert`` is gone (``python -O`` through ``subprocess``
or ``os.exec*``). A note's snippet does none of these, so the lint refuses them outright; a snippet
that launches its own workers is listed below by name, with what it launches.
"""

import ast
import sys

import pytest

from engine.paths import SNIPPETS, rel, snippet_files

# Snippets that start processes themselves, with why: reviewed, and nothing else may.
LAUNCHERS = {
    "lightning/two_nodes.py": "starts itself as the second machine (NODE_RANK=1)",
}
STREAMS = {"stdout", "stderr", "__stdout__", "__stderr__"}
STARTS_PROCESSES = ("exec", "spawn", "posix_spawn", "system", "popen", "fork")


def problems(path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    launcher = path.relative_to(SNIPPETS).as_posix() in LAUNCHERS
    found = []
    for node in ast.walk(tree):
        why = _why(node, launcher)
        if why:
            found.append(f"{rel(path)}:{node.lineno}: {why}")
    return found


def _why(node: ast.AST, launcher: bool) -> str | None:
    """Why ``node`` is refused, or None."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = {a.name.split(".")[0] for a in node.names} | {getattr(node, "module", "") or ""}
        if "atexit" in names:
            return "atexit runs code after the program's last line, past its end mark"
        if "subprocess" in names and not launcher:
            return (
                "subprocess starts a program the checks do not see (list the snippet in "
                "LAUNCHERS if it launches its own workers)"
            )
    elif isinstance(node, ast.Attribute):
        return _attribute(node, launcher)
    elif isinstance(node, ast.Name) and node.id == "__file__" and not launcher:
        return "__file__ is the copy the runner wrote, end mark included: no need to read it"
    elif isinstance(node, ast.Call) and _blanket_filter(node):
        return (
            "a blanket warnings filter hides every warning a reader would see; filter exactly "
            "one, by its message and category"
        )
    return None


def _attribute(node: ast.Attribute, launcher: bool) -> str | None:
    owner = node.value.id if isinstance(node.value, ast.Name) else ""
    if owner == "os" and node.attr in ("dup", "dup2"):
        return f"os.{node.attr} can move stderr away from the tests"
    if owner == "os" and node.attr.startswith(STARTS_PROCESSES) and not launcher:
        return (
            f"os.{node.attr} starts or replaces the program outside the checks (python -O "
            "would drop every assert)"
        )
    if node.attr in ("co_consts", "co_code") or (owner, node.attr) == ("inspect", "getsource"):
        return f"{node.attr} reads the program the runner wrote, end mark included"
    if owner == "contextlib" and node.attr.startswith("redirect_std"):
        return f"contextlib.{node.attr} hides what the tests read"
    if owner == "sys" and node.attr in STREAMS and isinstance(node.ctx, ast.Store):
        return f"a new sys.{node.attr} hides what the tests read"
    return None


def _blanket_filter(call: ast.Call) -> bool:
    """warnings.simplefilter("ignore") or filterwarnings("ignore") with no message or category."""
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    if name not in ("simplefilter", "filterwarnings") or not call.args:
        return False
    action = call.args[0]
    if not (isinstance(action, ast.Constant) and action.value == "ignore"):
        return False
    if name == "simplefilter":
        return not (call.args[1:] or any(k.arg == "category" for k in call.keywords))
    narrowed = call.args[1:] or [
        k for k in call.keywords if k.arg in ("message", "category", "module")
    ]
    return not narrowed


@pytest.mark.parametrize("path", snippet_files(), ids=rel)
def test_a_snippet_does_nothing_that_could_forge_its_verdict(path):
    found = problems(path)
    if found:
        pytest.fail("\n".join(found), pytrace=False)


FORGERIES = {
    "import os\nos.dup2(os.open(os.devnull, os.O_WRONLY), 2)": "os.dup2",
    "import sys, io\nsys.stderr = io.StringIO()": "sys.stderr",
    "import atexit\natexit.register(print)": "atexit",
    "print(open(__file__).read())": "__file__",
    "import sys\nprint(sys._getframe().f_code.co_consts)": "co_consts",
    "import subprocess, sys\nsubprocess.run([sys.executable, '-O', 'x.py'])": "subprocess",
    "import os, sys\nos.execv(sys.executable, [sys.executable, '-O', 'x.py'])": "os.execv",
    "import warnings\nwarnings.simplefilter('ignore')": "blanket",
    "import warnings\nwarnings.filterwarnings('ignore')": "blanket",
    "import contextlib, io\nwith contextlib.redirect_stderr(io.StringIO()):\n    pass": "redirect",
}


@pytest.mark.parametrize("code", FORGERIES, ids=list(FORGERIES.values()))
def test_each_forgery_is_refused_with_its_line(code, tmp_path, monkeypatch):
    snippet = tmp_path / "lib" / "x.py"
    snippet.parent.mkdir()
    snippet.write_text(code)
    monkeypatch.setattr(sys.modules[__name__], "SNIPPETS", tmp_path)
    found = problems(snippet)
    assert found and FORGERIES[code].split(".")[-1] in found[0], found


def test_a_filter_of_one_warning_passes(tmp_path, monkeypatch):
    snippet = tmp_path / "lib" / "x.py"
    snippet.parent.mkdir()
    snippet.write_text(
        "import warnings\nwarnings.filterwarnings('ignore', 'one message', FutureWarning)\n"
        "warnings.simplefilter('ignore', FutureWarning)\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "SNIPPETS", tmp_path)
    assert problems(snippet) == []
