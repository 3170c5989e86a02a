"""Shared test helpers: paths, contract building, and running the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from labelcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CASES = Path(__file__).resolve().parent / "cases"


def run_cli(*args: str, input: bytes | str | None = None):
    """Run the CLI in-process; stderr is captured separately from stdout."""
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def contract_args(spec: dict, tmp_path: Path) -> list[str]:
    """CLI options for a case's contract spec (num_classes, mapping, classes)."""
    args = ["--num-classes", str(spec["num_classes"]), "--mapping", spec["mapping"]]
    if spec.get("classes"):
        classes = tmp_path / "classes.txt"
        classes.write_text("\n".join(spec["classes"]) + "\n", encoding="utf-8")
        args += ["--classes", str(classes)]
    return args


def json_report(result) -> dict:
    return json.loads(result.stdout)


@pytest.fixture
def write_json(tmp_path):
    """Write a document (dict or raw text) to a temp file and return its path."""

    def write(document, name: str = "labels.json") -> Path:
        path = tmp_path / name
        text = document if isinstance(document, str) else json.dumps(document)
        path.write_text(text, encoding="utf-8")
        return path

    return write
