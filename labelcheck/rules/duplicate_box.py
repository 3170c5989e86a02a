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

from ..core.dataset import usable
from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import Rule, RuleOption, box_text
from .context import BatchView, FileContext

# Boxes of an image kept from one batch for the next (an image's annotations may straddle two),
# looked for among the last boxes of a batch and the first of the next.
CARRIED_AT_MOST = 4096
# Each box is compared with this many following boxes of its image and category, in order of x.
NEIGHBOURS = 64
# Image and category ids as one key (a collision only makes a candidate pair, which is checked).
_KEY_FACTOR = np.int64(1_000_003)


@dataclass
class _Carried:
    """The boxes of the last image of a batch, with their file positions and annotation ids."""

    image: np.ndarray
    category: np.ndarray
    box: np.ndarray  # (n, 4)
    position: np.ndarray
    ids: list[Any]

    @classmethod
    def none(cls) -> "_Carried":
        nothing = np.zeros(0, dtype=np.int64)
        return cls(nothing, nothing, np.zeros((0, 4)), nothing, [])


class DuplicateBox(Rule):
    ID = "duplicate-box"
    SEVERITY = Severity.WARNING
    CLEANABLE = True
    OPTIONS = (RuleOption("iou", 0.95, "the intersection over union above which boxes are the same", maximum=1),)

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        self.carried = _Carried.none()

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        valid = view.box_usable & view.category_usable & usable(batch.image_id_kind)
        # row -> (position, annotation id) of the earliest box it repeats
        earlier = {later: (batch.start + first, None) for later, first in
                   self._repeats(batch.image_id, batch.category_id, batch.bbox, valid).items()}
        earlier.update(self._across_the_boundary(batch, valid, earlier))
        self.carried = self._carry(batch, valid)
        for row in sorted(earlier):
            position, partner = earlier[row]
            if partner is None:
                partner = batch.raw_annotation_id(position - batch.start)
            yield self.annotation_finding(
                view,
                row,
                f"bbox {box_text(batch.bbox[row])} repeats annotation {describe(partner)} "
                f"($.annotations[{position}]) of the same image and category: one object labelled twice; "
                "drop one of them",
                "bbox",
            )

    def _across_the_boundary(self, batch: Any, valid: np.ndarray, found: dict) -> dict[int, tuple[int, Any]]:
        """Boxes of this batch that repeat a box carried from the batch before (earlier than any found here)."""
        carried = self.carried
        if not len(carried.position):
            return {}
        head = slice(0, CARRIED_AT_MOST)  # where the carried image's annotations go on, if they do
        rows = np.flatnonzero(valid[head] & (batch.image_id[head] == carried.image[0]))
        if not len(rows):
            return {}
        image = np.concatenate([carried.image, batch.image_id[rows]])
        category = np.concatenate([carried.category, batch.category_id[rows]])
        boxes = np.concatenate([carried.box, batch.bbox[rows]])
        before = len(carried.position)
        repeats = {}
        for later, first in self._repeats(image, category, boxes, np.ones(len(image), dtype=bool)).items():
            if later >= before and first < before:  # pairs within this batch are found above
                repeats[int(rows[later - before])] = (int(carried.position[first]), carried.ids[first])
        return repeats

    def _carry(self, batch: Any, valid: np.ndarray) -> _Carried:
        """The boxes of this batch's last image (after those carried before, if the image goes on)."""
        start = max(0, len(valid) - CARRIED_AT_MOST)  # the image's annotations end the batch, if any do
        rows = start + np.flatnonzero(valid[start:])
        if not len(rows):
            return self.carried
        last = batch.image_id[rows[-1]]
        rows = rows[batch.image_id[rows] == last]
        these = _Carried(batch.image_id[rows], batch.category_id[rows], batch.bbox[rows], batch.start + rows,
                         [batch.raw_annotation_id(int(row)) for row in rows.tolist()])
        before = self.carried
        if not len(before.position) or before.image[0] != last or len(rows) == CARRIED_AT_MOST:
            return these
        keep = max(0, len(before.position) + len(rows) - CARRIED_AT_MOST)
        return _Carried(np.concatenate([before.image[keep:], these.image]),
                        np.concatenate([before.category[keep:], these.category]),
                        np.concatenate([before.box[keep:], these.box]),
                        np.concatenate([before.position[keep:], these.position]), before.ids[keep:] + these.ids)

    def _repeats(self, image: np.ndarray, category: np.ndarray, boxes: np.ndarray, valid: np.ndarray) -> dict[int, int]:
        """For each row that repeats an earlier valid row (rows are in file order), the earliest it repeats."""
        key = image * _KEY_FACTOR + category
        every = bool(valid.all())
        rows = np.arange(len(key)) if every else np.flatnonzero(valid)
        if len(rows) < 2:
            return {}
        keys = key if every else key[rows]
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        same = ordered[1:] == ordered[:-1]
        if not same.any():  # the usual batch: no image has two boxes of one category
            return {}
        grouped = np.zeros(len(order), dtype=bool)
        grouped[1:] |= same
        grouped[:-1] |= same
        candidates = rows[order[grouped]]
        candidates = candidates[np.lexsort((boxes[candidates, 0], key[candidates]))]
        found: dict[int, int] = {}
        for step in range(1, min(NEIGHBOURS, len(candidates) - 1) + 1):
            first, second = candidates[:-step], candidates[step:]
            pair = (image[first] == image[second]) & (category[first] == category[second])
            if not pair.any():
                break  # no group is larger than this step
            first, second = first[pair], second[pair]
            same = self._same(boxes[first], boxes[second])
            for a, b in zip(first[same].tolist(), second[same].tolist()):
                earlier, later = min(a, b), max(a, b)
                found[later] = min(earlier, found.get(later, earlier))
        return found

    def _same(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):  # sizes near float range: inf areas compare anyway
            return self._overlap(a, b)

    def _overlap(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        across = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
        down = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
        inter = np.clip(across, 0, None) * np.clip(down, 0, None)
        union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
        return (a == b).all(axis=1) | (inter > self.options["iou"] * union)
