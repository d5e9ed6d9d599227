"""Every program shown on the site (a snippet file, or a page's Python block after includes; the
same code once; a block showing a file in parts is that file), and the outputs pages state for it.
pytest-codeblocks parses the blocks, so its markers keep their documented meaning.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from pytest_codeblocks import extract_from_buffer

from engine.fences import PYTHON_LANGS, Fence, IncludeError, iter_fences, prose_lines
from engine.markup import MARKER, MARKER_LIKE, is_output_marker
from engine.pages import ExpandedPage, expand_page, is_include
from engine.paths import SNIPPETS, page_files, rel, snippet_files
from engine.run_values import occurs, quoted_values


@dataclass
class Program:
    """One piece of code to run, with everywhere it appears (a snippet file and/or page blocks)."""

    code: str
    label: str
    filename: str
    shown_on: list[str] = field(default_factory=list)
    # (where, expected text, ignore whitespace) for each page that states the output.
    expected_outputs: list[tuple[str, str, bool]] = field(default_factory=list)
    # (where, value) for each number a page's prose quotes from this program's run (run_values).
    stated_values: list[tuple[str, str]] = field(default_factory=list)

    def unstated_output(self, printed: str) -> tuple[str, str] | None:
        """(where, stated text) of the first page that states other than ``printed``, or None."""
        for where, expected, ignore_whitespace in self.expected_outputs:
            if not output_matches(printed, expected, ignore_whitespace):
                return where, expected
        return None

    def unprinted_values(self, printed: str) -> list[str]:
        """Each number the pages quote from this program that it did not print, with page and line."""
        return [
            f"{where}: the page says {value!r} comes from {self.label}, which printed no such number"
            for where, value in self.stated_values
            if not occurs(value, printed)
        ]


@dataclass
class StatedOutput:
    """A ```text block after an expected-output marker, where the page's own source has it."""

    where: str
    code: str
    text: str
    ignore_whitespace: bool
    # The fence in the page source: its opening line (1-based) and indent; None when the block
    # comes from an include, so that only the included file could change it.
    opening: int | None
    indent: str


def output_matches(printed: str, expected: str, ignore_whitespace: bool = False) -> bool:
    """pytest-codeblocks' comparison, except that ignoring whitespace keeps tokens apart ("loss 1
    23" is not "loss 12 3"; pytest-codeblocks drops every space)."""
    if ignore_whitespace:
        return printed.split() == expected.split()
    return printed.rstrip("\n") == expected.rstrip("\n")


def page_programs(page: Path) -> list[tuple[str, object]]:
    """(where, pytest-codeblocks' CodeBlock) of each Python program of the expanded page; a failed
    include or a malformed marker leaves the others running (engine.markup reports both)."""
    expanded = expand_page(page)
    return [
        (expanded.where(block.lineno), block)
        for block in _blocks(expanded)
        if is_python(block) and not any(is_include(line) for line in block.code.splitlines())
    ]


def _blocks(expanded: ExpandedPage) -> list:
    """pytest-codeblocks' blocks of the page, each malformed marker blanked first (it stops at an
    unknown keyword)."""
    lines = ["" if MARKER_LIKE.search(s) and not MARKER.match(s) else s for s in expanded.lines]
    return extract_from_buffer(io.StringIO("\n".join(lines)))


def is_python(block) -> bool:
    return (block.syntax or "").split(" ")[0].strip().lower() in PYTHON_LANGS


def collect_programs() -> list[Program]:
    """Every snippet file and every Python program on every page, each distinct code once."""
    by_code: dict[str, Program] = {}
    for path in snippet_files():
        code = path.read_text(encoding="utf-8")
        by_code.setdefault(program_key(code), Program(code, rel(path), path.name))
    for page in page_files():
        try:
            programs = page_programs(page)
        # A malformed snippet-diff: tests/test_pages.py reports it; the other pages
        # and snippets still run.
        except IncludeError:
            continue
        try:
            outputs = iter([stated.where for stated in stated_outputs(page)])
        # Where an include failed, messages name the code block instead of its stated output.
        except IncludeError:
            outputs = iter([])
        for where, block in programs:
            code = code_of(expand_page(page), block)
            program = by_code.setdefault(program_key(code), Program(code, where, "page_block.py"))
            program.shown_on.append(where)
            if block.expected_output is not None:
                stated = (block.expected_output, block.expected_output_ignore_whitespace)
                program.expected_outputs.append((next(outputs, where), *stated))
        for where, value, code in quoted_values(page)[0]:
            by_code[program_key(code)].stated_values.append((where, value))
    return list(by_code.values())


def code_of(expanded: ExpandedPage, block) -> str:
    """The program a Python block of the page is: the snippet file it shows, when the block is
    nothing but includes of that one file (whole, or in parts: ``file.py:section``), so that a part
    runs as the whole file it belongs to; else the block's own code."""
    snippet = included_snippet(expanded, block.lineno)
    if snippet is None:
        return block.code
    whole = snippet.read_text(encoding="utf-8")
    # Blocks chained with `cont` arrive as one: it must hold nothing but lines of the file, in order.
    lines = iter(whole.splitlines())
    shown = [line for line in block.code.splitlines() if line.strip()]
    return whole if all(line in lines for line in shown) else block.code


def included_snippet(expanded: ExpandedPage, lineno: int) -> Path | None:
    """The one snippet file the fence opening at expanded line ``lineno`` consists of, if any."""
    fence = next((f for f in iter_fences(expanded.text) if f.lineno == lineno), None)
    if fence is None:
        return None
    source = expanded.source.read_text(encoding="utf-8").splitlines()
    body = {n for n in expanded.origin[fence.lineno : fence.end - 1] if source[n - 1].strip()}
    included = dict(expanded.includes)
    if not body or not body <= included.keys():
        return None
    files = {included[n].split(":")[0] for n in body}
    path = SNIPPETS / files.pop()
    return path if not files and path.is_file() else None


def stated_outputs(page: Path) -> list[StatedOutput]:
    """Each output the page states for one of its Python programs, with its place in the source."""
    expanded = expand_page(page)
    if expanded.errors:
        raise IncludeError("\n".join(expanded.errors))
    stated = [block for block in _blocks(expanded) if block.expected_output is not None]
    fences = _output_fences(expanded.lines)
    if len(fences) != len(stated):
        raise IncludeError(f"{rel(page)}: its expected-output markers and blocks do not pair up")
    found = []
    for block, fence in zip(stated, fences, strict=True):
        if is_python(block):
            opening = _source_opening(fence, expanded.origin)
            where = expanded.where(fence.lineno)
            ignore = block.expected_output_ignore_whitespace
            code = code_of(expanded, block)
            found.append(StatedOutput(where, code, fence.code, ignore, opening, fence.indent))
    return found


def _output_fences(lines: list[str]) -> list[Fence]:
    """The fence after each expected-output marker, in order."""
    fences = iter_fences("\n".join(lines))
    markers = [index + 1 for index, line in prose_lines(lines) if is_output_marker(line)]
    after = (next((f for f in fences if f.lineno > marker), None) for marker in markers)
    return [fence for fence in after if fence is not None]


def _source_opening(fence: Fence, origin: list[int]) -> int | None:
    """The fence's opening line in the page source, if the page itself has the whole fence there."""
    lines = origin[fence.lineno - 1 : fence.end]
    first = lines[0]
    return first if lines == list(range(first, first + len(lines))) else None


def program_key(code: str) -> str:
    """Code that is the same program: a fence may add or drop a blank line at either end."""
    return code.strip("\n")
