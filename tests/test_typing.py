"""The package ships its type hints: a user's script type-checks under ``mypy --strict``.

The package is installed as a user gets it (built, not editable, into a folder
of its own), so the test fails if ``py.typed`` is not shipped or a public
signature makes strict code fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

USER_SCRIPT = '''
from pathlib import Path

import labelcheck
from labelcheck import guard


def check(train: Path, out: Path) -> bool:
    contract: labelcheck.Contract = labelcheck.resolve_contract(num_classes=264, mapping="raw")
    report: labelcheck.Report = labelcheck.scan([str(train)], contract=contract)
    errors = [f for f in report.findings or [] if f.severity >= labelcheck.Severity.ERROR]
    for finding in errors:
        print(finding.rule, finding.severity, finding.path, finding.message)
    cleaned: labelcheck.CleanResult = labelcheck.clean(str(train), str(out / "clean.json"), drop="images")
    dropped: int = cleaned.dropped_annotations
    print(dropped, cleaned.audit()["dropped_by_rule"])
    remapped: labelcheck.RemapResult = labelcheck.remap(
        [str(train)], [str(out / "fixed" / "train.json")], offset=-1, make_folders=True
    )
    print(remapped.describe(), remapped.outputs)
    checked = guard.check_targets([{"labels": [3, 264], "image_id": 1}], num_classes=264, mode="skip")
    images: list[str] = checked.select(["image.jpg"])
    print(checked.skipped, len(checked.targets), images)
    try:
        labelcheck.resolve_contract(mapping="sortd")
    except labelcheck.ContractError as error:
        print(error)
    return report.failed("warning")
'''


def clean_source(folder: Path) -> Path:
    """The package's sources alone: a build in the checkout would reuse its stale build/ folder."""
    shutil.copytree(ROOT / "labelcheck", folder / "labelcheck", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The package built from its sources and installed into a folder of its own."""
    folder = tmp_path_factory.mktemp("installed")
    site = folder / "site"
    source = clean_source(folder / "source")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(source)],
        check=True, capture_output=True, text=True,
    )
    return site


def test_the_license_is_an_spdx_expression(installed):
    (metadata,) = installed.glob("labelcheck-*.dist-info/METADATA")
    assert "License-Expression: Apache-2.0" in metadata.read_text(encoding="utf-8").splitlines()


def test_a_user_script_passes_mypy_strict_against_the_installed_package(installed, tmp_path):
    site = installed
    assert (site / "labelcheck" / "py.typed").is_file()
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT, encoding="utf-8")
    # mypy finds installed packages on the interpreter's sys.path, PYTHONPATH included.
    environment = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        cwd=tmp_path, env=environment, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found in 1 source file" in result.stdout
