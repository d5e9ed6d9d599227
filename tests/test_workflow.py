"""The GitHub Actions workflow cannot run here, so it is validated here: against GitHub's schemas
(vendored in check-jsonschema, no network), and for the least-privilege properties it promises."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.paths import REPO

GITHUB = REPO / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
SITE = GITHUB / "workflows" / "site.yml"
LOCKS = [REPO / "lock" / "torch.txt", REPO / "lock" / "site.txt"]
MAIN_ONLY = "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"

# Triggers that run the workflow with the code of a pull request but the base repository's write
# token and secrets (pull_request_target, workflow_run, issue_comment ...) are never used: this
# workflow executes the snippets it tests. A schedule runs the default branch's own code.
ALLOWED_TRIGGERS = {"pull_request", "push", "workflow_dispatch", "schedule"}

# The first major version of each action that runs on Node 24 (GitHub retires the Node 20 runtime of
# the earlier ones), as actionlint's action metadata reports it.
FIRST_NODE24_MAJOR = {
    "actions/checkout": 5,
    "actions/cache": 5,
    "actions/setup-python": 6,
    "actions/configure-pages": 6,
    "actions/deploy-pages": 5,
}
# `uses: owner/action@<full commit SHA> # vX.Y.Z`: the commit is immutable, the comment says which
# release it is (Dependabot updates both).
PINNED = re.compile(
    r"^\s*(- )?uses: (?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # v(?P<major>\d+)(\.\d+){0,2}$"
)
USES = re.compile(r"^\s*(- )?uses:")


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(workflow: dict):
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def check_schema(schema: str, path: Path) -> subprocess.CompletedProcess:
    checker = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [checker, "--builtin-schema", schema, str(path)], capture_output=True, text=True
    )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_githubs_schema(workflow):
    result = check_schema("vendor.github-workflows", workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_config_matches_githubs_schema():
    result = check_schema("vendor.dependabot", GITHUB / "dependabot.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_misspelt_workflow(tmp_path):
    """A control: the schema really is applied (a typo in a key fails), so a pass means something."""
    broken = tmp_path / "broken.yml"
    broken.write_text(SITE.read_text().replace("runs-on:", "runs_on:", 1))
    assert check_schema("vendor.github-workflows", broken).returncode != 0


def test_pull_requests_run_read_only_and_only_deploy_writes_pages():
    site = load(SITE)
    assert "pull_request" in site["on"] and set(site["on"]) <= ALLOWED_TRIGGERS
    assert site["permissions"] == {"contents": "read"}
    for name, job in site["jobs"].items():
        granted = job.get("permissions", {})
        if name == "deploy":
            assert granted == {"pages": "write", "id-token": "write"}
            assert job["if"] == MAIN_ONLY and job["environment"]["name"] == "github-pages"
        else:
            assert not granted, f"job {name} must run with the read-only token"
    assert "secrets." not in SITE.read_text()


def test_the_job_that_can_write_runs_no_repository_code():
    deploy = load(SITE)["jobs"]["deploy"]
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    assert not any("run" in step for step in deploy["steps"])
    # A deployment is never cut short.
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_ci_runs_the_readme_command_with_a_pip_cache():
    test_steps = load(SITE)["jobs"]["test"]["steps"]
    assert any(step.get("run") == "bash .ci/run" for step in test_steps)
    assert any(
        step.get("uses", "").startswith("actions/cache@") and "pip" in step["with"]["path"]
        for step in test_steps
    )
    upload = next(
        s for s in test_steps if s.get("uses", "").startswith("actions/upload-pages-artifact")
    )
    assert upload["if"] == MAIN_ONLY


def test_ci_keeps_program_results_where_the_engine_looks_for_them(monkeypatch, tmp_path):
    """The results cache (engine.results) is the engine's cache_root under the job's home, keyed by
    the files every run key covers, so that a restored entry is one the run would have made."""
    from engine.paths import cache_root

    monkeypatch.delenv("TESTED_NOTES_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    kept = [
        s for s in load(SITE)["jobs"]["test"]["steps"] if "results" in s.get("name", "").lower()
    ]
    assert len(kept) == 1 and kept[0]["uses"].startswith("actions/cache@")
    path = kept[0]["with"]["path"]
    assert Path(path.replace("~", str(tmp_path))) == cache_root()
    fingerprint = "hashFiles('lock/*.txt', 'engine/**')"
    assert fingerprint in kept[0]["with"]["key"] and fingerprint in kept[0]["with"]["restore-keys"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_sha_to_releases_that_run_on_node_24(workflow):
    lines = [line for line in workflow.read_text().splitlines() if USES.match(line)]
    assert lines, "no action found: the pattern no longer matches the workflow"
    for line in lines:
        pinned = PINNED.match(line)
        assert pinned, f"{line.strip()}: pin to a full commit SHA with its release in a comment"
        action, major = pinned["action"], int(pinned["major"])
        assert major >= FIRST_NODE24_MAJOR.get(action, 0), (
            f"{line.strip()} runs on Node 20, which GitHub retires; "
            f"use v{FIRST_NODE24_MAJOR[action]} or later"
        )


def test_the_container_is_pinned_by_digest_and_may_create_the_sandbox():
    container = load(SITE)["jobs"]["test"]["container"]
    image, _, digest = container["image"].partition("@sha256:")
    assert image == "python:3.11-bookworm" and re.fullmatch(r"[0-9a-f]{64}", digest), container
    # bubblewrap needs namespaces, which Docker's default profiles refuse (engine/sandbox.py).
    assert (
        "--cap-add=SYS_ADMIN" in container["options"]
        and "seccomp=unconfined" in container["options"]
    )
    assert "TESTED_NOTES_REQUIRE_SANDBOX=1" in (REPO / ".ci" / "run").read_text()


def test_no_second_index_is_ever_merged_in():
    """The torchtriton incident: an extra index merged with PyPI lets a look-alike package win."""
    for path in [SITE, REPO / "Makefile", REPO / "requirements.txt", *LOCKS]:
        text = path.read_text().lower()
        assert "extra-index-url" not in text and "extra_index_url" not in text, path.name


def test_torch_comes_first_from_one_index_in_its_own_step():
    steps_ = load(SITE)["jobs"]["test"]["steps"]
    runs = [step.get("run") for step in steps_]
    assert runs.index("make torch") < runs.index("bash .ci/run")
    torch_step = steps_[runs.index("make torch")]
    assert torch_step["env"] == {"PIP_INDEX_URL": "https://pypi.org/simple"}
    makefile = (REPO / "Makefile").read_text()
    assert "--require-hashes -r lock/torch.txt" in makefile
    assert "--require-hashes -r lock/site.txt" in makefile


def test_the_lock_holds_every_direct_pin_with_its_hash():
    locked = {}
    for path in LOCKS:
        for line in path.read_text().splitlines():
            if line and not line.startswith("#"):
                pin, _, digest = line.partition(" --hash=sha256:")
                assert re.fullmatch(r"[0-9a-f]{64}", digest), f"{path.name}: {line}"
                name, _, version = pin.partition("==")
                assert name not in locked, f"{name} is locked twice"
                locked[name] = version
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.strip().partition("==")
            name = re.sub(r"[-_.]+", "-", name).lower()
            assert locked.get(name) == version, (
                f"requirements.txt pins {line.strip()}, the lock has {locked.get(name)}: "
                "run `make lock`"
            )
    assert {"torch", "torchvision"} <= set(_names(LOCKS[0]))


def _names(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    return [line.split("==")[0] for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_jobs_are_time_limited_and_scripts_take_no_expressions(workflow):
    data = load(workflow)
    for name, job in data["jobs"].items():
        assert "timeout-minutes" in job, f"job {name} needs a timeout-minutes"
    for name, step in steps(data):
        # `${{ github.event.pull_request.title }}` in a script is a script injection: pass values
        # through `env:` instead.
        assert "${{" not in step.get("run", ""), f"job {name}: an expression in a run script"
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, (
                f"job {name}: check out with persist-credentials: false (no token left on disk)"
            )


def test_the_scheduled_runs_read_only_and_check_fresh_runs_and_other_seeds():
    path = GITHUB / "workflows" / "scheduled.yml"
    scheduled = load(path)
    assert set(scheduled["on"]) == {"schedule", "workflow_dispatch"}
    assert scheduled["permissions"] == {"contents": "read"}
    assert "secrets." not in path.read_text()
    assert all("permissions" not in job for job in scheduled["jobs"].values())
    fresh = [step for name, step in steps(scheduled) if name == "fresh"]
    assert any(
        s.get("run") == "bash .ci/run" and s["env"] == {"TESTED_NOTES_RUN_CACHE": "0"}
        for s in fresh
    )
    assert "make seeds" in [step.get("run") for name, step in steps(scheduled) if name == "seeds"]
