"""Numbers in prose that a program prints: ``{= 25 =}`` (the program of the nearest Python block
above) or ``{= 25 @ pyg/gcn.py =}``. The site shows ``25``; tests/test_snippets.py requires the
program to print that value as a whole token, so an edit by hand fails with its page and line.

Why our own: no maintained Python-Markdown extension checks prose against a program's output
(mkdocs-macros runs Jinja at build time, as an MkDocs plugin); like Jupyter Book's ``glue``, but
readable in the Markdown source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor

from engine.fences import IncludeError, prose_lines
from engine.paths import SNIPPETS, rel

MARK = re.compile(r"\{=\s*(?P<value>[^@{}=]+?)\s*(?:@\s*(?P<snippet>[^\s@{}=]+)\s*)?=\}")
# Anything that opens or closes a mark: one that MARK does not match as a whole is malformed.
MARK_LIKE = re.compile(r"\{=|=\}")
CODE_SPAN = re.compile(r"(`+).+?\1")


@dataclass
class Mark:
    lineno: int
    value: str
    snippet: str | None


def outside_code_spans(line: str, replace) -> str:
    """``line`` with ``replace`` applied to each stretch outside inline code."""
    out, last = [], 0
    for span in CODE_SPAN.finditer(line):
        out += [replace(line[last : span.start()]), span.group(0)]
        last = span.end()
    return "".join([*out, replace(line[last:])])


def marks(lines: list[str]) -> tuple[list[Mark], list[int]]:
    """The marks of a page's lines (1-based line numbers), and the lines with a malformed one."""
    found, malformed = [], []
    for index, line in prose_lines(lines):
        seen: list[Mark] = []

        def collect(text: str, seen=seen, lineno=index + 1) -> str:
            seen += [Mark(lineno, m["value"], m["snippet"]) for m in MARK.finditer(text)]
            if MARK_LIKE.search(MARK.sub("", text)):
                malformed.append(lineno)
            return text

        outside_code_spans(line, collect)
        found += seen
    return found, malformed


def render(lines: list[str]) -> list[str]:
    """The lines as the reader gets them: each mark replaced by its value."""
    rendered = list(lines)
    for index, line in prose_lines(lines):
        rendered[index] = outside_code_spans(line, lambda text: MARK.sub(r"\g<value>", text))
    return rendered


def occurs(value: str, printed: str) -> bool:
    """Whether ``printed`` holds ``value`` as a whole token: not inside a longer number or word
    (``0.5`` is not in ``0.53``, ``25`` not in ``125``, ``2.6`` not in ``-2.6``; ``25`` is in
    ``25%``)."""
    return re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w]|\.\d)", printed) is not None


def quoted_values(page: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(where, value, program code) of each number the page's prose quotes from a program's run
    (engine.run_values), and the marks that name no program, with page and line."""
    # Here: engine.programs imports this module.
    from engine.pages import expand_page
    from engine.programs import code_of, page_programs

    source = page.read_text(encoding="utf-8").splitlines()
    found, malformed = marks(source)
    problems = [
        f"{rel(page)}:{n}: a {{= ... =}} mark that is not {{= value =}} or "
        "{= value @ library/topic.py =}"
        for n in malformed
    ]
    try:
        expanded = expand_page(page)
        blocks = [
            (expanded.origin[b.lineno - 1], code_of(expanded, b)) for _, b in page_programs(page)
        ]
    except IncludeError:
        return [], problems
    quoted = []
    for mark in found:
        where = f"{rel(page)}:{mark.lineno}"
        code = _program_of(mark, blocks, SNIPPETS)
        if isinstance(code, str):
            quoted.append((where, mark.value, code))
        else:
            problems.append(f"{where}: {mark.value!r} {code[0]}")
    return quoted, problems


def _program_of(mark: Mark, blocks: list[tuple[int, str]], snippets: Path) -> str | tuple[str]:
    """The code of the program ``mark`` quotes, or (why there is none,)."""
    if mark.snippet:
        path = snippets / mark.snippet
        if not path.is_file():
            return (f"is marked as printed by {mark.snippet}, which is not a file in snippets/",)
        return path.read_text(encoding="utf-8")
    above = [code for line, code in blocks if line < mark.lineno]
    if not above:
        return (f"has no program above it: name one, {{= {mark.value} @ library/topic.py =}}",)
    return above[-1]


class RunValuesPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return render(lines)


class RunValuesExtension(Extension):
    def extendMarkdown(self, md):
        # Before pymdownx.snippets (32): the page's own lines, not the code it includes.
        md.preprocessors.register(RunValuesPreprocessor(md), "run_values", 34)


def makeExtension(**kwargs):
    return RunValuesExtension(**kwargs)
