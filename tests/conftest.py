"""Shared test helpers: paths, contract building, and running the CLI."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from labelcheck.training import retinanet
from labelcheck.cli.commands import main
from labelcheck.core.contract import mlperf_class_names

ROOT = Path(__file__).resolve().parent.parent
# Set by .ci/run, which installs torch: there a missing torch fails the loss tests instead of skipping them.
REQUIRE_TORCH = "TESTS_REQUIRE_TORCH"
TORCH_CPU = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
FIXTURES = ROOT / "fixtures"
CASES = Path(__file__).resolve().parent / "cases"


def load_benchmark():
    """benchmarks/bench_scan.py as a module: its generator makes the large test files."""
    if "bench_scan" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_scan", ROOT / "benchmarks" / "bench_scan.py")
        sys.modules["bench_scan"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["bench_scan"])  # type: ignore[union-attr]
    return sys.modules["bench_scan"]
def need_torch():
    """torch, for the tests of the RetinaNet loss: skipped, saying why and how to install it, where
    it is missing (the README's test command does not install it); a failure under .ci/run."""
    try:
        import torch
    except ImportError:
        if os.environ.get(REQUIRE_TORCH) == "1":
            pytest.fail(f"torch is not installed, and {REQUIRE_TORCH}=1 requires the loss tests to run: {TORCH_CPU}",
                        pytrace=False)
        pytest.skip(f"the RetinaNet loss tests need torch (the CPU build: {TORCH_CPU})", allow_module_level=True)
    return torch


def run_cli(*args: str, input: bytes | str | None = None):
    """Run the CLI in-process; stderr is captured separately from stdout."""
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def contract_args(spec: dict, tmp_path: Path) -> list[str]:
    """CLI options for a case's contract spec (num_classes, mapping or loader, classes)."""
    args = []
    for key in ("num_classes", "mapping", "loader"):
        if spec.get(key) is not None:
            args += [f"--{key.replace('_', '-')}", str(spec[key])]
    if spec.get("classes"):
        classes = tmp_path / "classes.txt"
        classes.write_text("\n".join(spec["classes"]) + "\n", encoding="utf-8")
        args += ["--classes", str(classes)]
    return args


def json_report(result) -> dict:
    return json.loads(result.stdout)


def coco_document(categories, used) -> dict:
    """A one-image COCO document: ``categories`` as (id, name) pairs, one annotation per id in ``used``."""
    return {
        "categories": [{"id": i, "name": n} for i, n in categories],
        "images": [{"id": 1, "file_name": "x.jpg"}],
        "annotations": [
            {"id": k, "image_id": 1, "category_id": c, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}
            for k, c in enumerate(used, start=1)
        ],
    }


@pytest.fixture
def write_json(tmp_path):
    """Write a document (dict or raw text) to a temp file and return its path."""

    def write(document, name: str = "labels.json") -> Path:
        path = tmp_path / name
        text = document if isinstance(document, str) else json.dumps(document)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def variant(tmp_path: Path, source: Path, name: str, drop) -> Path:
    """A copy of a fixture without the annotations for which drop(annotation) is true."""
    document = json.loads(source.read_text(encoding="utf-8"))
    document["annotations"] = [a for a in document["annotations"] if not drop(a)]
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def outcome(path: Path) -> str:
    """What MLPerf RetinaNet's classification loss does with the file (needs torch): 'crashes',
    'mislabels', or 'trains' (finite, every label in the column of its category's name)."""
    targets = retinanet.load_targets(path)
    try:
        loss = retinanet.classification_loss(targets)
    except IndexError:
        return "crashes"
    assert math.isfinite(float(loss))
    columns = retinanet.label_columns(targets)
    return "trains" if columns == retinanet.intended_columns(path, mlperf_class_names()) else "mislabels"
