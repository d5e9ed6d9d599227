"""Shared machinery of the test suite: find snippets and pages, expand pages the way the build does,
and run Python code as a reader would (a fresh process in an empty folder, offline, time-limited).

Why our own runner rather than pytest-codeblocks' executor: pytest-codeblocks `exec`s blocks inside the
pytest process, with `__name__` not "__main__", no isolation and no time limit, and it silently skips
fences it does not recognise. We use its parser (markers such as `cont` and `expected-output` keep
their documented meaning) and run each program in its own process; tests/test_pages.py counts the
Python fences independently so that none can slip through unrun.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import importlib.util
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from mkdocs.config import load_config
from pytest_codeblocks import extract_from_buffer

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
SNIPPETS = REPO / "snippets"
NETGUARD = Path(__file__).resolve().parent / "netguard"
DEFAULT_TIMEOUT = 180  # seconds per program; the slowest snippet takes a fraction of this

PYTHON_LANGS = {"python", "py", "python3", "py3"}


def rel(path: Path) -> str:
    return path.resolve().relative_to(REPO).as_posix()


def snippet_files() -> list[Path]:
    return sorted(SNIPPETS.rglob("*.py"))


def page_files() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


# --------------------------------------------------------------------------- running programs


class SnippetError(AssertionError):
    """A program shown on the site failed: the message names the file, the pages and the cause."""


@dataclass
class Result:
    label: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    files: list[str] = field(default_factory=list)  # what the program wrote in its folder


def snippet_env(extra: dict | None = None) -> dict:
    """The environment of a reader's ``python snippet.py``, plus only what hides nothing from them.

    No PYTHONWARNINGS and no MPLBACKEND: a warning the reader would see fails the test (a snippet
    filters a library's warning itself, in code the reader sees), and matplotlib picks its backend
    as it does for the reader (Agg on a machine without a display).
    """
    env = dict(os.environ)
    for hidden in ("PYTHONWARNINGS", "MPLBACKEND"):
        env.pop(hidden, None)
    # The offline guard (tests/netguard) loads first; it only refuses network access.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    # One thread per snippet: the suite runs one snippet per core, and two processes of two threads
    # each on two cores took 2.5 times as long. Outputs stated on pages hold at any thread count
    # and kernel set: `make matrix` (scripts/matrix.py) checks that.
    env.setdefault("OMP_NUM_THREADS", "1")
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------- machines

# A cell is one kind of machine a reader may have: the CPU kernel set PyTorch dispatches to
# (ATEN_CPU_CAPABILITY) and the number of threads (OMP_NUM_THREADS). "default" is the portable
# kernel set every x86 CPU runs; avx2 and avx512 are what most readers' CPUs pick by themselves.
CAPABILITIES = ("default", "avx2", "avx512")
THREADS = (1, 2, 4)


@dataclass(frozen=True)
class Cell:
    capability: str
    threads: int

    def __str__(self) -> str:
        return f"{self.capability}:{self.threads}"

    @property
    def env(self) -> dict:
        return {"ATEN_CPU_CAPABILITY": self.capability, "OMP_NUM_THREADS": str(self.threads)}

    @classmethod
    def parse(cls, text: str) -> Cell:
        capability, _, threads = text.strip().partition(":")
        if capability not in CAPABILITIES or not threads.isdigit():
            raise ValueError(f"a cell is CAPABILITY:THREADS with CAPABILITY in {CAPABILITIES}")
        return cls(capability, int(threads))


def cpu_capabilities() -> list[str]:
    """The kernel sets this CPU can run (the flags PyTorch itself checks for them)."""
    flags = set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                flags.update(line.split(":", 1)[1].split())
    found = ["default"]
    if {"avx2", "fma"} <= flags:
        found.append("avx2")
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        found.append("avx512")
    return found


def output_matches(printed: str, expected: str, ignore_whitespace: bool = False) -> bool:
    """The comparison pytest-codeblocks' expected-output marker documents."""

    def normalise(text: str) -> str:
        return re.sub(r"\s+", "", text) if ignore_whitespace else text.rstrip("\n")

    return normalise(printed) == normalise(expected)


def run_code(
    code: str,
    *,
    label: str,
    filename: str = "snippet.py",
    timeout: float = DEFAULT_TIMEOUT,
    shown_on: list[str] | None = None,
    env: dict | None = None,
    check: bool = True,
) -> Result:
    """Run ``code`` as a script named ``filename`` in a fresh empty folder.

    With ``check`` (the default), a non-zero exit, a time-out or any output on stderr raises
    SnippetError naming ``label`` and the pages in ``shown_on``.
    """
    where = f" (shown on {', '.join(shown_on)})" if shown_on else ""
    with tempfile.TemporaryDirectory(prefix="snippet-") as workdir:
        script = Path(workdir) / filename
        script.write_text(code, encoding="utf-8")
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, filename],
            cwd=workdir,
            env=snippet_env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a time-out kills the whole group (DDP children too)
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise SnippetError(
                f"{label}{where} did not finish within {timeout:.0f} s and was killed.\n"
                f"--- last output ---\n{_tail(stdout)}{_tail(stderr)}"
            ) from None
        seconds = time.perf_counter() - start
        files = sorted(
            p.relative_to(workdir).as_posix()
            for p in Path(workdir).rglob("*")
            if p.is_file() and p != script
        )
        # Tracebacks should point at the repository file, not at the temporary copy.
        stdout, stderr = (
            s.replace(str(script), label).replace(workdir, "<tmp>") for s in (stdout, stderr)
        )
    result = Result(label, process.returncode, stdout, stderr, seconds, files)
    if check and result.returncode != 0:
        raise SnippetError(
            f"{label}{where} failed with exit code {result.returncode}:\n{_tail(stderr)}"
        )
    if check and result.stderr.strip():
        raise SnippetError(
            f"{label}{where} wrote to stderr; readers would see this noise, so fix its cause or "
            f"filter exactly that warning in the snippet:\n{_tail(stderr)}"
        )
    return result


def run_snippet(relative_path: str, **kwargs) -> Result:
    """Run ``snippets/<relative_path>`` as a reader would: alone, in an empty folder."""
    path = SNIPPETS / relative_path
    if not path.is_file():
        raise SnippetError(f"snippets/{relative_path} does not exist")
    kwargs.setdefault("label", rel(path))
    kwargs.setdefault("filename", path.name)
    return run_code(path.read_text(encoding="utf-8"), **kwargs)


def _tail(text: str, lines: int = 40) -> str:
    rows = text.rstrip().splitlines()
    return "\n".join(rows[-lines:]) + "\n" if rows else ""


# --------------------------------------------------------------------------- expanding pages


@functools.cache
def hook_module(name: str):
    """A module of hooks/, the same code MkDocs runs during the build."""
    spec = importlib.util.spec_from_file_location(name, REPO / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def site_config():
    return load_config(str(REPO / "mkdocs.yml"))


def walkthroughs() -> dict[str, Path]:
    """Nav entry (walkthroughs/<library>/<topic>.ipynb) -> the snippet it executes."""
    entries = hook_module("walkthroughs").walkthrough_entries(site_config()["nav"])
    prefix = len(hook_module("walkthroughs").PREFIX)
    return {uri: SNIPPETS / Path(uri[prefix:]).with_suffix(".py") for uri in entries}


@functools.cache
def _snippet_preprocessor():
    """pymdownx.snippets configured exactly as mkdocs.yml configures it for the build."""
    config = site_config()
    extension_configs = dict(config["mdx_configs"])
    snippet_config = dict(extension_configs["pymdownx.snippets"])
    snippet_config["base_path"] = [str(REPO / b) for b in snippet_config.get("base_path", ["."])]
    extension_configs["pymdownx.snippets"] = snippet_config
    md = markdown.Markdown(
        extensions=config["markdown_extensions"], extension_configs=extension_configs
    )
    return md.preprocessors["snippet"]


class IncludeError(AssertionError):
    pass


@dataclass
class ExpandedPage:
    source: Path
    lines: list[str]
    origin: list[int]  # for each expanded line, the line of the page source it came from
    includes: list[tuple[int, str]] = field(default_factory=list)  # (source line, include path)
    errors: list[str] = field(default_factory=list)  # includes that failed, with page and line

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def where(self, expanded_lineno: int) -> str:
        return f"{rel(self.source)}:{self.origin[expanded_lineno - 1]}"


INCLUDE_BLOCK = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]*$")


@functools.cache
def expand_page(page: Path) -> ExpandedPage:
    """The page's Markdown after the snippet-diff hook and pymdownx.snippets, with a line map."""
    label = rel(page)
    try:
        text = hook_module("snippet_diff").expand(
            page.read_text(encoding="utf-8"), SNIPPETS, source=label
        )
    except ValueError as error:
        raise IncludeError(str(error)) from None
    # Line numbers after the hook: map generated lines back to the fence they came from.
    source_lines = page.read_text(encoding="utf-8").splitlines()
    hooked = text.splitlines()
    origin = _map_lines(source_lines, hooked)
    preprocessor = _snippet_preprocessor()
    out_lines, out_origin, includes, errors = [], [], [], []
    i = 0
    while i < len(hooked):
        group = [hooked[i]]
        # The block form of an include: a marker line, one path a line, a marker line.
        if INCLUDE_BLOCK.match(hooked[i]):
            j = i + 1
            while j < len(hooked) and not INCLUDE_BLOCK.match(hooked[j]):
                group.append(hooked[j])
                includes.append((origin[j], hooked[j].strip()))
                j += 1
            group.append(hooked[j] if j < len(hooked) else "")
        else:
            match = preprocessor.RE_ALL_SNIPPETS.match(hooked[i])
            if match and match.group("snippet") and not match.group("escape"):
                includes.append((origin[i], match.group("snippet")[1:-1]))
        try:
            expanded = preprocessor.run(list(group))
        except Exception as error:  # SnippetMissingError and friends: name the page and line
            errors.append(f"{label}:{origin[i]}: {error}")
            expanded = list(group)
        out_lines.extend(expanded)
        out_origin.extend([origin[i]] * len(expanded))
        i += len(group)
    return ExpandedPage(page, out_lines, out_origin, includes, errors)


def _map_lines(source: list[str], hooked: list[str]) -> list[int]:
    matcher = difflib.SequenceMatcher(a=source, b=hooked, autojunk=False)
    origin = [1] * len(hooked)
    for tag, i1, _, j1, j2 in matcher.get_opcodes():
        for k in range(j1, j2):
            origin[k] = (i1 + (k - j1) if tag == "equal" else i1) + 1
    return origin


# --------------------------------------------------------------------------- fences


@dataclass
class Fence:
    lineno: int  # of the opening line, in the text scanned
    lang: str
    info: str
    code: str


FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


def iter_fences(text: str) -> list[Fence]:
    """Every fenced block, nested in tabs or admonitions or not; an independent count of what is there."""
    fences, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, marker, info = (
            opening.group("indent"),
            opening.group("fence"),
            opening.group("info").strip(),
        )
        body, j = [], i + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
                break
            body.append(
                lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j].lstrip()
            )
            j += 1
        lang = re.split(r"[\s{]", info.lstrip("{. "), maxsplit=1)[0].lower() if info else ""
        fences.append(Fence(i + 1, lang, info, "\n".join(body) + ("\n" if body else "")))
        i = j + 1
    return fences


# --------------------------------------------------------------------------- programs to run


@dataclass
class Program:
    """One piece of code to run, with everywhere it appears (a snippet file and/or page blocks)."""

    code: str
    label: str
    filename: str
    shown_on: list[str] = field(default_factory=list)
    # (where, expected text, ignore whitespace) for each page that states the output
    expected_outputs: list[tuple[str, str, bool]] = field(default_factory=list)


def page_programs(page: Path) -> list[tuple[str, object]]:
    """pytest-codeblocks' view of the expanded page: (where, CodeBlock) for each Python program."""
    expanded = expand_page(page)
    if expanded.errors:
        raise IncludeError("\n".join(expanded.errors))
    blocks = extract_from_buffer(io.StringIO(expanded.text))
    return [
        (expanded.where(block.lineno), block)
        for block in blocks
        if (block.syntax or "").split(" ")[0].strip().lower() in PYTHON_LANGS
    ]


def _key(code: str) -> str:
    return code.strip("\n")  # a fence may add or drop a blank line at either end


def collect_programs() -> list[Program]:
    """Every snippet file and every Python program on every page, each distinct code run once."""
    by_code: dict[str, Program] = {}
    for path in snippet_files():
        code = path.read_text(encoding="utf-8")
        by_code.setdefault(_key(code), Program(code, rel(path), path.name))
    for page in page_files():
        try:
            programs = page_programs(page)
        except IncludeError:
            continue  # test_pages reports it; the other pages and snippets still run
        for where, block in programs:
            program = by_code.setdefault(
                _key(block.code), Program(block.code, where, "page_block.py")
            )
            program.shown_on.append(where)
            if block.expected_output is not None:
                program.expected_outputs.append(
                    (where, block.expected_output, block.expected_output_ignore_whitespace)
                )
    return list(by_code.values())


def copy_repo(destination: Path) -> Path:
    """A copy of the repository's own files (no .git, no environment, no build output)."""
    ignore = shutil.ignore_patterns(
        ".git", ".venv", ".whl", "node_modules", "site", ".cache", "__pycache__", "*.pyc"
    )
    shutil.copytree(REPO, destination, ignore=ignore)
    return destination


# --------------------------------------------------------------------------- built site


def built_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("index.html") if p.parent.name != "404")


def page_weight(site: Path, page: Path) -> int:
    """Bytes transferred on a first load, gzip-compressed as any static host serves them:
    the HTML and every local stylesheet, script and image it references (the search index,
    fetched on first use of search, aside)."""
    html = page.read_text(encoding="utf-8")
    total = len(gzip.compress(html.encode()))
    for ref in set(re.findall(r'(?:href|src)="([^"#?]+\.(?:css|js|png|svg|ico))"', html)):
        asset = (page.parent / ref).resolve()
        if asset.is_file():
            total += len(gzip.compress(asset.read_bytes()))
    return total


def build_site(
    destination: Path, repo: Path = REPO, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``mkdocs build --strict`` of ``repo`` into ``destination`` (the repository is not written);
    ``env`` adds environment variables (``{"OFFLINE": "true"}`` for the offline build)."""
    env = {
        "OFFLINE": "false",
        **(env or {}),
    }  # the online build unless asked, whatever the shell has
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(destination)],
        cwd=repo,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONDONTWRITEBYTECODE="1", **env),
        capture_output=True,
        text=True,
        timeout=900,
    )
