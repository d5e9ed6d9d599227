"""engine.versions: what every page states it was tested with, and the ranges from `make compat`."""

import platform
from importlib.metadata import version

import markdown
import pytest

from engine import versions
from engine.programs import Program, collect_programs

PINNED = {
    "torch": "2.14.1",
    "torch-geometric": "2.8.1",
    "pytorch-lightning": "2.6.6",
    "captum": "0.9.0",
    "backpack-for-pytorch": "1.7.1",
}


def environment(dist: str, oldest: str, **programs: str) -> dict:
    return {"installed": {dist: [oldest, "0" * 64]}, **ran(**programs)}


def ran(**programs: str) -> dict:
    """Verdicts of programs whose digest, here, is their label."""
    return {"programs": programs, "digests": {label: label for label in programs}}


def test_python_and_each_library_with_its_installed_version():
    stated = dict(versions.tested_with())
    assert stated["Python"] == platform.python_version()
    assert stated["PyTorch"] == version("torch") and "PyG" in stated and "BackPACK" in stated


def test_the_record_is_made_from_the_lock_files_there_are_now():
    record = versions.load_record()
    assert versions.is_current(record), (
        f"{versions.RECORD.name} was made from other lock files or another compat.toml than the "
        "ones there are now: run `make compat` and commit lock/compat.json"
    )


def test_a_changed_lock_file_makes_the_record_stale(tmp_path, monkeypatch):
    lock = tmp_path / "torch.txt"
    lock.write_text("torch==2.14.1 --hash=sha256:aa\n")
    monkeypatch.setattr(versions, "LOCKS", [lock])
    record = versions.inputs_digest()
    assert versions.is_current(record)
    lock.write_text("torch==2.14.2 --hash=sha256:bb\n")
    assert not versions.is_current(record)


def test_a_new_oldest_version_makes_the_record_stale_a_comment_does_not(tmp_path, monkeypatch):
    ranges = tmp_path / "compat.toml"
    ranges.write_text('[captum]\noldest = "0.8.0"\n')
    monkeypatch.setattr(versions, "RANGES", ranges)
    record = versions.inputs_digest()
    ranges.write_text('# why 0.8\n[captum]\noldest = "0.8.0"\n')
    assert versions.is_current(record)
    ranges.write_text('[captum]\noldest = "0.7.0"\n')
    assert not versions.is_current(record)


RECORD = {
    "environments": {
        "torch-geometric": environment("torch-geometric", "2.6.1", a="pass", b="pass"),
        "captum": environment("captum", "0.8.0", c="pass", d="prints differently"),
        "backpack-for-pytorch": environment("backpack-for-pytorch", "1.6.0", e="fail", f="pass"),
        "pytorch-lightning": environment("pytorch-lightning", "2.4.0", g="pass"),
        versions.ALL: ran(a="pass", b="pass", c="pass", d="pass", e="pass", f="pass", g="fail"),
    }
}
# The programs there are now: {digest: the libraries each imports}.
PROGRAMS = {
    "a": {"torch", "torch-geometric"},
    "b": {"torch", "torch-geometric"},
    "c": {"torch", "captum"},
    "d": {"torch", "captum"},
    "e": {"torch", "backpack-for-pytorch"},
    "f": {"torch", "backpack-for-pytorch"},
    "g": {"torch", "pytorch-lightning"},
}


@pytest.mark.parametrize(
    "dist, stated",
    [
        ("torch-geometric", "2.6.1–2.8.1"),
        # Checks pass, an output differs: the range holds, the page says whose outputs it shows.
        ("captum", "0.8.0–0.9.0 (outputs shown are from 0.9.0)"),
        # A failing program in the library's own environment, or in the one of all oldest together.
        ("backpack-for-pytorch", "1.7.1"),
        ("pytorch-lightning", "2.6.6"),
        # No environment at all.
        ("torch", "2.14.1"),
    ],
)
def test_the_range_stated_is_the_one_that_passed(dist, stated):
    assert versions.ranges(RECORD, PINNED, PROGRAMS)[dist] == stated


def test_without_the_environment_of_all_oldest_no_range_is_claimed():
    alone = {"environments": {"torch-geometric": RECORD["environments"]["torch-geometric"]}}
    assert versions.ranges(alone, PINNED, PROGRAMS)["torch-geometric"] == "2.8.1"


def test_a_program_edited_or_added_after_the_record_narrows_its_library_to_the_pin():
    edited = {**PROGRAMS, "b2": PROGRAMS["b"]}
    del edited["b"]
    stated = versions.ranges(RECORD, PINNED, edited)
    assert stated["torch-geometric"] == "2.8.1" and stated["captum"].startswith("0.8.0–")
    added = {**PROGRAMS, "h": {"torch", "torch-geometric"}}
    assert versions.ranges(RECORD, PINNED, added)["torch-geometric"] == "2.8.1"


def test_the_libraries_left_pinned_for_want_of_a_verdict_are_named():
    assert versions.unrecorded(RECORD, PROGRAMS) == []
    edited = {**PROGRAMS, "c2": PROGRAMS["c"]}
    # c2 imports torch too, but RECORD has no environment of torch: torch is not named.
    assert versions.unrecorded(RECORD, edited) == ["Captum"]


def test_a_failure_of_a_program_there_is_no_more_narrows_nothing():
    gone = {key: libraries for key, libraries in PROGRAMS.items() if key != "e"}
    assert versions.ranges(RECORD, PINNED, gone)["backpack-for-pytorch"] == "1.6.0–1.7.1"


def test_a_program_is_known_by_its_code_and_what_its_pages_state_it_prints():
    program = Program("print(1.5)\n", "snippets/a.py", "a.py")
    assert versions.digest(program) == versions.digest(Program("\nprint(1.5)\n\n", "b", "b.py"))
    stated = Program(program.code, "a", "a.py", expected_outputs=[("docs/a.md:9", "1.5\n", False)])
    quoted = Program(program.code, "a", "a.py", stated_values=[("docs/a.md:4", "1.5")])
    assert len({versions.digest(p) for p in (program, stated, quoted)}) == 3


def test_every_program_has_an_identity_the_record_can_name():
    programs = versions.current_programs()
    assert len(programs) == len(collect_programs()), "two programs share a digest"
    assert all(len(key) == 16 for key in programs)


def render(text: str) -> str:
    return markdown.Markdown(extensions=["fenced_code", "toc", "engine.versions"]).convert(text)


def test_the_line_ends_the_page_and_stays_out_of_headings():
    page = render("## A heading\n\nText.\n")
    assert 'id="a-heading"' in page and page.rstrip().endswith(".</p>")
    assert page.count("Built and tested with") == 1


def test_a_page_states_the_libraries_its_code_imports():
    page = render("# PyG\n\n```python\nimport torch\nfrom torch_geometric.nn import GCNConv\n```\n")
    stated = page.rpartition('class="tested-with"')[2]
    assert f"Python&nbsp;{platform.python_version()}" in stated
    assert "PyTorch&nbsp;" in stated and "PyG&nbsp;" in stated
    assert "Captum" not in stated and "BackPACK" not in stated


def test_a_page_without_library_code_states_every_library():
    stated = render("# Home\n\nNo code here.\n").rpartition('class="tested-with"')[2]
    assert all(f"{label}&nbsp;" in stated for _, label, _ in versions.LIBRARIES)


def test_imports_are_found_by_module_not_by_mention():
    code = "import torch\n# captum is not used here\nfrom lightning_fabric import Fabric\n"
    assert versions.imported(code) == {"torch", "pytorch-lightning"}


def test_make_compat_keeps_a_verdict_only_for_the_same_inputs_and_installed_versions():
    installed = {"captum": ["0.8.0", "0" * 64]}
    record = {**versions.inputs_digest(), **RECORD}
    assert versions.reusable(record, "captum", installed) == {
        "c": ["pass", ""],
        "d": ["prints differently", ""],
    }
    other = {"captum": ["0.8.1", "1" * 64]}
    assert versions.reusable(record, "captum", other) == {}
    assert versions.reusable({**record, "locks": "0" * 64}, "captum", installed) == {}
    assert versions.reusable(record, "torch", {}) == {}
