"""The GitHub Actions workflow cannot run here, so it is validated here: against GitHub's workflow
schema (vendored in check-jsonschema, no network), and for the least-privilege properties it promises."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from harness import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
MAIN_ONLY = "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_githubs_schema(workflow):
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pull_requests_run_read_only_and_only_deploy_writes_pages():
    site = load(REPO / ".github" / "workflows" / "site.yml")
    assert "pull_request" in site["on"] and "pull_request_target" not in site["on"]
    assert site["permissions"] == {"contents": "read"}
    for name, job in site["jobs"].items():
        granted = job.get("permissions", {})
        if name == "deploy":
            assert granted == {"pages": "write", "id-token": "write"}
            assert job["if"] == MAIN_ONLY and job["environment"]["name"] == "github-pages"
        else:
            assert not granted, f"job {name} must run with the read-only token"
    assert "secrets." not in (REPO / ".github" / "workflows" / "site.yml").read_text()


def test_ci_runs_the_readme_command_with_a_pip_cache():
    steps = load(REPO / ".github" / "workflows" / "site.yml")["jobs"]["test"]["steps"]
    assert any(step.get("run") == "bash .ci/run" for step in steps)
    assert any(
        step.get("uses", "").startswith("actions/cache@") and "pip" in step["with"]["path"]
        for step in steps
    )
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["if"] == MAIN_ONLY
