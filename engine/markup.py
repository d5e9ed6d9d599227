"""Markup that would let a program or its stated output go unchecked, every place at once with its
page and line: pytest-codeblocks is silent about what it does not recognise (a misspelt marker, a
```pycon session, an indented block, an output marker after a shell block), an include outside a
fence shows code as prose, and raw HTML could run a script of the page's own.
"""

from __future__ import annotations

import re
from pathlib import Path

import markdown
from markdown.blockprocessors import CodeBlockProcessor

from engine.fences import PYTHON_LANGS, Fence, iter_fences, prose_lines
from engine.pages import ExpandedPage, expand_page, is_include, site_config
from engine.paths import rel
from engine.run_values import CODE_SPAN

# Every language a fence on the site may have: Python (run), its stated output (text), commands
# for the reader's shell (sh, bash: commands only), generated comparisons, and data formats.
OTHER_LANGS = {"text", "sh", "bash", "snippet-diff", "yaml", "toml", "json", "ini", "diff"}
KNOWN_LANGS = PYTHON_LANGS | OTHER_LANGS
# Languages that look like Python but are not run as programs.
SESSION_LANGS = {"pycon", "ipython", "ipython3", "python-repl", "pytb", "py3tb"}
# Shell sessions: a reader takes their lines for commands and what they printed, which nothing checks.
SHELL_SESSION_LANGS = {"console", "shell-session", "sh-session", "bash-session"}

# Anything that looks like a pytest-codeblocks marker, spelt right or not ...
MARKER_LIKE = re.compile(r"<!--.*code-?blocks?\s*:", re.IGNORECASE)
# ... and the one way to write one here.
MARKER = re.compile(
    r"^[ \t]*<!--pytest-codeblocks:(?P<keyword>cont|expected-output(-ignore-whitespace)?"
    r"|skip|skipif\(.*\)|importorskip\(.*\))-->[ \t]*$"
)


def problems(page: Path) -> list[str]:
    """Every place on ``page`` where markup hides a program or an output from the checks."""
    expanded = expand_page(page)
    fences = iter_fences(expanded.text)
    return sorted(
        [
            *fence_problems(expanded, fences),
            *marker_problems(expanded, fences),
            *source_problems(page),
            *indented_code(expanded),
        ],
        # All on this page: by line.
        key=lambda problem: int(problem.split(": ", 1)[0].rsplit(":", 1)[1]),
    )


def fence_problems(expanded: ExpandedPage, fences: list[Fence]) -> list[str]:
    found = []
    for fence in fences:
        where = expanded.where(fence.lineno)
        if fence.lang in SESSION_LANGS:
            found.append(
                f"{where}: a ```{fence.lang} block is never run; show a ```python block and state "
                "its output after a <!--pytest-codeblocks:expected-output--> marker"
            )
        elif fence.lang in SHELL_SESSION_LANGS:
            found.append(
                f"{where}: a ```{fence.lang} block reads as commands with their output, which nothing "
                "checks; show the commands in a ```sh block, and a program's output after a "
                "<!--pytest-codeblocks:expected-output--> marker"
            )
        elif fence.lang not in KNOWN_LANGS:
            found.append(
                f"{where}: unknown fence language {fence.lang or '(none)'!r}; known: "
                + ", ".join(sorted(KNOWN_LANGS))
            )
        # A ```text block reads as a program's output wherever it stands ("It prints:" between
        # it and the code): each must be a stated output, right under its marker.
        elif fence.lang == "text" and not is_output_marker(
            next((s for s in reversed(expanded.lines[: fence.lineno - 1]) if s.strip()), "")
        ):
            found.append(
                f"{where}: this output block has no <!--pytest-codeblocks:expected-output--> "
                "marker right above it, so nothing checks it; state a program's output under one, "
                "or show other text in another form"
            )
    return found


def is_output_marker(line: str) -> bool:
    marker = MARKER.match(line)
    return bool(marker) and marker["keyword"].startswith("expected-output")


def marker_problems(expanded: ExpandedPage, fences: list[Fence]) -> list[str]:
    """A malformed marker; an expected-output marker not between a Python block and its output."""
    found = []
    for index, line in prose_lines(expanded.lines):
        n, where = index + 1, expanded.where(index + 1)
        if MARKER_LIKE.search(line) and not MARKER.match(line):
            found.append(
                f"{where}: malformed marker {line.strip()!r}; write "
                "<!--pytest-codeblocks:expected-output--> (or another keyword) exactly"
            )
        if not is_output_marker(line):
            continue
        before = [f for f in fences if f.end <= n]
        after = next((f for f in fences if f.lineno > n), None)
        if not before or before[-1].lang not in PYTHON_LANGS:
            what = f"a ```{before[-1].lang} block" if before else "no block"
            found.append(f"{where}: this expected-output marker follows {what}, not a Python block")
        if after is None or any(s.strip() for s in expanded.lines[n : after.lineno - 1]):
            found.append(
                f"{where}: this expected-output marker is not directly above an output block"
            )
    return found


# HTML in a page that would run or load something of its own: scripts, frames, embedded objects,
# a <meta http-equiv> (a refresh redirects the reader; a policy could loosen the site's), and
# inline event handlers. Only the theme's and the site's templates run scripts (engine.csp).
ACTIVE_HTML = re.compile(
    r"<\s*(?P<tag>script|iframe|frame|object|embed)\b"
    r"|<\s*meta\b[^>]*\bhttp-equiv"
    r"|<\s*[a-z][\w-]*\b[^>]*\s(?P<handler>on[a-z]+)\s*=",
    re.IGNORECASE,
)


def source_problems(page: Path) -> list[str]:
    """In the page's own prose: an include (which would show a snippet as prose, untested), and
    raw HTML that would run or load something."""
    found = []
    for index, line in prose_lines(page.read_text(encoding="utf-8").splitlines()):
        where = f"{rel(page)}:{index + 1}"
        if is_include(line):
            found.append(
                f"{where}: an include outside a code fence; put it inside a ```python fence"
            )
        match = ACTIVE_HTML.search(CODE_SPAN.sub("", line))
        if match:
            what = match["tag"] or match["handler"] or "meta http-equiv"
            found.append(
                f"{where}: raw HTML that runs or loads something ({what}): a page runs no "
                "script of its own, only the theme's (the Content-Security-Policy refuses it)"
            )
    return found


def indented_code(expanded: ExpandedPage) -> list[str]:
    """Indented code blocks, found by Python-Markdown's own parser (with the site's extensions, so
    the content of an admonition or a tab is not taken for one)."""
    found = []
    for block in _indented_blocks(expanded.text):
        first = next(line.strip() for line in block.splitlines() if line.strip())
        n = next((n for n, line in enumerate(expanded.lines, 1) if line.strip() == first), 1)
        found.append(
            f"{expanded.where(n)}: an indented code block is never run or highlighted; "
            "use a fenced block with a language"
        )
    return found


def _indented_blocks(text: str) -> list[str]:
    config = site_config()
    extensions = [e for e in config["markdown_extensions"] if e != "pymdownx.snippets"]
    configs = {k: v for k, v in config["mdx_configs"].items() if k in extensions}
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)
    processor = md.parser.blockprocessors["code"]
    original, found = processor.run, []

    def run(parent, blocks):
        # superfences' processor is asked about every block; Python-Markdown's own test says
        # which one is an indented code block.
        if CodeBlockProcessor.test(processor, parent, blocks[0]):
            found.append(blocks[0])
        return original(parent, blocks)

    processor.run = run
    md.convert(text)
    return found
