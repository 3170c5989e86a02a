"""Shared by the CI-integration tests: a clean environment, the CLI runner, small COCO files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from labelcheck.cli.commands import main

ROOT = Path(__file__).resolve().parents[1]
# With --num-classes 3: 3 errors (2 problems: one id is undeclared and out of range), 1 warning, 1 info.
TINY = "tests/cases/ci/tiny.json"
CLEAN = "tests/cases/ci/tiny-clean.json"  # no findings with --num-classes 3
# The contract, without the rules about a dataset's size and splits: every class of
# a 4-annotation sample is "few", and these samples are not splits of one dataset.
CONTRACT = ["--num-classes", "3", "--ignore", "few-annotations,class-missing-in-split"]
CI_VARIABLES = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")


@pytest.fixture(autouse=True)
def ci_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root with no CI or LABELCHECK_* variables from the caller's shell."""
    for name in [*CI_VARIABLES, *(name for name in os.environ if name.startswith("LABELCHECK_"))]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(ROOT)


def html_report_data(text: str) -> dict:
    """The data an HTML report draws itself from; the document must be whole."""
    assert text.startswith("<!DOCTYPE html>") and text.endswith("</html>\n")
    data = text.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    return json.loads(data)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def write_coco(path: Path, category_ids: list, num_classes: int = 3) -> Path:
    """A file with one image and one annotation per category id given."""
    document = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "categories": [{"id": number, "name": f"class{number}"} for number in range(num_classes)],
        "annotations": [
            {"id": index + 1, "image_id": 1, "category_id": category, "bbox": [1, 2, 3, 4], "area": 12, "iscrowd": 0}
            for index, category in enumerate(category_ids)
        ],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
