"""``<!-- api-index -->``: each library API the snippets use (their imports, read with ``ast``),
linked to its reference, with the page sections whose blocks show the lines using it; generated
at build time, so it cannot go stale.

Why our own: sphinx-gallery's back-references need Sphinx; mkdocstrings documents an API, not
where an example uses it.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markdown import Extension
from markdown.extensions.toc import slugify, unique
from markdown.preprocessors import Preprocessor

from engine.fences import INCLUDE, part_lines, prose_lines
from engine.paths import SNIPPETS, page_files, snippet_files

DIRECTIVE = "<!-- api-index -->"
# Top-level module: the library's name and its reference's search (every one is a Sphinx site).
LIBRARIES = {
    "torch": ("PyTorch", "https://docs.pytorch.org/docs/stable/search.html?q="),
    "torchvision": ("torchvision", "https://docs.pytorch.org/vision/stable/search.html?q="),
    "torch_geometric": ("PyG", "https://pytorch-geometric.readthedocs.io/en/latest/search.html?q="),
    "pytorch_lightning": ("Lightning", "https://lightning.ai/docs/pytorch/stable/search.html?q="),
    "lightning": ("Lightning", "https://lightning.ai/docs/pytorch/stable/search.html?q="),
    "captum": ("Captum", "https://captum.ai/api/search.html?q="),
    "backpack": ("BackPACK", "https://docs.backpack.pt/en/master/search.html?q="),
}
# Of torch itself, the building blocks a reader looks up (not torch.zeros and the like).
TORCH_PARTS = tuple(
    f"torch.{part}."
    for part in "nn optim utils.data autograd func distributed testing cuda multiprocessing".split()
)
HEADING = re.compile(
    r"^(?P<level>#{1,6})[ \t]+(?P<title>.+?)[ \t]*(?:\{[^}]*#(?P<id>[\w-]+)[^}]*\})?[ \t]*$"
)


def used_names(code: str) -> dict[str, set[int]]:
    """Each dotted name of a library that ``code`` uses, with the lines that use it."""
    tree = ast.parse(code)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                if name.asname:
                    aliases[name.asname] = name.name
                else:
                    aliases[name.name.split(".")[0]] = name.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for name in node.names:
                aliases[name.asname or name.name] = f"{node.module}.{name.name}"
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    used: dict[str, set[int]] = defaultdict(set)
    for node in ast.walk(tree):
        if id(node) in inner or not isinstance(node, ast.Attribute | ast.Name):
            continue
        parts, root = [], node
        while isinstance(root, ast.Attribute):
            parts.insert(0, root.attr)
            root = root.value
        if isinstance(root, ast.Name) and root.id in aliases:
            name = ".".join([aliases[root.id], *parts])
            if _is_api(name) and (parts or aliases[root.id] != root.id):
                used[name].add(node.lineno)
    return dict(used)


def _is_api(name: str) -> bool:
    top = name.split(".")[0]
    if top not in LIBRARIES or "." not in name:
        return False
    return top != "torch" or name.startswith(TORCH_PARTS)


@dataclass(frozen=True)
class Place:
    page: str
    page_title: str
    section: str
    anchor: str


def places(page: Path) -> list[tuple[Place, str, set[int] | None]]:
    """(place, snippet, file lines shown or None for all) of each include of the page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    headings, ids = [], set()
    for index, line in prose_lines(lines):
        if heading := HEADING.match(line):
            title = re.sub(r"[`*]", "", heading["title"])
            headings.append((index + 1, title, heading["id"] or unique(slugify(title, "-"), ids)))
    page_title = next((title for _, title, _ in headings), page.stem)
    found = []
    for number, line in enumerate(lines, 1):
        include = INCLUDE.match(line)
        if not include or not (SNIPPETS / include["path"]).is_file():
            continue
        _, section, anchor = [h for h in headings if h[0] < number][-1]
        place = Place(page.name, page_title, section, anchor)
        shown = None
        if include["part"]:
            code = (SNIPPETS / include["path"]).read_text(encoding="utf-8")
            shown = set(part_lines(code, as_shown=False).get(include["part"], []))
        found.append((place, include["path"], shown))
    return found


def index() -> dict[str, dict[str, list[Place]]]:
    """Library name -> API -> the places whose blocks use it, in page order."""
    uses = {
        path.relative_to(SNIPPETS).as_posix(): used_names(path.read_text(encoding="utf-8"))
        for path in snippet_files()
    }
    table: dict[str, dict[str, list[Place]]] = defaultdict(lambda: defaultdict(list))
    for page in page_files():
        for place, snippet, shown in places(page):
            for name, at in uses.get(snippet, {}).items():
                entry = table[LIBRARIES[name.split(".")[0]][0]][name]
                if (shown is None or at & shown) and place not in entry:
                    entry.append(place)
    return table


def render() -> list[str]:
    """The index as Markdown: a table per library, each API with the sections that use it,
    grouped by page."""
    out = []
    for library in ("PyTorch", "torchvision", "PyG", "Lightning", "Captum", "BackPACK"):
        apis = index().get(library)
        if not apis:
            continue
        out += ["", f"## {library}", "", "| API | Used in |", "| --- | --- |"]
        for name in sorted(apis, key=str.lower):
            search = LIBRARIES[name.split(".")[0]][1] + quote(name.rsplit(".", 1)[1])
            pages: dict[str, list[Place]] = defaultdict(list)
            for place in apis[name]:
                pages[place.page_title].append(place)
            used_in = "<br>".join(
                f"**{title}**: " + " · ".join(f"[{p.section}]({p.page}#{p.anchor})" for p in found)
                for title, found in pages.items()
            )
            # <wbr> after each dot: a long name wraps between its parts, never inside one
            shown = name.replace(".", ".<wbr>")
            out.append(f"| [<code>{shown}</code>]({search}) | {used_in} |")
    return out


class ApiIndexPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if DIRECTIVE not in lines:
            return lines
        at = lines.index(DIRECTIVE)
        return [*lines[:at], *render(), *lines[at + 1 :]]


class ApiIndexExtension(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(ApiIndexPreprocessor(md), "api_index", 36)


def makeExtension(**kwargs):
    return ApiIndexExtension(**kwargs)
