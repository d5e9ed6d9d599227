"""The versions every page states it was built and tested with ("Built and tested with").

The installed versions (tested_with) also key the caches of executed walkthroughs and drawn figures,
so that an upgraded library shows its own outputs, never stale ones. The range a page states for a
library comes from the last `make compat` record (lock/compat.json, scripts/compat.py): from the
oldest version in compat.toml, where its programs passed, to the pinned one. This module is also
a Markdown extension that ends each page with the line, naming the libraries its code imports
(includes expanded), so any builder that runs Python-Markdown with it shows the same line.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import tomllib
from importlib.metadata import version
from xml.etree.ElementTree import SubElement

from markdown import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from engine.paths import REPO, page_files, snippet_files
from engine.programs import Program, collect_programs, program_key

# (distribution, the name readers know it by, the modules a program imports it by)
LIBRARIES = [
    ("torch", "PyTorch", ("torch",)),
    ("torch-geometric", "PyG", ("torch_geometric",)),
    ("pytorch-lightning", "PyTorch Lightning", ("pytorch_lightning", "lightning_fabric")),
    ("captum", "Captum", ("captum",)),
    ("backpack-for-pytorch", "BackPACK", ("backpack",)),
]
DISTRIBUTIONS = [distribution for distribution, _, _ in LIBRARIES]
# The oldest version claimed of each library, and the verdicts of `make compat`.
RANGES = REPO / "compat.toml"
RECORD = REPO / "lock" / "compat.json"
# What `make setup` installs, in which every program runs (not the builders' lock, say).
LOCKS = [REPO / "lock" / "torch.txt", REPO / "lock" / "site.txt"]
# The environment of all oldest versions together (scripts/compat.py).
ALL = "all-oldest"
IMPORT = re.compile(r"^[ \t>]*(?:from|import)[ \t]+(\w+)", re.MULTILINE)


def tested_with() -> list[tuple[str, str]]:
    return [("Python", platform.python_version())] + [
        (label, version(package)) for package, label, _ in LIBRARIES
    ]


def imported(code: str) -> set[str]:
    """The distributions of LIBRARIES that ``code`` imports."""
    modules = set(IMPORT.findall(code))
    return {dist for dist, _, names in LIBRARIES if modules & set(names)}


def inputs_digest() -> dict[str, str]:
    """What a record is made from: the lock files of the programs' environment and the declared
    ranges, each as a sha256."""
    locks = hashlib.sha256()
    for path in LOCKS:
        locks.update(path.name.encode() + b"\0" + path.read_bytes())
    # The ranges as parsed: a comment edited in compat.toml does not call for a new run.
    declared = json.dumps(tomllib.loads(RANGES.read_text(encoding="utf-8")), sort_keys=True)
    return {"locks": locks.hexdigest(), "ranges": hashlib.sha256(declared.encode()).hexdigest()}


def load_record() -> dict:
    return json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}


def is_current(record: dict) -> bool:
    """Whether ``record`` was made from the lock files and ranges there are now."""
    return all(record.get(key) == value for key, value in inputs_digest().items())


def digest(program: Program) -> str:
    """A program's identity in the record: its code (as engine.programs tells programs apart) and
    what the pages state it prints, which its verdict also rests on."""
    stated = [[text, blanks] for _, text, blanks in program.expected_outputs]
    stated += [value for _, value in program.stated_values]
    identity = json.dumps([program_key(program.code), stated])
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


_programs: dict[str, dict[str, set[str]]] = {}


def current_programs() -> dict[str, set[str]]:
    """{digest: the libraries it imports} of every program there is now. Kept for the same pages
    and snippets, by their text: the build asks once per page, `mkdocs serve` after each edit."""
    files = [*page_files(), *snippet_files()]
    key = hashlib.sha256(b"".join(path.read_bytes() + b"\0" for path in files)).hexdigest()
    if key not in _programs:
        found = {digest(program): imported(program.code) for program in collect_programs()}
        _programs.clear()
        _programs[key] = found
    return _programs[key]


def verdicts(environment: dict) -> dict[str, list[str]]:
    """{digest: [verdict, first differing line]} of what an environment of the record ran."""
    digests, firsts = environment.get("digests", {}), environment.get("first_difference", {})
    found = environment.get("programs", {})
    return {
        digests[label]: [verdict, firsts.get(label, "")]
        for label, verdict in found.items()
        if label in digests
    }


def reusable(record: dict, name: str, installed: dict) -> dict[str, list[str]]:
    """The verdicts `make compat` need not run again in environment ``name``: recorded from the
    lock files and ranges there are now, with the same versions installed (the same code, then)."""
    environment = record.get("environments", {}).get(name, {})
    if not is_current(record) or environment.get("installed") != installed:
        return {}
    return verdicts(environment)


def found(environments: dict, dist: str, programs: dict[str, set[str]]) -> list[str]:
    """The verdicts, in the library's environment and in the one of all oldest together, of each
    program there is now that imports ``dist`` ("none" where the record has no verdict)."""
    own, together = verdicts(environments.get(dist, {})), verdicts(environments.get(ALL, {}))
    users = [key for key, libraries in programs.items() if dist in libraries]
    return [v[0] for key in users for v in (own.get(key, ["none"]), together.get(key, ["none"]))]


def unrecorded(record: dict, programs: dict[str, set[str]] | None = None) -> list[str]:
    """The libraries (by the names readers know) that the pages state only pinned because a
    program importing them has no verdict in the record yet."""
    programs = current_programs() if programs is None else programs
    environments = record.get("environments", {})
    return [
        label
        for dist, label, _ in LIBRARIES
        if dist in environments and "none" in found(environments, dist, programs)
    ]


def ranges(
    record: dict,
    pinned: dict[str, str] | None = None,
    programs: dict[str, set[str]] | None = None,
) -> dict[str, str]:
    """Per library, the versions that passed, as a page states them: "2.6.1–2.8.1"; with "(outputs
    shown are from 2.8.1)" where an older one printed otherwise but its checks passed. The pinned
    version alone where a program there is now that imports the library failed, in the library's
    environment or in the one of all oldest versions together, or has no verdict in either (it
    changed, or came, after the record: `make compat` was not rerun)."""
    pinned = pinned or {dist: version(dist) for dist in DISTRIBUTIONS}
    programs = current_programs() if programs is None else programs
    environments = record.get("environments", {})
    stated = {}
    for dist in DISTRIBUTIONS:
        verdicts_now = found(environments, dist, programs)
        oldest = environments.get(dist, {}).get("installed", {}).get(dist, [pinned[dist]])[0]
        passed = set(verdicts_now) <= {"pass", "prints differently"}
        if not verdicts_now or not passed or oldest == pinned[dist]:
            stated[dist] = pinned[dist]
            continue
        stated[dist] = f"{oldest}–{pinned[dist]}"
        if "prints differently" in verdicts_now:
            stated[dist] += f" (outputs shown are from {pinned[dist]})"
    return stated


def line(libraries: set[str], record: dict | None = None) -> list[tuple[str, str]]:
    """(name, versions) for the line of a page whose code imports ``libraries``; a page without
    any (the home page, the API index) states every library: the site as a whole."""
    stated = ranges(load_record() if record is None else record)
    chosen = libraries or set(DISTRIBUTIONS)
    named = [(label, stated[dist]) for dist, label, _ in LIBRARIES if dist in chosen]
    return [("Python", platform.python_version()), *named]


def html(pairs: list[tuple[str, str]]) -> str:
    """The line; out of the search index, as the footer line was (every page would match)."""
    shown = ", ".join(f"{name}&nbsp;{versions}" for name, versions in pairs)
    return f'<p class="tested-with" data-search-exclude>Built and tested with {shown}.</p>'


class ImportsSeen(Preprocessor):
    """Notes the libraries the page's code imports, after pymdownx.snippets has expanded the
    includes (its priority is 32) and before the fences are stashed away (25)."""

    def run(self, lines: list[str]) -> list[str]:
        self.md.tested_libraries = imported("\n".join(lines))
        return lines


class TestedWithLine(Treeprocessor):
    """Ends the page with its "Built and tested with" line: raw HTML, stashed, after the table of
    contents is made (a postprocessor would also run on each heading's text, for the anchors)."""

    def run(self, root) -> None:
        pairs = line(getattr(self.md, "tested_libraries", set()))
        SubElement(root, "p").text = self.md.htmlStash.store(html(pairs))


class TestedWithExtension(Extension):
    def extendMarkdown(self, md) -> None:
        md.preprocessors.register(ImportsSeen(md), "tested_with_imports", 31)
        md.treeprocessors.register(TestedWithLine(md), "tested_with_line", 1)


def makeExtension(**kwargs) -> TestedWithExtension:
    return TestedWithExtension(**kwargs)
