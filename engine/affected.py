"""What an edit to a snippet or a page affects, for `make check` (tests/conftest.py keeps those
tests): a snippet, its run, the programs showing its code, the pages including it or quoting its
numbers, and its walkthrough; a page, its programs, checks and built HTML. Wrong-answer edits are
left to `make test`: each is one more run, and they test the checks' strength, which an edit rarely
changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.pages import expand_page
from engine.paths import REPO, SNIPPETS, page_files, rel
from engine.run_values import marks
from engine.walkthroughs import walkthroughs

# The edited files, as `make check` passes them to the test run.
CHECK = "TESTED_NOTES_CHECK"
# The tests that build the site (tests/conftest.py site_build): kept whenever a page is affected.
BUILD_TESTS = {"test_build_is_strict_and_clean"}


class NotCheckable(ValueError):
    """A file `make check` does not know how to follow: run the whole suite (`make test`)."""


@dataclass
class Affected:
    """Repository paths (snippets/..., docs/...) and walkthrough nav entries."""

    snippets: set[str] = field(default_factory=set)
    pages: set[str] = field(default_factory=set)
    walkthroughs: set[str] = field(default_factory=set)
    # The pages edited themselves (all their programs run), and the code of each edited snippet
    # (the programs that show it run).
    edited_pages: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)

    def program(self, program) -> bool:
        pages = {where.split(":")[0] for where in program.shown_on}
        return (
            program.label in self.snippets
            or any(text.strip() in program.code for text in self.texts)
            or bool(pages & self.edited_pages)
        )


def affected(paths: list[str]) -> Affected:
    """Everything the files ``paths`` (relative to the repository) affect."""
    found = Affected()
    for path in paths:
        file = (REPO / path).resolve()
        name = rel(file)
        if name.startswith("snippets/") and name.endswith(".py") and file.is_file():
            found.snippets.add(name)
            found.texts.append(file.read_text(encoding="utf-8"))
            included = file.relative_to(SNIPPETS).as_posix()
            for page in page_files():
                shown = {path.split(":")[0] for _, path in expand_page(page).includes}
                # A page may also quote the snippet's printed numbers: {= value @ snippet =}.
                quoted = {
                    m.snippet for m in marks(page.read_text(encoding="utf-8").splitlines())[0]
                }
                if included in shown | quoted:
                    found.pages.add(rel(page))
            found.walkthroughs |= {
                uri for uri, snippet in walkthroughs().items() if snippet == file
            }
        elif name.startswith("docs/") and name.endswith(".md"):
            found.pages.add(name)
            found.edited_pages.add(name)
        else:
            raise NotCheckable(
                f"{path}: make check follows existing snippets/**/*.py and docs/**/*.md"
            )
    return found


def keeps(item, found: Affected) -> bool:
    """Whether the test ``item`` checks something ``found`` names."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    if params.get("cpu") is not None:
        # The other CPU settings run in CI (`.ci/run`) and `make matrix`.
        return False
    for name, value in params.items():
        if name == "program":
            return found.program(value)
        if name == "edit":
            return False
        if name == "page":
            return rel(Path(value)) in found.pages
        if name == "snippet":
            return rel(Path(value)) in found.snippets
        if name == "uri":
            return value in found.walkthroughs
    return item.originalname in BUILD_TESTS and bool(found.pages or found.walkthroughs)
