"""The site built by ProperDocs and Zensical, each page's text compared with MkDocs' build (`make
build-check`): Material reaches its end of life in 2027 and MkDocs 2.0 refuses mkdocs.yml.

Each builder is installed from lock/builders.txt into a folder of its own outside the repository,
with only what the site's environment lacks, and runs on the site's interpreter with that folder
last on sys.path: the extensions import what they do under MkDocs, and the programs the build runs
see the tests' environment, so the runs those kept serve it. Zensical runs no hooks or plugins.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup

from engine.paths import REPO, cache_root, copy_repo
from engine.site import build_env, build_site, built_pages
from engine.targets import BUILD_TIMEOUT_S

LOCK = REPO / "lock" / "builders.txt"
BUILDERS = ("mkdocs", "properdocs", "zensical")
# What lock/builders.txt is resolved from (`make build-check ARGS=--lock`). Zensical 0.0.73 is the
# newest that installs (later ones need a zensical-ui the registry lacks).
PINS = ("properdocs==1.6.7", "zensical==0.0.73")
# A builder's command line: the site's interpreter, with the builder's folder last on the path.
LAUNCH = "import sys; sys.path.append({!r}); from {} import cli; cli()"
CLI = {"properdocs": "properdocs.__main__", "zensical": "zensical.main"}
# Pages Zensical cannot build: mkdocs-jupyter's walkthroughs and the page of their times.
NOT_BUILT_BY_ZENSICAL = ("walkthroughs/", "computation-times/")
# What each builder keeps of the site's extras: a count over the pages that every build has (a page
# one lacks is a verdict of its own, ``compare``), and the figures it publishes.
MARKUP = {
    "tested-with line": 'class="tested-with"',
    "CSP meta tag": 'http-equiv="Content-Security-Policy"',
    "figures with a size": r'<img width="\d+" height="\d+"',
    "highlighted lines": 'class="hll"',
    "snippet diffs": 'class="language-diff',
    "whole-program downloads": 'class="whole-program"',
}


def pins(builder: str) -> list[str]:
    """The lines of lock/builders.txt a builder installs: ProperDocs its own, Zensical the rest."""
    lines = [line for line in LOCK.read_text(encoding="utf-8").splitlines() if "==" in line]
    own = [line for line in lines if line.startswith("properdocs==")]
    return own if builder == "properdocs" else [line for line in lines if line not in own]


def install(builder: str) -> Path:
    """The builder's folder, installed from the locked hashes (again when its pins change)."""
    home = cache_root() / "builders" / builder
    wanted = "\n".join(pins(builder)) + "\n"
    stamp = home / "installed.txt"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return home
    pip = [sys.executable, "-m", "pip", "install", "--upgrade", "--target", str(home)]
    requirements = home.parent / f"{builder}.txt"
    requirements.parent.mkdir(parents=True, exist_ok=True)
    requirements.write_text(wanted, encoding="utf-8")
    options = ["--quiet", "--disable-pip-version-check", "--no-deps", "--require-hashes"]
    subprocess.run([*pip, *options, "-r", str(requirements)], check=True)
    stamp.write_text(wanted, encoding="utf-8")
    return home


def build(builder: str, site: Path) -> subprocess.CompletedProcess:
    """``builder``'s build of the repository into ``site``, in the tests' build environment. MkDocs
    and ProperDocs build strictly; Zensical builds a copy (it writes into the project) and warns of
    links to the pages it cannot build, so the caller prints its warnings instead."""
    if builder == "mkdocs":
        return build_site(site)
    repo = REPO if builder == "properdocs" else copy_repo(site.with_name(f"{site.name}-project"))
    command = [sys.executable, "-c", LAUNCH.format(str(install(builder)), CLI[builder])]
    command += ["build", "-f", "mkdocs.yml"]
    if builder == "properdocs":
        command += ["--strict", "--site-dir", str(site)]
    env = build_env({"NO_COLOR": "1"})
    result = subprocess.run(
        command, cwd=repo, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S
    )
    if builder == "zensical" and (repo / "site").is_dir():
        (repo / "site").rename(site)
    return result


def page_text(html: str) -> list[str]:
    """The text of a page's article, one line a non-blank line, whitespace normalised (markup that
    shows nothing, such as the spans of highlighted code, is ignored)."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article") or soup.body or soup
    lines = (" ".join(line.split()) for line in article.get_text().splitlines())
    return [line for line in lines if line]


def compare(reference: dict, other: dict) -> dict[str, str]:
    """Each page -> "identical", "missing", "extra", or "different at line N: <the first differing
    line of each>"."""
    verdicts = {}
    for name in sorted(reference.keys() | other.keys()):
        if name not in other or name not in reference:
            verdicts[name] = "missing" if name not in other else "extra"
            continue
        ours, theirs = reference[name], other[name]
        if ours == theirs:
            verdicts[name] = "identical"
            continue
        pairs = enumerate(zip(ours, theirs, strict=False))
        at = next((i for i, (a, b) in pairs if a != b), min(len(ours), len(theirs)))
        verdicts[name] = f"different at line {at + 1}: {_line(ours, at)!r} -> {_line(theirs, at)!r}"
    return verdicts


def expected(builder: str, page: str, verdict: str) -> bool:
    """ProperDocs gives the same text on every page, Zensical on every page it can build."""
    if builder == "zensical" and page.startswith(NOT_BUILT_BY_ZENSICAL):
        return verdict == "missing"
    return verdict == "identical"


def features(site: Path, pages: set[str]) -> dict[str, int]:
    """How often each feature of MARKUP occurs in ``pages`` of ``site``, and its published figures."""
    html = [
        page.file.read_text(encoding="utf-8") for page in built_pages(site) if page.name in pages
    ]
    counts = {
        name: sum(len(re.findall(pattern, text)) for text in html)
        for name, pattern in MARKUP.items()
    }
    return {**counts, "figures published": len(list(site.glob("figures/*/*")))}


def _line(lines: list[str], index: int) -> str:
    return lines[index] if index < len(lines) else "(nothing)"
