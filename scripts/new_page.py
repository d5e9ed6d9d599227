"""Create a new page with a tested snippet, and its nav entry, in one command.

    make page LIB=jax TOPIC=first_steps
    python scripts/new_page.py jax first_steps

writes docs/jax.md (including snippets/jax/first_steps.py) and adds the page to the nav in
mkdocs.yml, before the Walkthroughs section. The result builds strictly and its snippet is tested
at once; then replace the example with yours (CONTRIBUTING.md says how).
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from engine.paths import REPO

NAME = re.compile(r"^[a-z][a-z0-9_]*$")

SNIPPET = """\
# %% A first, seeded computation: replace it with the idea this page explains
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

batch = torch.randn(4, 3, device=device)
row_norms = batch.norm(dim=1)
print(row_norms.shape)
"""

PAGE = """\
---
description: Tested notes on {title}, starting with {topic_words}.
---

# {title}

Notes on {title}: what it is for, with code that the test suite runs on every change.

## {topic_title}

```python title="snippets/{library}/{topic}.py" linenums="1"
--8<-- "{library}/{topic}.py"
```

It prints the shape of the result, one norm per row of the batch:

<!--pytest-codeblocks:expected-output-->
```text
torch.Size([4])
```

The snippet lives in `snippets/{library}/{topic}.py`. Change it and this page together: the tests
run the file in an empty folder and compare its output with the block above.
"""


# The snippet's first wrong-answer edit (tests/test_wrong_answers.py): replace it with the nearest
# wrong answer to the claim the page makes.
WRONG_ANSWERS = """\
# Wrong-answer edits for snippets/{library}/: each must make its snippet fail
# (tests/test_wrong_answers.py), by an assertion or by printing other than its page states.

[[edit]]
snippet = "{library}/{topic}.py"
claim = "The norm is taken over each row (dim=1), not over each column"
old = "dim=1"
new = "dim=0"
"""


def title_of(name: str) -> str:
    return name.replace("_", " ").title()


def with_nav_entry(mkdocs_yml: Path, title: str, page: str) -> str:
    """The text of mkdocs.yml with the page added to the nav, before the Walkthroughs section."""
    text = mkdocs_yml.read_text(encoding="utf-8")
    marker = "  - Walkthroughs:\n"
    if marker not in text:
        sys.exit("mkdocs.yml has no Walkthroughs section in its nav: add the page by hand")
    return text.replace(marker, f"  - {title}: {page}\n{marker}", 1)


def with_third_party(ruff_toml: Path, library: str) -> str | None:
    """snippets/ruff.toml with the library among the known third-party modules, or None if it is
    there already. Without this, ruff reads the new folder snippets/<library>/ as a first-party
    package, and sorts `import <library>` apart from the other libraries in every snippet."""
    text = ruff_toml.read_text(encoding="utf-8")
    match = re.search(r"^known-third-party = \[(.*)\]$", text, flags=re.MULTILINE)
    if match is None:
        sys.exit(f"{ruff_toml.name} has no known-third-party list: add {library!r} by hand")
    names = re.findall(r'"([^"]+)"', match.group(1))
    if library in names:
        return None
    listed = ", ".join(f'"{name}"' for name in sorted([*names, library]))
    return text[: match.start()] + f"known-third-party = [{listed}]" + text[match.end() :]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", help="lower-case name, e.g. jax (the page is docs/<library>.md)")
    parser.add_argument("topic", help="lower-case name, e.g. first_steps (the snippet's file name)")
    args = parser.parse_args(argv)
    for value in (args.library, args.topic):
        if not NAME.match(value):
            sys.exit(f"{value!r}: use lower-case letters, digits and underscores, first a letter")
    # A reader runs `python <topic>.py`, which puts the file's folder first on sys.path: a snippet
    # named like a module it imports (torch.py, random.py) imports itself instead.
    if args.topic in sys.stdlib_module_names or args.topic in packages_distributions():
        sys.exit(
            f"{args.topic!r} is the name of a Python module: a snippet {args.topic}.py would "
            f"import itself instead of it. Name the topic after the idea, e.g. {args.topic}_basics"
        )
    create(REPO, args.library, args.topic)


def create(repo: Path, library: str, topic: str) -> None:
    """Write the page, the snippet, its wrong-answer edit, the nav entry and the ruff setting;
    every check comes first."""
    page = repo / "docs" / f"{library}.md"
    snippet = repo / "snippets" / library / f"{topic}.py"
    wrong_answers = repo / "tests" / "wrong_answers" / f"{library}.toml"
    for path in (page, snippet, wrong_answers):
        if path.exists():
            sys.exit(f"{path.relative_to(repo)} exists already: nothing was written")
    title = title_of(library)
    mkdocs_yml, ruff_toml = repo / "mkdocs.yml", repo / "snippets" / "ruff.toml"
    nav = with_nav_entry(mkdocs_yml, title, f"{library}.md")
    third_party = with_third_party(ruff_toml, library)

    snippet.parent.mkdir(parents=True, exist_ok=True)
    snippet.write_text(SNIPPET, encoding="utf-8")
    words = {"topic_title": title_of(topic).capitalize(), "topic_words": topic.replace("_", " ")}
    page.write_text(PAGE.format(title=title, library=library, topic=topic, **words), "utf-8")
    wrong_answers.write_text(WRONG_ANSWERS.format(library=library, topic=topic), "utf-8")
    mkdocs_yml.write_text(nav, encoding="utf-8")
    if third_party is not None:
        ruff_toml.write_text(third_party, encoding="utf-8")
    for path in (page, snippet, wrong_answers, mkdocs_yml, ruff_toml)[: 5 if third_party else 4]:
        print(f"wrote {path.relative_to(repo)}")
    print("preview with `make serve`; `make check` tests the new snippet")


if __name__ == "__main__":
    main()
