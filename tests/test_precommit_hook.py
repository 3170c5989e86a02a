"""The pre-commit hook runs its exact `entry` on the files pre-commit passes."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ci_support import ROOT

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def hook() -> dict:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    (labelcheck,) = [entry for entry in hooks if entry["id"] == "labelcheck"]
    return labelcheck


def test_hook_definition():
    definition = hook()
    assert definition["name"] == "labelcheck"
    assert definition["entry"] == "labelcheck scan"
    assert definition["language"] == "python"
    assert definition["types"] == ["json"]


@pytest.mark.parametrize(
    ("fixture", "exit_code"),
    [("fixtures/openimages-mlperf-bad.json", 1), ("fixtures/openimages-mlperf-clean.json", 0)],
)
def test_entry_runs_as_pre_commit_runs_it(fixture: str, exit_code: int):
    command, *args = shlex.split(hook()["entry"])
    # pre-commit installs the package into the hook's environment; here that is this interpreter's.
    executable = shutil.which(command, path=str(Path(sys.executable).parent))
    assert executable, f"{command!r} is not installed beside {sys.executable}; run pip install -e ."
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LABELCHECK_", "GITHUB_"))}
    result = subprocess.run(
        [executable, *args, fixture], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == exit_code, result.stderr
    assert fixture in result.stdout
