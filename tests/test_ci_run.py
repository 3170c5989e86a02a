"""CI runs everything: `.ci/run` installs torch (the CPU build) and makes the loss tests
mandatory, then runs the README's test command, which itself needs no torch."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import REQUIRE_TORCH, ROOT

CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
CPU_INDEX = "--index-url https://download.pytorch.org/whl/cpu"


def test_the_readme_test_command_installs_no_torch():
    command = re.search(r"^    (python3 -m venv .*pytest.*)$", README, flags=re.M).group(1)
    assert "torch" not in command
    assert command in CI


def test_ci_installs_the_cpu_build_and_requires_the_loss_tests_before_running_the_readme_command():
    command = re.search(r"^    (python3 -m venv .*pytest.*)$", README, flags=re.M).group(1)
    lines = [line for line in CI.splitlines() if line and not line.startswith("#")]
    torch = next(index for index, line in enumerate(lines) if "pip install torch==" in line)
    assert CPU_INDEX in lines[torch]
    required = next(index for index, line in enumerate(lines) if line == f"export {REQUIRE_TORCH}=1")
    assert torch < required < lines.index(command)
    assert CPU_INDEX in README  # and the README says how to get the same build


def run_loss_tests(tmp_path, required: bool) -> subprocess.CompletedProcess:
    """The loss tests, in an interpreter where torch cannot be imported."""
    hidden = tmp_path / "no-torch" / "torch"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('torch is hidden for this test')\n")
    environment = {key: value for key, value in os.environ.items() if key != REQUIRE_TORCH}
    environment["PYTHONPATH"] = str(hidden.parent)
    if required:
        environment[REQUIRE_TORCH] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_retinanet.py",
         "tests/test_guard.py"],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )


def test_without_torch_the_loss_tests_skip_saying_how_to_install_it(tmp_path):
    result = run_loss_tests(tmp_path, required=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" in result.stdout and "failed" not in result.stdout


def test_under_ci_a_missing_torch_fails_the_loss_tests(tmp_path):
    result = run_loss_tests(tmp_path, required=True)
    assert result.returncode != 0
    assert f"torch is not installed, and {REQUIRE_TORCH}=1 requires the loss tests to run" in result.stdout
