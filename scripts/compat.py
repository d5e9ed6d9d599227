"""`make compat`: the programs under the oldest version of each library the pages claim
(compat.toml), one library at a time, then all together; verdicts go to lock/compat.json, whose
ranges the pages state (engine/versions.py). `--newest` (the weekly workflow): one environment of
the newest releases; exit 1 naming each program that breaks, the versions and the first differing
line; writes nothing.

An environment is a venv outside the repository (cache_root()/compat/<name>) that sees the locked
.venv behind its own site-packages, where pip installs what the environment's versions need:
resolved against the lock (scripts/lock.py's resolve: a dry run's report, with the registry's
sha256), then installed from those hashes. The environment's interpreter runs the programs
(--in-environment) through the engine's runner and compares them as tests/test_snippets.py does:
pass, "prints differently" (its checks pass) or fail, each with the digest of its code and the
outputs its pages state: a program edited since counts as not run (engine.versions.ranges). One
whose digest already has a verdict from the same lock files, ranges and installed versions keeps
it: after a snippet edit, `make compat` runs that snippet alone in each environment. To run every
program again, remove lock/compat.json first.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from itertools import zip_longest
from pathlib import Path

from engine import versions
from engine.paths import REPO, cache_root
from lock import resolve

PIP = ["-m", "pip", "--disable-pip-version-check", "--quiet"]


def environments(newest: bool) -> dict[str, list[str]]:
    """Each environment's requirements: `library===oldest` (=== so that a local build such as
    2.13.0+cpu is not taken for 2.13.0) with what goes along, per library, then all together."""
    declared = tomllib.loads(versions.RANGES.read_text(encoding="utf-8"))
    if newest:
        names = [part for lib, spec in declared.items() for part in [lib, *spec.get("with", [])]]
        return {"newest": [name.partition("<")[0] for name in names]}
    found = {
        lib: [f"{lib}==={spec['oldest']}", *spec.get("with", [])] for lib, spec in declared.items()
    }
    return found | {versions.ALL: [req for reqs in found.values() for req in reqs]}


def make_environment(name: str, requirements: list[str], upgrade: bool) -> tuple[Path, dict]:
    """The environment's interpreter and {distribution: [version, sha256]} of what it adds to the
    lock."""
    folder = cache_root() / "compat" / name
    stamp = folder / "installed.json"
    if not upgrade and stamp.exists():
        kept = json.loads(stamp.read_text(encoding="utf-8"))
        if kept["requirements"] == requirements:
            return folder / "bin" / "python", kept["installed"]
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    own = Path(sysconfig.get_path("purelib", vars={"base": str(folder)}))
    locked = sysconfig.get_path("purelib")
    # Behind the environment's own packages, the locked .venv (its .pth files too: the engine).
    (own / "locked.pth").write_text(f"import site; site.addsitedir({locked!r})\n", encoding="utf-8")
    python = folder / "bin" / "python"
    wanted = resolve(requirements, python, ["--upgrade"] if upgrade else [])
    installed = {name: list(pin) for name, pin in wanted.items()}
    hashed = folder / "requirements.txt"
    lines = [f"{dist}==={v} --hash=sha256:{sha}" for dist, (v, sha) in installed.items()]
    hashed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    install = ["install", "--no-deps", "--ignore-installed", "--require-hashes", "-r", str(hashed)]
    if installed:
        subprocess.run([python, *PIP, *install], check=True)
    record = {"requirements": requirements, "installed": installed}
    stamp.write_text(json.dumps(record), encoding="utf-8")
    return python, installed


def in_environment(libraries: list[str], known: dict[str, list[str]]) -> dict:
    """Run here (the environment's interpreter): each program that imports one of ``libraries`` (all
    programs where none is named), but for those whose digest has a verdict ``known``."""
    from engine.programs import collect_programs

    verdicts, firsts, digests = {}, {}, {}
    for program in collect_programs():
        if not libraries or versions.imported(program.code) & set(libraries):
            key = versions.digest(program)
            verdict, first = known[key] if key in known else verdict_of(program)
            verdicts[program.label] = verdict
            digests[program.label] = key
            firsts |= {program.label: first} if first else {}
            kept = " (recorded)" if key in known else ""
            print(f"{verdict:>18}  {program.label}{kept}  {first}", file=sys.stderr, flush=True)
    return {"programs": verdicts, "first_difference": firsts, "digests": digests}


def verdict_of(program) -> tuple[str, str]:
    """As tests/test_snippets.py judges a run: (verdict, the first line that tells why)."""
    from engine.runner import SnippetError, check_result, run_code

    try:
        result = run_code(program.code, label=program.label, filename=program.filename, check=False)
        check_result(result, program.shown_on)
    except SnippetError as error:
        lines = str(error).strip().splitlines()
        return "fail", " ... ".join(dict.fromkeys([lines[0], lines[-1]]))
    unstated = program.unstated_output(result.stdout)
    if unstated:
        where, stated = unstated
        pairs = zip_longest(stated.splitlines(), result.stdout.splitlines(), fillvalue="")
        first = next(((s, p) for s, p in pairs if s.strip() != p.strip()), (stated, result.stdout))
        return "prints differently", f"{where} states {first[0]!r}, it printed {first[1]!r}"
    unprinted = program.unprinted_values(result.stdout)
    return ("prints differently", unprinted[0]) if unprinted else ("pass", "")


def run_all(chosen: list[str] | None, newest: bool) -> dict:
    """Each chosen environment, one after the other: its versions and verdicts (recorded as each
    ends, unless ``newest``)."""
    done, record = {}, versions.load_record()
    for name, requirements in environments(newest).items():
        if chosen and name not in chosen:
            continue
        print(f"environment {name}: {' '.join(requirements)}", file=sys.stderr, flush=True)
        python, installed = make_environment(name, requirements, upgrade=newest)
        if not installed:
            print(f"environment {name}: the locked versions already", file=sys.stderr)
            continue
        # torch, and every environment of several libraries, runs every program.
        libraries = [name] if name in versions.DISTRIBUTIONS and name != "torch" else []
        command = [python, Path(__file__).resolve(), "--in-environment", *libraries]
        known = {} if newest else versions.reusable(record, name, installed)
        ran = subprocess.run(
            command,
            cwd=REPO,
            input=json.dumps(known),
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        done[name] = {"installed": installed, **json.loads(ran.stdout)}
        if not newest:
            write_record({name: done[name]})
    return done


def write_record(done: dict) -> None:
    """lock/compat.json with the new environments; those not rerun are kept if made from the same
    lock files and ranges."""
    record = versions.load_record()
    stamp = versions.inputs_digest()
    kept = record.get("environments", {}) if versions.is_current(record) else {}
    record = {"date": datetime.date.today().isoformat(), **stamp, "python": sys.version.split()[0]}
    record["environments"] = {**kept, **done}
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    versions.RECORD.write_text(text, encoding="utf-8")


def report_newest(done: dict) -> int:
    """Exit status 1 naming each program that does not pass under the newest releases."""
    failed = 0
    for environment in done.values():
        shown = ", ".join(f"{d} {v}" for d, (v, _) in sorted(environment["installed"].items()))
        for label, verdict in environment["programs"].items():
            if verdict != "pass":
                failed += 1
                print(
                    f"{label}: {verdict} under {shown}:\n  {environment['first_difference'][label]}"
                )
    print(f"{failed} of {sum(len(c['programs']) for c in done.values())} programs do not pass")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--environments", nargs="*", help=f"only these (libraries, {versions.ALL})")
    parser.add_argument("--newest", action="store_true", help="the newest releases; no record")
    parser.add_argument("--in-environment", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_environment is not None:
        print(json.dumps(in_environment(args.in_environment, json.load(sys.stdin))))
        return 0
    done = run_all(args.environments, args.newest)
    if args.newest:
        return report_newest(done)
    print(json.dumps(versions.ranges(versions.load_record()), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
