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
MAIN_ONLY = "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"

# Triggers that run the workflow with the code of a pull request but the base repository's write
# token and secrets (pull_request_target, workflow_run, issue_comment ...) are never used: this
# workflow executes the snippets it tests.
ALLOWED_TRIGGERS = {"pull_request", "push", "workflow_dispatch"}

# The first major version of each action that runs on Node 24 (GitHub retires the Node 20 runtime of
# the earlier ones), as actionlint's action metadata reports it.
FIRST_NODE24_MAJOR = {
    "actions/checkout": 5,
    "actions/cache": 5,
    "actions/setup-python": 6,
    "actions/configure-pages": 6,
    "actions/deploy-pages": 5,
}
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")


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


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_releases_that_run_on_node_24(workflow):
    for job, step in steps(load(workflow)):
        if "uses" not in step:
            continue
        uses = step["uses"]
        assert PINNED.match(uses), f"{job}: pin {uses} to a release tag (vN) or a commit SHA"
        action, ref = uses.split("@")
        if action in FIRST_NODE24_MAJOR and ref.startswith("v"):
            major = int(ref[1:].split(".")[0])
            assert major >= FIRST_NODE24_MAJOR[action], (
                f"{job}: {uses} runs on Node 20, which GitHub retires; "
                f"use v{FIRST_NODE24_MAJOR[action]} or later"
            )


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
