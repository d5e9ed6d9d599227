"""MkDocs hook: executed walkthroughs, built from the same snippet files the tests run.

A nav entry ``walkthroughs/<library>/<topic>.ipynb`` stands for ``snippets/<library>/<topic>.py``
(a plain script with jupytext ``# %%`` cells). This hook executes that file as a notebook and hands
the executed notebook to mkdocs-jupyter, which renders it as a page; the page offers the ``.py``
and the ``.ipynb`` for download. It also states the tested versions on every page and generates
the "Computation times" page.

Why the hook executes rather than mkdocs-jupyter's ``execute: true``:
- its cache keys on the file and the plugin's settings only, so an upgraded library would keep
  showing stale outputs; here the key is the file's content plus the Python and library versions;
- it lets failing cells render their traceback by default (``allow_errors``) and has no time limit;
  here a raising cell fails the build with the file, cell and line named, and cells have a timeout;
- it runs code from the MkDocs root (the repository); here notebooks run in an empty temporary
  folder, as the tests run snippets;
- the times page needs every execution time before pages render.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import platform
import re
import struct
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

PREFIX = "walkthroughs/"
TIMES_PAGE = "computation-times.md"
CELL_TIMEOUT = 300  # seconds; the slowest cell of any walkthrough takes a fraction of this

# Versions stated on every page ("Tested with") and part of the cache key.
LIBRARIES = [
    ("torch", "PyTorch"),
    ("torch-geometric", "PyG"),
    ("pytorch-lightning", "PyTorch Lightning"),
    ("captum", "Captum"),
    ("backpack-for-pytorch", "BackPACK"),
]

# What the kernel's environment adds to the reader's. Nothing that hides output: a warning a
# reader would see in Jupyter shows on the page too (and fails the build, as stderr does), so a
# snippet filters a library's warning itself, in code the reader sees. Part of the cache key.
KERNEL_ENV = {
    # Two kernels run at once, one per core; more threads only fight.
    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def cache_root() -> Path:
    """Outside the repository, so builds (and the tests' builds) never write into it."""
    base = os.environ.get("TESTED_NOTES_CACHE") or Path.home() / ".cache" / "tested-notes"
    return Path(base)


def tested_with() -> list[tuple[str, str]]:
    return [("Python", platform.python_version())] + [
        (label, version(package)) for package, label in LIBRARIES
    ]


def walkthrough_entries(nav) -> list[str]:
    """Every ``walkthroughs/...`` page named in the nav, in nav order."""
    found = []
    if isinstance(nav, str):
        return [nav] if nav.startswith(PREFIX) else []
    if isinstance(nav, dict):
        nav = list(nav.values())
    for item in nav or []:
        found += walkthrough_entries(item)
    return found


def cell_lines(source: str) -> list[int]:
    """1-based line of each jupytext percent cell in ``source`` (line 1 if it has no marker)."""
    starts = [n for n, line in enumerate(source.splitlines(), 1) if line.startswith("# %%")]
    return starts if starts and starts[0] == 1 else [1, *starts]


class WalkthroughError(Exception):
    pass


def execute(snippet: Path, label: str) -> dict:
    """Execute ``snippet`` as a notebook; return its cache record (cached by content and versions)."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    source = snippet.read_text(encoding="utf-8")
    key = hashlib.sha256(json.dumps([source, tested_with(), KERNEL_ENV]).encode()).hexdigest()[:16]
    # The path ends in walkthroughs/<library>/<topic>.ipynb, which mkdocs-jupyter's include matches.
    folder = cache_root() / key / "walkthroughs" / snippet.parent.name
    notebook_path = folder / f"{snippet.stem}.ipynb"
    record_path = folder / f"{snippet.stem}.json"
    if notebook_path.exists() and record_path.exists():
        return {
            **json.loads(record_path.read_text()),
            "notebook": str(notebook_path),
            "cached": True,
        }

    notebook = jupytext.reads(source, fmt="py:percent")
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    lines = cell_lines(source)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="walkthrough-") as workdir:
        client = NotebookClient(
            notebook,
            km=kernel_manager(Path(workdir) / ".kernels"),
            timeout=CELL_TIMEOUT,
            allow_errors=False,
            # The kernel's own log (e.g. a notice about its local TCP transport) is not for readers.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            resources={"metadata": {"path": workdir}},
        )
        try:
            client.execute()
        except CellExecutionError as error:
            index = next((i for i, cell in enumerate(notebook.cells) if _has_error(cell)), None)
            where = f"cell {index + 1} (line {lines[index]})" if index is not None else "a cell"
            raise WalkthroughError(
                f"{label}: {where} raised:\n{_ANSI.sub('', str(error))}"
            ) from None
        except TimeoutError as error:
            raise WalkthroughError(
                f"{label}: a cell ran longer than {CELL_TIMEOUT} s: {error}"
            ) from None
    seconds = time.perf_counter() - start
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                raise WalkthroughError(
                    f"{label}: cell {index + 1} (line {lines[index]}) wrote to stderr, which readers "
                    f"would see on the page:\n{output.get('text', '')}"
                )
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "seconds": round(seconds, 2),
        "executed": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    # Written aside, then renamed: a build running at the same time never reads half a file.
    for path, text in [
        (notebook_path, nbformat.writes(notebook)),
        (record_path, json.dumps(record)),
    ]:
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    return {**record, "notebook": str(notebook_path), "cached": False}


def kernel_manager(folder: Path):
    """A kernel of this very interpreter, whatever kernels the user has installed under the name
    "python3"."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    spec = folder / "tested-notes"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3",
                "language": "python",
                "env": KERNEL_ENV,
            }
        )
    )
    specs = KernelSpecManager(kernel_dirs=[str(folder)])
    return KernelManager(kernel_name="tested-notes", kernel_spec_manager=specs)


def _has_error(cell) -> bool:
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


# ----------------------------------------------------------------------------- MkDocs events

_state: dict = {}


def on_config(config):
    config.extra["tested_with"] = tested_with()
    # mkdocs-jupyter's own render cache: next to ours, outside the repository.
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None:
        plugin.config["cache_dir"] = str(cache_root() / "mkdocs-jupyter")
    return config


@event_priority(50)  # before mkdocs-jupyter turns notebook files into pages
def on_files(files, config):
    root = Path(config.config_file_path).parent
    entries = walkthrough_entries(config.nav)
    jobs = []
    for uri in entries:
        if not uri.endswith(".ipynb"):
            raise PluginError(
                f"mkdocs.yml nav: {uri} must end in .ipynb (walkthroughs are notebooks)"
            )
        snippet = root / "snippets" / Path(uri[len(PREFIX) :]).with_suffix(".py")
        if not snippet.is_file():
            raise PluginError(
                f"mkdocs.yml nav names {uri}, but {snippet.relative_to(root)} does not exist"
            )
        jobs.append((uri, snippet, snippet.relative_to(root).as_posix()))

    # Two at a time: each kernel mostly waits on its own imports and compute.
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            records = list(pool.map(lambda job: execute(job[1], job[2]), jobs))
    except WalkthroughError as error:
        raise PluginError(str(error)) from None

    _state["walkthroughs"] = {}
    for (uri, snippet, label), record in zip(jobs, records, strict=True):
        stem = Path(uri).stem
        page_dir = uri[: -len(".ipynb")]
        # A File with a real src_dir, not File.generated: mkdocs-jupyter's wrapper derives the
        # notebook's path from src_dir, which generated files lack.
        notebook_root = record["notebook"][: -len(uri)]
        files.append(File(uri, notebook_root, config.site_dir, config.use_directory_urls))
        # Downloads next to the page: the script and the executed notebook. In memory, so that
        # mkdocs-jupyter does not mistake the notebook copy for another page.
        for name, path in [(f"{stem}.py", snippet), (f"{stem}.ipynb", Path(record["notebook"]))]:
            files.append(File.generated(config, f"{page_dir}/{name}", content=path.read_bytes()))
        _state["walkthroughs"][uri] = {**record, "snippet": label}
    files.append(File.generated(config, TIMES_PAGE, content=times_page(_state["walkthroughs"])))
    return files


def times_page(walkthroughs: dict) -> str:
    rows = sorted(walkthroughs.items(), key=lambda item: -item[1]["seconds"])
    total = sum(record["seconds"] for record in walkthroughs.values())
    lines = [
        "---",
        "description: How long each executed walkthrough took to run when the site was built.",
        "---",
        "",
        "# Computation times",
        "",
        f"The walkthroughs took **{total:.1f} s** in total to execute, on the machine that built this",
        "site. Results are cached by each file's content and the library versions, so a walkthrough",
        "runs again only when its code or a version changes.",
        "",
        "| Walkthrough | Snippet | Time | Executed |",
        "| --- | --- | ---: | --- |",
    ]
    for uri, record in rows:
        lines.append(
            f"| [{Path(uri).stem}]({uri}) | `{record['snippet']}` | {record['seconds']:.1f} s "
            f"| {record['executed']} |"
        )
    return "\n".join(lines) + "\n"


def on_page_context(context, page, config, nav):
    """Edit buttons: a walkthrough is edited in its snippet; the times page is not edited at all."""
    record = _state.get("walkthroughs", {}).get(page.file.src_uri)
    if record and config.repo_url:
        page.edit_url = f"{config.repo_url.rstrip('/')}/edit/main/{record['snippet']}"
    elif page.file.src_uri == TIMES_PAGE:
        page.edit_url = None
    return context


def slim(html_text: str, figure_titles: list[str]) -> str:
    """mkdocs-jupyter's page without its 600 KB of inlined JupyterLab CSS and its scripts.

    Code cells become ordinary Material code blocks (its highlighting and copy button apply), the
    template's own copy widgets go, and figures get the title of their cell as alt text.
    docs/stylesheets/extra.css styles what remains. The tests check the page weight.
    """
    for pattern in (
        r"<style[^>]*>.*?</style>",
        r"<script[^>]*>.*?</script>",  # MathJax, mermaid (from a CDN) and require.js loaders
        r"<!--.*?-->",
        r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>',
        r'<div class="clipboard-copy-txt"[^>]*>.*?</div>',
    ):
        html_text = re.sub(pattern, "", html_text, flags=re.DOTALL)
    html_text = re.sub(
        r'<div class="highlight-ipynb hl-python"><pre><span></span>(.*?)</pre></div>',
        r'<div class="language-python highlight"><pre><span></span><code>\1</code></pre></div>',
        html_text,
        flags=re.DOTALL,
    )
    titles = iter(figure_titles)
    html_text = re.sub(
        r'<img alt="[^"]*"',
        lambda _: f'<img alt="{html.escape(next(titles, "Figure"), quote=True)}"',
        html_text,
    )
    # The figure's size on the tag lets the browser keep its place before the image is decoded,
    # so nothing below it jumps (Lighthouse's layout-shift score).
    return re.sub(
        r'<img (?=[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]{32}))', _sized, html_text
    )


def _sized(match: re.Match) -> str:
    header = base64.b64decode(match.group(1))  # PNG signature, then IHDR: width, height
    width, height = struct.unpack(">II", header[16:24])
    return f'<img width="{width}" height="{height}" '


def figure_titles(notebook_path: str) -> list[str]:
    """For each image output of the notebook, in order, the title of its cell (``# %% Title``)."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    return [
        cell.metadata.get("title") or "Figure"
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]


def on_page_content(html_text, page, config, files):
    record = _state.get("walkthroughs", {}).get(page.file.src_uri)
    if not record:
        return html_text
    html_text = slim(html_text, figure_titles(record["notebook"]))
    stem = Path(page.file.src_uri).stem
    # The downloads sit in the page's folder: next to the page with directory URLs (…/cnn/), one
    # level down from it without them (make offline: …/cnn.html, files in …/cnn/).
    here = "" if config.use_directory_urls else f"{stem}/"
    downloads = (
        '<p class="walkthrough-downloads">'
        f"This page is <code>{html.escape(record['snippet'])}</code>, executed when the site was built "
        f"({record['seconds']:.1f} s). Download it: "
        f'<a href="{here}{stem}.py" download>{stem}.py</a> · '
        f'<a href="{here}{stem}.ipynb" download>{stem}.ipynb</a></p>'
    )
    return downloads + html_text
