"""The same object labelled twice: the same image, category and box (or nearly the same box).

Two annotations of one object train the detector to predict it twice and, in
a validation file, make one correct prediction count as a miss (COCOeval
matches each prediction to one ground-truth box). Usually a merge of two
labelling passes or an export run twice. Boxes count as the same when they
are equal or overlap with an intersection over union above the threshold.
The later annotation is reported, naming the earlier one.

Compared among the annotations of an image that the file writes together
(exports write an image's annotations one after the other): memory stays
bounded, so copies of a box far apart in the file are not compared.

Default severity: warning.

Options (``[tool.labelcheck.rule-options.duplicate-box]``): ``iou`` (default
0.95): boxes of one image and category overlapping more than this are
duplicates; 1 reports only exact copies.

Fails:

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [10, 20, 30, 40], ...}
    {"id": 8, "image_id": 1, "category_id": 3, "bbox": [10, 20, 30, 40.5], ...}

Passes (another category, or boxes that overlap less):

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [10, 20, 30, 40], ...}
    {"id": 8, "image_id": 1, "category_id": 4, "bbox": [10, 20, 30, 40], ...}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..core.findings import Finding, Severity
from .base import BatchView, FileContext, Rule, RuleOption, box_text, describe, usable

# Boxes of an image kept from one batch for the next (an image's annotations may straddle two).
CARRIED_AT_MOST = 4096
# Each box is compared with this many following boxes of its image and category, in order of x.
NEIGHBOURS = 64


@dataclass
class _Boxes:
    """Usable boxes with their image and category ids, file positions and annotation ids."""

    image: np.ndarray
    category: np.ndarray
    box: np.ndarray  # (n, 4) float64
    position: np.ndarray  # int64: index in the file's annotations array
    ids: list[Any]  # raw annotation ids, for messages

    @classmethod
    def empty(cls) -> "_Boxes":
        nothing = np.zeros(0, dtype=np.int64)
        return cls(nothing, nothing, np.zeros((0, 4)), nothing, [])

    def __len__(self) -> int:
        return len(self.position)

    def take(self, rows: np.ndarray, ids: list[Any]) -> "_Boxes":
        return _Boxes(self.image[rows], self.category[rows], self.box[rows], self.position[rows], ids)

    def then(self, other: "_Boxes") -> "_Boxes":
        return _Boxes(np.concatenate([self.image, other.image]), np.concatenate([self.category, other.category]),
                      np.concatenate([self.box, other.box]), np.concatenate([self.position, other.position]),
                      self.ids + other.ids)


class DuplicateBox(Rule):
    ID = "duplicate-box"
    SEVERITY = Severity.WARNING
    CLEANABLE = True
    OPTIONS = (RuleOption("iou", 0.95, "the intersection over union above which boxes are the same", maximum=1),)

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        self.carried = _Boxes.empty()

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        keep = np.flatnonzero(view.box_usable & view.category_usable & usable(batch.image_id_kind))
        current = _Boxes(batch.image_id[keep], batch.category_id[keep], batch.bbox[keep], batch.start + keep, [])
        carried, boxes = len(self.carried), self.carried.then(current)

        def annotation_id(index: int) -> Any:
            return boxes.ids[index] if index < carried else batch.raw_annotation_id(int(boxes.position[index]) - batch.start)

        repeats = self._duplicates(boxes, carried)
        last_image = np.flatnonzero(boxes.image == boxes.image[-1])[-CARRIED_AT_MOST:] if len(boxes) else keep
        self.carried = boxes.take(last_image, [annotation_id(index) for index in last_image.tolist()])
        for later, earlier in repeats.items():
            row = int(boxes.position[later]) - batch.start
            yield self.annotation_finding(
                view,
                row,
                f"bbox {box_text(batch.bbox[row])} repeats annotation {describe(annotation_id(earlier))} "
                f"($.annotations[{int(boxes.position[earlier])}]) of the same image and category: "
                "one object labelled twice; drop one of them",
                "bbox",
            )

    def _duplicates(self, boxes: _Boxes, carried: int) -> dict[int, int]:
        """For each box after the first ``carried`` that repeats an earlier one, the earliest
        box it repeats (indexes into ``boxes``), in file order."""
        if len(boxes) < 2:
            return {}
        # One key for image and category (a collision only makes a candidate, checked below).
        key = boxes.image * np.int64(1_000_003) + boxes.category
        order = np.argsort(key, kind="stable")
        same = key[order][1:] == key[order][:-1]
        if not same.any():  # the usual batch: no image has two boxes of one category
            return {}
        grouped = np.zeros(len(order), dtype=bool)
        grouped[1:] |= same
        grouped[:-1] |= same
        candidates = order[grouped]
        candidates = candidates[np.lexsort((boxes.box[candidates, 0], key[candidates]))]
        found: dict[int, int] = {}
        for step in range(1, min(NEIGHBOURS, len(candidates) - 1) + 1):
            first, second = candidates[:-step], candidates[step:]
            pair = (boxes.image[first] == boxes.image[second]) & (boxes.category[first] == boxes.category[second])
            if not pair.any():
                break  # no group is larger than this step
            first, second = first[pair], second[pair]
            repeats = self._same(boxes.box[first], boxes.box[second])
            for a, b in zip(first[repeats].tolist(), second[repeats].tolist()):
                earlier, later = (a, b) if boxes.position[a] < boxes.position[b] else (b, a)
                if later >= carried and (later not in found or boxes.position[earlier] < boxes.position[found[later]]):
                    found[later] = earlier
        return dict(sorted(found.items(), key=lambda item: int(boxes.position[item[0]])))

    def _same(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        across = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
        down = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
        inter = np.clip(across, 0, None) * np.clip(down, 0, None)
        union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
        return (a == b).all(axis=1) | (inter > self.options["iou"] * union)
