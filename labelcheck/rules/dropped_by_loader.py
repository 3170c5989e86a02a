"""The training loader silently leaves an annotation or an image out.

Checked under a loader profile (``--loader``, or a preset). Each annotation
and image the loader drops without an error, with the reason in the loader's
own terms and its source line: crowd annotations, boxes that are degenerate
after the loader's own xywh-to-xyxy conversion and clamping, MMDetection's
``area <= 0``, ``w < 1``, ``h < 1`` and boxes outside the image, detectron2's
instances without a valid polygon, images with no usable annotation,
MMDetection's images under 32 px. A class that loses every one of its
annotations this way is called out (the model never sees it). Boxes that
invalid-bbox reports, annotations of images not in the file (missing-image)
and of categories the contract has no column for (category-out-of-range) are
not repeated here. ``labelcheck loaders`` compares what each loader drops.

Default severity: warning.

Fails (--loader torchvision; image 1 is 640x480):

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40], "iscrowd": 1, ...}
    {"id": 8, "image_id": 1, "category_id": 3, "bbox": [700, 20, 30, 40], "iscrowd": 0, ...}

Passes (--loader torchvision):

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40], "iscrowd": 0, ...}
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Iterator

import numpy as np

from ..core.findings import Finding, Severity
from .base import BatchView, FileContext, MaskRule, describe, exclusive, reached, usable, usable_boxes


class DroppedByLoader(MaskRule):
    ID = "dropped-by-loader"
    SEVERITY = Severity.WARNING
    NEEDS_LOADER = True
    CLEANABLE = True
    REPORTS_REASON = True

    def __init__(self, ctx: FileContext, severity: Severity | None = None) -> None:
        super().__init__(ctx, severity)
        assert ctx.profile is not None
        self.profile = ctx.profile
        self.says = {condition.key: condition.says for condition in self.profile.drops}
        self.says.update((drop.key, drop.says) for drop in self.profile.image_drops)
        # Per image drop that needs some annotation to keep the image: which images have one.
        self.kept_images = {drop.key: np.zeros(len(ctx.images), dtype=bool)
                            for drop in self.profile.image_drops if drop.kept_by is not None}
        self.per_class: Counter = Counter()  # column -> annotations with it
        self.kept_per_class: Counter = Counter()  # column -> annotations the loader keeps

    def offending(self, view: BatchView) -> Iterator[tuple[str, np.ndarray]]:
        facts, n = view.facts, self.ctx.contract.num_classes
        read = reached(view, self.profile)
        dropped = np.zeros(len(view.batch), dtype=bool)
        reported = read & usable_boxes(view.batch) & ~view.unmapped
        for reason, mask in exclusive(((c.key, c.test(facts) & read) for c in self.profile.drops), len(view.batch)):
            dropped |= mask
            yield reason, mask & reported
        for drop in self.profile.image_drops:
            if drop.kept_by is not None:
                keeps = drop.kept_by(facts) & view.facts.found & (view.has_column if drop.listed_only else True)
                self.kept_images[drop.key][view.image_row[keeps]] = True
        in_head = read & view.has_column & (view.column >= 0) & (view.column < n)
        self._count(self.per_class, view.column[in_head])
        self._count(self.kept_per_class, view.column[in_head & ~dropped])

    @staticmethod
    def _count(counter: Counter, columns: np.ndarray) -> None:
        values, counts = np.unique(columns, return_counts=True)
        counter.update(dict(zip(values.tolist(), counts.tolist())))

    def message(self, view: BatchView, row: int, reason: str) -> str:
        return f"{self.profile.framework} leaves this annotation out: {self.says[reason]}"

    def offending_images(self) -> Iterable[tuple[str, np.ndarray]]:
        images = self.ctx.images
        listed = usable(images.id_kind)

        def dropped(drop) -> np.ndarray:
            if drop.min_side is not None:
                with np.errstate(invalid="ignore"):
                    return listed & (np.minimum(images.width, images.height) < drop.min_side)
            return listed & ~self.kept_images[drop.key]

        return exclusive(((drop.key, dropped(drop)) for drop in self.profile.image_drops), len(images))

    def image_message(self, row: int, reason: str) -> str:
        return f"{self.profile.framework} leaves this image out: {self.says[reason]}"

    def file_findings(self) -> Iterator[Finding]:
        for column, total in sorted(self.per_class.items()):
            if self.kept_per_class[column]:
                continue
            name = self.ctx.class_name(column)
            named = f" {describe(name)}" if name is not None else ""
            lost = "its only annotation" if total == 1 else f"all {total} of its annotations"
            yield self.file_finding(
                f"class {column}{named} loses {lost} to {self.profile.framework}'s drops: the model never sees it",
                path="$.annotations", reason="class-lost")
