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

from typing import Any, Iterable, Iterator

import numpy as np

from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import LoaderRule, exclusive, reached
from .context import BatchView, FileContext

# Heads up to this many columns count annotations per class in an array; larger ones (a head
# sized to a file's largest id) in a dict.
_COUNTED_IN_ARRAY = 1 << 16


class DroppedByLoader(LoaderRule):
    ID = "dropped-by-loader"
    SEVERITY = Severity.WARNING

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        self.says = {condition.key: condition.says for condition in self.profile.drops}
        self.says.update((drop.key, drop.says) for drop in self.profile.image_drops)
        # Per image drop that needs some annotation to keep the image: which images have one.
        self.kept_images = {drop.key: np.zeros(len(ctx.images), dtype=bool)
                            for drop in self.profile.image_drops if drop.kept_by is not None}
        self.per_class = _PerClass(ctx.contract.num_classes)  # annotations with each column
        self.kept_per_class = _PerClass(ctx.contract.num_classes)  # those the loader keeps

    def offending(self, view: BatchView) -> Iterator[tuple[str, np.ndarray]]:
        facts, n = view.facts, self.ctx.contract.num_classes
        read = reached(view, self.profile)
        dropped = np.zeros(len(view.batch), dtype=bool)
        reported = read & facts.usable_boxes & ~view.unmapped
        tests = ((condition.key, facts.test(condition.test) & read) for condition in self.profile.drops)
        for reason, mask in exclusive(tests, len(view.batch)):
            dropped |= mask
            yield reason, mask & reported
        for drop in self.profile.image_drops:
            if drop.kept_by is not None:
                keeps = facts.test(drop.kept_by) & facts.found & (view.has_column if drop.listed_only else True)
                self.kept_images[drop.key][view.image_row[keeps]] = True
        in_head = read & view.has_column & (view.column >= 0) & (view.column < n)
        self.per_class.add(view.column[in_head])
        self.kept_per_class.add(view.column[in_head & ~dropped])

    def message(self, view: BatchView, row: int, reason: str) -> str:
        return f"{self.profile.framework} leaves this annotation out: {self.says[reason]}"

    def offending_images(self) -> Iterable[tuple[str, np.ndarray]]:
        images = self.ctx.images
        listed = self.ctx.indexed_images()

        def dropped(drop) -> np.ndarray:
            if drop.min_side is not None:
                with np.errstate(invalid="ignore"):
                    return listed & (np.minimum(images.width, images.height) < drop.min_side)
            return listed & ~self.kept_images[drop.key]

        return exclusive(((drop.key, dropped(drop)) for drop in self.profile.image_drops), len(images))

    def image_message(self, row: int, reason: str) -> str:
        return f"{self.profile.framework} leaves this image out: {self.says[reason]}"

    def file_findings(self) -> Iterator[Finding]:
        kept = self.kept_per_class.counts()
        for column, total in sorted(self.per_class.counts().items()):
            if kept.get(column):
                continue
            name = self.ctx.class_name(column)
            named = f" {describe(name)}" if name is not None else ""
            lost = "its only annotation" if total == 1 else f"all {total} of its annotations"
            yield self.file_finding(
                f"class {column}{named} loses {lost} to {self.profile.framework}'s drops: the model never sees it",
                path="$.annotations", reason="class-lost")


class _PerClass:
    """Annotations counted per column."""

    def __init__(self, columns: int) -> None:
        self.array = np.zeros(columns, dtype=np.int64) if columns <= _COUNTED_IN_ARRAY else None
        self.others: dict[int, int] = {}

    def add(self, columns: np.ndarray) -> None:
        if self.array is not None:
            self.array += np.bincount(columns, minlength=len(self.array))
            return
        values, counts = np.unique(columns, return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist()):
            self.others[value] = self.others.get(value, 0) + count

    def counts(self) -> dict[int, int]:
        if self.array is None:
            return self.others
        return {int(column): int(self.array[column]) for column in np.flatnonzero(self.array)}
