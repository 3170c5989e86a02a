"""A guard between the data loader and the loss: every label must be a column of the head.

RetinaNet (MLPerf, torchvision) uses each label directly as a column index of its
[anchors, num_classes] classification target. A label >= num_classes kills the job with a CUDA
``index out of bounds`` assert; a negative label silently trains column ``num_classes + label``.
``labelcheck scan`` finds these in the annotation file before training; this guard catches them
in the batch, whatever produced it (a transform, a merged dataset, a file nobody scanned).

Labels may be torch tensors (on any device), numpy arrays or lists; ``import labelcheck`` does
not import torch.

In a collate function, skipping the images the head cannot train on (each is logged on the
``labelcheck.guard`` logger). The images and targets stay aligned, and a loss that averages over
``len(targets)``, as RetinaNet's does, is averaged over the images kept::

    from labelcheck import guard

    def collate(batch):
        images, targets = zip(*batch)
        checked = guard.check_targets(targets, num_classes=264, mode="skip")
        return checked.select(images), checked.targets

    for images, targets in loader:
        if not targets:  # every image of the batch was skipped
            continue
        losses = model(images, targets)

In a dataset's ``__getitem__``, failing at the first bad image with its id (the error reaches
the main process from a DataLoader worker)::

    class Dataset(CocoDetection):
        def __getitem__(self, index):
            image, target = super().__getitem__(index)
            return image, guard.check_target(target, num_classes=264)

A target is a torchvision detection target (a dict with ``"labels"`` and, optionally,
``"image_id"``) or the labels themselves; an image without an id is named by its position in
the batch.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

logger = logging.getLogger("labelcheck.guard")  # the public name, as documented

MODES = ("raise", "skip")


class InvalidLabelError(ValueError):
    """A target has a label that is not a column of the classification head."""

    def __init__(self, message: str, *, image_id: Any, position: int, labels: list, num_classes: int):
        super().__init__(message)
        self.image_id = image_id  # None when the target carries no image_id
        self.position = position  # index of the target in the batch
        self.labels = labels  # the offending labels, as Python values
        self.num_classes = num_classes


@dataclass(frozen=True)
class CheckedBatch:
    """The targets kept, their positions in the input batch, and one error per image skipped."""

    targets: list
    kept: list[int]
    errors: tuple[InvalidLabelError, ...] = ()

    @property
    def skipped(self) -> int:
        return len(self.errors)

    def select(self, items: Sequence) -> list:
        """The items (images, file names...) of the kept targets, aligned with ``targets``."""
        return [items[position] for position in self.kept]


def check_targets(
    targets: Sequence[Any], num_classes: int, *, mode: Literal["raise", "skip"] = "raise"
) -> CheckedBatch:
    """Check every target's labels against ``0..num_classes-1``.

    ``mode="raise"``: raise :class:`InvalidLabelError` for the first bad image.
    ``mode="skip"``: drop the bad images, log each at WARNING, and return the rest.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    num_classes = _num_classes(num_classes)
    kept, errors = [], []
    for position, target in enumerate(targets):
        error = _error(target, position, num_classes)
        if error is None:
            kept.append(position)
        elif mode == "raise":
            raise error
        else:
            logger.warning("skipped %s", error)
            errors.append(error)
    return CheckedBatch([targets[position] for position in kept], kept, tuple(errors))


def check_target(target: Any, num_classes: int) -> Any:
    """Check one image's target; return it unchanged or raise :class:`InvalidLabelError`."""
    check_targets([target], num_classes)
    return target


def _num_classes(value: Any) -> int:
    number = operator.index(value)
    if number < 1:
        raise ValueError(f"num_classes must be at least 1, got {number}")
    return number


def _error(target: Any, position: int, num_classes: int) -> InvalidLabelError | None:
    is_dict = isinstance(target, dict)
    labels = _as_array(target["labels"] if is_dict else target)
    bad, problem = _bad_labels(labels, num_classes)
    if problem is None:
        return None
    image_id = _scalar(target.get("image_id")) if is_dict else None
    where = f"image {image_id!r}" if image_id is not None else f"image at batch position {position}"
    return InvalidLabelError(
        f"{where}: {problem}", image_id=image_id, position=position, labels=bad, num_classes=num_classes
    )


def _bad_labels(labels: np.ndarray, num_classes: int) -> tuple[list, str | None]:
    """The labels the head cannot train, and what the loss would do with them (None: all good)."""
    if labels.size == 0:
        return [], None
    if labels.dtype.kind not in "iu":
        problem = f"labels have dtype {labels.dtype}, not an integer type; the loss indexes columns with them"
        return labels.tolist(), problem
    bad = labels[(labels < 0) | (labels >= num_classes)].tolist()
    if not bad:
        return [], None
    problem = f"{_consequence(bad[0], num_classes)}; valid labels are 0..{num_classes - 1}"
    if len(bad) > 1:
        problem += f" ({len(bad) - 1} more bad label{'s' if len(bad) > 2 else ''} in this image: {bad[1:6]})"
    return bad, problem


def _consequence(label: int, num_classes: int) -> str:
    if label >= num_classes:
        return f"label {label} >= num_classes {num_classes}: the loss would crash with 'index out of bounds'"
    if label >= -num_classes:
        return f"label {label} is negative: the loss would silently train column {num_classes + label}"
    return f"label {label} is negative: the loss would crash with 'index out of bounds'"


def _as_array(labels: Any) -> np.ndarray:
    if hasattr(labels, "detach"):  # a torch tensor, maybe on a GPU: numpy reads only host memory
        labels = labels.detach().cpu()
    return np.asarray(labels).reshape(-1)


def _scalar(value: Any) -> Any:
    """torchvision targets hold the image id as a one-element tensor; report it as a number."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value
