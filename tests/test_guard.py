"""labelcheck.guard: a batch's labels checked against the head before the loss."""

from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest

import labelcheck
from labelcheck.guard import InvalidLabelError, check_target, check_targets
from conftest import FIXTURES, ROOT, need_torch

BAD = FIXTURES / "openimages-mlperf-bad.json"


def batch(*labels, first_id=100):
    return [{"labels": np.asarray(values, dtype=np.int64), "image_id": first_id + i} for i, values in enumerate(labels)]


def test_import_labelcheck_does_not_import_torch():
    code = "import labelcheck, labelcheck.training.retinanet, sys; assert labelcheck.guard and 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_retinanet_without_torch_says_how_to_install(monkeypatch):
    from labelcheck.training import retinanet

    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    with pytest.raises(ImportError, match=r"pip install 'labelcheck\[torch\]'"):
        retinanet.load_targets(BAD)


def test_good_batch_passes_whole():
    targets = batch([0, 5], [263], [])
    checked = check_targets(targets, 264)
    assert checked.targets == targets and checked.kept == [0, 1, 2] and checked.skipped == 0


def test_raise_names_the_image_the_label_and_the_valid_range():
    with pytest.raises(InvalidLabelError) as caught:
        check_targets(batch([1, 2], [3, 264, 300]), 264)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.image_id, error.position, error.labels, error.num_classes) == (101, 1, [264, 300], 264)
    message = str(error)
    assert message.startswith("image 101: label 264 >= num_classes 264")
    assert "index out of bounds" in message and "valid labels are 0..263" in message
    assert "1 more bad label in this image: [300]" in message


def test_negative_label_names_the_column_it_would_train():
    with pytest.raises(InvalidLabelError, match="label -1 is negative: the loss would silently train column 263"):
        check_targets(batch([-1]), 264)
    with pytest.raises(InvalidLabelError, match="label -265 is negative: the loss would crash"):
        check_targets(batch([-265]), 264)


def test_skip_drops_bad_images_counts_and_logs_them(caplog):
    targets = batch([1], [264], [2, 3], [-1, 4])
    with caplog.at_level(logging.WARNING, logger="labelcheck.guard"):
        checked = check_targets(targets, 264, mode="skip")
    assert checked.targets == [targets[0], targets[2]] and checked.kept == [0, 2]
    assert checked.skipped == 2
    assert [error.image_id for error in checked.errors] == [101, 103]
    assert [record.getMessage() for record in caplog.records] == [f"skipped {error}" for error in checked.errors]
    assert checked.select(["a.jpg", "b.jpg", "c.jpg", "d.jpg"]) == ["a.jpg", "c.jpg"]


def test_skip_can_drop_the_whole_batch():
    checked = check_targets(batch([264], [999]), 264, mode="skip")
    assert (checked.targets, checked.kept, checked.skipped) == ([], [], 2)


def test_plain_label_sequences_are_named_by_batch_position():
    with pytest.raises(InvalidLabelError, match=r"^image at batch position 2: label 7 >= num_classes 5") as caught:
        check_targets([[0, 1], np.array([4]), (7,)], 5)
    assert caught.value.image_id is None and caught.value.position == 2


def test_non_integer_labels_are_rejected():
    for labels in (np.array([1.0, 2.0]), np.array([True])):
        with pytest.raises(InvalidLabelError, match=f"dtype {labels.dtype}, not an integer type"):
            check_targets([labels], 264)


def test_unsigned_and_empty_labels_pass():
    targets = [np.array([0, 263], dtype=np.uint16), np.array([]), []]
    assert check_targets(targets, 264).kept == [0, 1, 2]


def test_check_target_returns_it_or_raises():
    target = {"labels": np.array([3]), "image_id": 7}
    assert check_target(target, 264) is target
    with pytest.raises(InvalidLabelError, match="^image 7: label 3 >= num_classes 3"):
        check_target(target, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"mode": "drop"}, "mode must be"), ({"num_classes": 0}, "at least 1")]
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_targets(batch([1]), **{"num_classes": 264, **kwargs})


def test_guard_is_exported():
    assert labelcheck.guard.check_targets is check_targets


# torch


def test_torch_targets_with_tensor_image_ids():
    torch = need_torch()
    targets = [
        {"labels": torch.tensor([0, 12]), "image_id": torch.tensor([16])},
        {"labels": torch.tensor([264]), "image_id": torch.tensor([17])},
    ]
    with pytest.raises(InvalidLabelError, match="^image 17: label 264 >= num_classes 264") as caught:
        check_targets(targets, 264)
    assert caught.value.image_id == 17
    checked = check_targets(targets, 264, mode="skip")
    assert checked.targets == [targets[0]] and checked.skipped == 1
    with pytest.raises(InvalidLabelError, match="dtype float32"):
        check_targets([torch.tensor([1.0])], 264)


def test_guard_rejects_exactly_the_images_the_loss_cannot_train():
    """On the bad sample's real targets: skipped iff the loss crashes on the image or trains a
    column other than the label; the kept batch's loss is finite."""
    need_torch()
    from labelcheck.training import retinanet

    targets = retinanet.load_targets(BAD)
    checked = check_targets(targets, retinanet.NUM_CLASSES, mode="skip")
    for position, target in enumerate(targets):
        try:
            trains = retinanet.label_columns([target]) == [target["labels"].tolist()]
        except IndexError:
            trains = False
        assert (position in checked.kept) == trains
    report = labelcheck.scan(str(BAD), policy=labelcheck.Policy(select=frozenset({"category-out-of-range"})))
    assert checked.skipped == len({finding.image_id for finding in report.findings}) > 0
    assert np.isfinite(float(retinanet.classification_loss(checked.targets)))
    with pytest.raises(InvalidLabelError) as caught:
        check_targets(targets, retinanet.NUM_CLASSES)
    assert caught.value.image_id == min(finding.image_id for finding in report.findings)
