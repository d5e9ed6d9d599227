"""The GitHub Actions workflows cannot run here, so they are validated here: against GitHub's schemas
(vendored in check-jsonschema, no network), and for the least-privilege properties they promise."""

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
# token and secrets (pull_request_target, workflow_run, issue_comment ...) are never used: these
# workflows execute the snippets they test. A schedule runs the default branch's own code.
ALLOWED_TRIGGERS = {"pull_request", "push", "workflow_dispatch", "schedule"}
# The one job that may write, and what it may write: site.yml's deploy, to Pages.
DEPLOY = {"pages": "write", "id-token": "write"}

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


def steps(workflow: dict, job: str | None = None) -> list[dict]:
    return [s for name, j in workflow["jobs"].items() if job in (None, name) for s in j["steps"]]


def check_schema(schema: str, path: Path) -> subprocess.CompletedProcess:
    checker = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [checker, "--builtin-schema", schema, str(path)], capture_output=True, text=True
    )


SCHEMAS = [("vendor.github-workflows", path) for path in WORKFLOWS]
SCHEMAS += [("vendor.dependabot", GITHUB / "dependabot.yml")]


@pytest.mark.parametrize(("schema", "path"), SCHEMAS, ids=[p.name for _, p in SCHEMAS])
def test_matches_githubs_schema(schema, path):
    result = check_schema(schema, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_misspelt_workflow(tmp_path):
    """A control: the schema really is applied (a typo in a key fails), so a pass means something."""
    broken = tmp_path / "broken.yml"
    broken.write_text(SITE.read_text().replace("runs-on:", "runs_on:", 1))
    assert check_schema("vendor.github-workflows", broken).returncode != 0


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_the_token_reads_and_only_the_deploy_job_writes_pages(workflow):
    data = load(workflow)
    assert set(data["on"]) <= ALLOWED_TRIGGERS, data["on"]
    assert data["permissions"] == {"contents": "read"}
    assert "secrets." not in workflow.read_text()
    for name, job in data["jobs"].items():
        if workflow == SITE and name == "deploy":
            assert job.get("permissions") == DEPLOY and job["if"] == MAIN_ONLY
            assert job["environment"]["name"] == "github-pages"
        else:
            assert "permissions" not in job, f"job {name} must run with the read-only token"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_jobs_are_time_limited_and_scripts_take_no_expressions(workflow):
    data = load(workflow)
    for name, job in data["jobs"].items():
        assert "timeout-minutes" in job, f"job {name} needs a timeout-minutes"
        for step in job["steps"]:
            # `${{ github.event.pull_request.title }}` in a script is a script injection: pass
            # values through `env:` instead.
            assert "${{" not in step.get("run", ""), f"job {name}: an expression in a run script"
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, (
                    f"job {name}: check out with persist-credentials: false (no token on disk)"
                )


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


def test_pull_requests_run_the_readme_command_and_only_main_deploys():
    site = load(SITE)
    deploy = site["jobs"]["deploy"]
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    # A deployment is never cut short.
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert "pull_request" in site["on"]
    tests = steps(site, "test")
    assert any(step.get("run") == "bash .ci/run" for step in tests)
    caches = [s["with"]["path"] for s in tests if s.get("uses", "").startswith("actions/cache@")]
    assert any("pip" in path for path in caches), "CI keeps pip's downloads"
    upload = [s for s in tests if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert [s["if"] for s in upload] == [MAIN_ONLY]


def test_ci_keeps_program_results_where_the_engine_looks_for_them(monkeypatch, tmp_path):
    """The results cache (engine.results) is the engine's cache_root under the job's home, keyed by
    the files every run key covers, so that a restored entry is one the run would have made."""
    from engine.paths import cache_root

    monkeypatch.delenv("TESTED_NOTES_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    kept = [s for s in steps(load(SITE), "test") if "results" in s.get("name", "").lower()]
    assert len(kept) == 1 and kept[0]["uses"].startswith("actions/cache@")
    path = kept[0]["with"]["path"]
    assert Path(path.replace("~", str(tmp_path))) == cache_root()
    fingerprint = "hashFiles('lock/*.txt', 'engine/**')"
    assert fingerprint in kept[0]["with"]["key"] and fingerprint in kept[0]["with"]["restore-keys"]


def test_the_container_is_pinned_by_digest_and_may_create_the_sandbox():
    container = load(SITE)["jobs"]["test"]["container"]
    image, _, digest = container["image"].partition("@sha256:")
    assert image == "python:3.11-bookworm" and re.fullmatch(r"[0-9a-f]{64}", digest), container
    # bubblewrap needs namespaces, which Docker's default profiles refuse (engine/sandbox.py).
    assert "--cap-add=SYS_ADMIN" in container["options"]
    assert "seccomp=unconfined" in container["options"]
    assert "TESTED_NOTES_REQUIRE_SANDBOX=1" in (REPO / ".ci" / "run").read_text()


def test_torch_comes_first_from_one_index_and_no_second_index_is_merged_in():
    """The torchtriton incident: an extra index merged with PyPI lets a look-alike package win."""
    for path in [*WORKFLOWS, REPO / "Makefile", REPO / "requirements.txt", *LOCKS]:
        text = path.read_text().lower()
        assert "extra-index-url" not in text and "extra_index_url" not in text, path.name
    tests = steps(load(SITE), "test")
    runs = [step.get("run") for step in tests]
    assert runs.index("make torch") < runs.index("bash .ci/run")
    assert tests[runs.index("make torch")]["env"] == {"PIP_INDEX_URL": "https://pypi.org/simple"}
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
                locked[name] = (version, path)
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.strip().partition("==")
            name = re.sub(r"[-_.]+", "-", name).lower()
            assert locked.get(name, ("",))[0] == version, (
                f"requirements.txt pins {line.strip()}, the lock has {locked.get(name)}: "
                "run `make lock`"
            )
    assert locked["torch"][1] == locked["torchvision"][1] == LOCKS[0]


def test_the_scheduled_runs_check_fresh_runs_and_other_seeds():
    scheduled = load(GITHUB / "workflows" / "scheduled.yml")
    assert set(scheduled["on"]) == {"schedule", "workflow_dispatch"}
    assert any(
        s.get("run") == "bash .ci/run" and s["env"] == {"TESTED_NOTES_RUN_CACHE": "0"}
        for s in steps(scheduled, "fresh")
    )
    assert "make seeds" in [step.get("run") for step in steps(scheduled, "seeds")]
