"""After `labelcheck clean` or `labelcheck remap`, the RetinaNet loss is finite and every label
trains the column of its class; and examples/retinanet_loss.py shows it.

Needs labelcheck.clean and labelcheck.remap (issue 4).
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

import labelcheck
from labelcheck.training import retinanet
from conftest import FIXTURES, ROOT, need_torch, outcome, run_cli, variant

need_torch()

BAD = FIXTURES / "openimages-mlperf-bad.json"
ONE_BASED = FIXTURES / "openimages-mlperf-1based.json"
EXAMPLE = ROOT / "examples" / "retinanet_loss.py"
# What clean drops: an annotation with any of these findings.
DROPPED_RULES = {"category-out-of-range", "invalid-category-id", "undefined-category", "invalid-bbox", "missing-image"}


def annotations_to_drop(path) -> set:
    return {f.annotation_id for f in labelcheck.scan(str(path)).findings if f.rule in DROPPED_RULES}


def assert_trains(path):
    assert outcome(path) == "trains"
    assert run_cli("scan", path).exit_code == 0


def test_clean_drops_the_bad_labels_and_the_loss_trains(tmp_path):
    output = tmp_path / "clean.json"
    result = labelcheck.clean(BAD, output)
    assert result.dropped_annotations == len(annotations_to_drop(BAD)) > 0
    assert_trains(output)


def test_clean_drops_a_negative_label_that_trained_the_last_column(tmp_path):
    negative = variant(tmp_path, BAD, "negative-only.json", lambda a: a["category_id"] >= retinanet.NUM_CLASSES)
    assert outcome(negative) == "mislabels"
    output = tmp_path / "clean.json"
    assert labelcheck.clean(negative, output).dropped_annotations == 1
    assert_trains(output)


def test_clean_alone_leaves_a_one_based_export_shifted_and_scan_says_so(tmp_path):
    output = tmp_path / "clean.json"
    labelcheck.clean(ONE_BASED, output)
    assert outcome(output) == "mislabels"
    assert run_cli("scan", output).exit_code == 1


@pytest.mark.parametrize("options", [{"offset": -1}, {"by_name": True}], ids=["offset", "by-name"])
def test_remap_repairs_a_one_based_export(tmp_path, options):
    output = tmp_path / "remapped.json"
    result = labelcheck.remap(ONE_BASED, output, **options)
    assert result.mapping == {category + 1: category for category in range(retinanet.NUM_CLASSES)}
    assert_trains(output)


@pytest.mark.parametrize(
    ("source", "command"),
    [(BAD, ["clean"]), (ONE_BASED, ["remap", "--offset", "-1"]), (ONE_BASED, ["remap", "--by-name"])],
    ids=["clean", "remap-offset", "remap-by-name"],
)
def test_cli_repairs_and_the_loss_trains(tmp_path, source, command):
    output = tmp_path / "fixed.json"
    result = run_cli(command[0], source, "-o", output, *command[1:])
    assert result.exit_code == 0, result.output
    assert_trains(output)


def test_example_shows_the_crash_then_the_finite_loss(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(IndexError) as crash:
        retinanet.classification_loss(retinanet.load_targets(BAD))
    cleaned = tmp_path / "cleaned.json"
    dropped = labelcheck.clean(BAD, cleaned).dropped_annotations
    loss = float(retinanet.classification_loss(retinanet.load_targets(cleaned)))
    kept = sum(len(target["labels"]) for target in retinanet.load_targets(cleaned))
    assert math.isfinite(loss)
    assert proc.stdout.splitlines() == [
        BAD.name,
        f"  loss before labelcheck: IndexError: {crash.value}",
        f"  labelcheck.clean: dropped {dropped} annotations",
        f"  loss after labelcheck:  {loss:.6f} (finite)",
        f"  {kept} of {kept} labels in their class's column",
    ]
