"""MLPerf RetinaNet's path from an annotation file to its classification loss, on CPU.

The code that crashes on a bad label, reproduced so labelcheck's verdict can be checked against
what the loss does (tests/test_retinanet.py, examples/retinanet_loss.py). Sources, in
mlcommons/training ``retired_benchmarks/retinanet``:

- :func:`load_targets`: ``ssd/coco_utils.py``, ``CocoDetection`` with
  ``ConvertCocoPolysToMask(filter_iscrowd=False)`` as ``get_openimages`` builds it. The raw
  ``category_id`` becomes the int64 label: no mapping, no range check.
- :func:`classification_loss`: ``ssd/model/retinanet.py``,
  ``RetinaNetClassificationHead.compute_loss`` with ``torchvision.ops.sigmoid_focal_loss``.
  Each matched box's label is used as a column index into a [anchors, num_classes] target.

On a GPU a label >= num_classes is the device-side assert ``index out of bounds``; on CPU the same
indexing raises ``IndexError``. A negative label does not raise: it indexes from the end and trains
column ``num_classes + label``.

    >>> from labelcheck import retinanet
    >>> targets = retinanet.load_targets("fixtures/openimages-mlperf-clean.json")
    >>> float(retinanet.classification_loss(targets)) > 0
    True

torch is imported when a function runs, never at import: ``pip install 'labelcheck[torch]'``.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pycocotools.coco import COCO

if TYPE_CHECKING:
    import torch

NUM_CLASSES = 264  # ssd/train.py: dataset openimages-mlperf
PRIOR_PROBABILITY = 0.01  # the head's bias init: every logit starts at -log((1 - p) / p)
BACKGROUND = -1  # Matcher: IoU below the background threshold
BETWEEN_THRESHOLDS = -2  # Matcher: ignored by the loss
BACKGROUND_ANCHORS = 8  # per image; they add the negatives' share of the focal loss


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("labelcheck.training.retinanet needs PyTorch: pip install 'labelcheck[torch]'") from None
    return torch


def load_targets(path: str | Path) -> list[dict[str, torch.Tensor]]:
    """The training targets of every image, in the loader's order."""
    return [build_target(image, annotations) for image, annotations in _images(_load_coco(path))]


def build_target(image: dict[str, Any], annotations: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    """``ConvertCocoPolysToMask``: one image's annotations to a torchvision detection target.

    The image size comes from the file's ``width``/``height`` (the reference reads the decoded
    image, which has the same size).
    """
    torch = _torch()
    boxes, keep = _boxes(image, annotations)
    labels = torch.tensor([obj["category_id"] for obj in annotations], dtype=torch.int64)
    return {
        "boxes": boxes[keep],
        "labels": labels[keep],
        "image_id": torch.tensor([image["id"]]),
        # Read for every annotation, kept or not, as the reference does: a missing key is a KeyError.
        "area": torch.tensor([obj["area"] for obj in annotations]),
        "iscrowd": torch.tensor([obj["iscrowd"] for obj in annotations]),
    }


def intended_columns(path: str | Path, class_names: Sequence[str]) -> list[list[int | None]]:
    """Per image, per kept box (the order of :func:`load_targets`): the column of its category's
    name in ``class_names``, the column it should train; None when the name is not a class or the
    category is not declared."""
    coco = _load_coco(path)
    column = {name: index for index, name in enumerate(class_names)}
    result = []
    for image, objects in _images(coco):
        _, keep = _boxes(image, objects)
        names = [coco.cats.get(obj["category_id"], {}).get("name") for obj in objects]
        result.append([column.get(name) for name, kept in zip(names, keep.tolist()) if kept])
    return result


def classification_loss(targets: Sequence[dict[str, torch.Tensor]], num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """``compute_loss`` on the head's output at initialisation: per image, the focal loss summed
    over the anchors not ignored, divided by the foreground anchors; then averaged over images.

    Raises IndexError where CUDA would assert ``index out of bounds``.
    """
    losses = []
    for target in targets:
        matched_idxs = match_anchors(len(target["labels"]))
        logits = prior_logits(len(matched_idxs), num_classes)
        gt_classes_target = classification_target(target["labels"], matched_idxs, num_classes)
        valid = matched_idxs != BETWEEN_THRESHOLDS
        num_foreground = int((matched_idxs >= 0).sum())
        losses.append(sigmoid_focal_loss(logits[valid], gt_classes_target[valid]) / max(1, num_foreground))
    return sum(losses) / len(targets)


def label_columns(targets: Sequence[dict[str, torch.Tensor]], num_classes: int = NUM_CLASSES) -> list[list[int]]:
    """Per image, per box: the column ``compute_loss`` sets to 1.0 for it, read back from the
    target tensor it builds. Raises IndexError as the loss does."""
    result = []
    for target in targets:
        matched_idxs = match_anchors(len(target["labels"]))
        gt_classes_target = classification_target(target["labels"], matched_idxs, num_classes)
        rows, columns = gt_classes_target.nonzero(as_tuple=True)
        by_box = dict(zip(matched_idxs[rows].tolist(), columns.tolist()))
        result.append([by_box[box] for box in range(len(target["labels"]))])
    return result


def match_anchors(num_boxes: int) -> torch.Tensor:
    """``matched_idxs`` as the Matcher returns them: every box matched by one anchor (its best
    anchor, which ``allow_low_quality_matches`` keeps), then background anchors and one ignored."""
    torch = _torch()
    return torch.cat(
        [
            torch.arange(num_boxes),
            torch.full((BACKGROUND_ANCHORS,), BACKGROUND),
            torch.tensor([BETWEEN_THRESHOLDS]),
        ]
    )


def prior_logits(num_anchors: int, num_classes: int) -> torch.Tensor:
    """The classification head's output before training: every logit is the prior bias."""
    bias = -math.log((1 - PRIOR_PROBABILITY) / PRIOR_PROBABILITY)
    return _torch().full((num_anchors, num_classes), bias)


def classification_target(labels: torch.Tensor, matched_idxs: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``gt_classes_target`` of ``compute_loss``: each foreground anchor's box label is a column index."""
    foreground = matched_idxs >= 0
    gt_classes_target = _torch().zeros((len(matched_idxs), num_classes))
    gt_classes_target[foreground, labels[matched_idxs[foreground]]] = 1.0
    return gt_classes_target


def sigmoid_focal_loss(
    inputs: torch.Tensor, targets: torch.Tensor, alpha: float = 0.25, gamma: float = 2.0
) -> torch.Tensor:
    """``torchvision.ops.sigmoid_focal_loss(..., reduction="sum")``."""
    torch = _torch()
    p = torch.sigmoid(inputs)
    ce_loss = torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return (alpha_t * ce_loss * (1 - p_t) ** gamma).sum()


def _load_coco(path: str | Path) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress while loading
        return COCO(str(path))


def _images(coco: COCO) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """torchvision ``CocoDetection``: images by sorted id, each with its annotations in file order."""
    for image_id in sorted(coco.imgs):
        yield coco.imgs[image_id], coco.loadAnns(coco.getAnnIds(imgIds=image_id))


def _boxes(image: dict[str, Any], annotations: list[dict[str, Any]]) -> tuple[torch.Tensor, torch.Tensor]:
    """xywh to xyxy clamped to the image, and which boxes keep a positive width and height."""
    torch = _torch()
    boxes = torch.as_tensor([obj["bbox"] for obj in annotations], dtype=torch.float32).reshape(-1, 4)
    boxes[:, 2:] += boxes[:, :2]
    boxes[:, 0::2].clamp_(min=0, max=image["width"])
    boxes[:, 1::2].clamp_(min=0, max=image["height"])
    keep = (boxes[:, 3] > boxes[:, 1]) & (boxes[:, 2] > boxes[:, 0])
    return boxes, keep
