"""The training loader raises on an annotation, image or category before the loss.

Checked under a loader profile (``--loader``, or a preset: the default
mlperf-retinanet is MLPerf's loader). Each finding quotes the loader's own
error where it is known: detectron2's assertion on ``ignore`` and on repeated
annotation ids and its KeyError for an undeclared category, YOLOX's
ValueError for one, MMDetection's assertion on repeated ids, Ultralytics
convert_coco's TypeError on the COCO ids that have no COCO-80 class,
pycocotools' IndexError or Exception on empty or too-short polygons for
torchvision (which builds masks for every annotation), DALI's bbox and
parse errors. ``labelcheck loaders`` lists what each loader raises on.
A missing field the loader reads is missing-field's finding (it follows the
loader's list), a label past the head category-out-of-range's.

Default severity: error.

Fails (--loader detectron2):

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40], "ignore": 1}
    "annotations": [{"id": 5, ...}, {"id": 5, ...}]

Fails (--loader torchvision: pycocotools' IndexError building the mask):

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40], "area": 1200, "iscrowd": 0,
     "segmentation": []}

Passes (--loader detectron2):

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40]}
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import numpy as np

from ..core.dataset import usable_category_id
from ..core.findings import Finding, Severity
from ..loaders import Duplicates
from .base import LoaderRule, RepeatedIds, exclusive, loader_says, reached
from .context import BatchView, FileContext


class CrashesLoader(LoaderRule):
    ID = "crashes-loader"
    SEVERITY = Severity.ERROR

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        self.says = {condition.key: condition.says for condition in self.profile.crashes}
        self.says.update((crash.key, crash.says) for crash in self.profile.image_crashes)
        self.repeated = RepeatedIds()

    def offending(self, view: BatchView) -> Iterator[tuple[str, np.ndarray]]:
        if self.profile.duplicate_ids == Duplicates.ASSERTS:
            self.repeated.add(view)
        read = reached(view, self.profile)
        tests = ((condition.key, view.facts.test(condition.test) & read) for condition in self.profile.crashes)
        return exclusive(tests, len(view.batch))

    def message(self, view: BatchView, row: int, reason: str) -> str:
        return f"{self.profile.framework} raises {loader_says(self.says[reason], self.ctx, view, row)}"

    def offending_images(self) -> Iterable[tuple[str, np.ndarray]]:
        images = self.ctx.images
        return exclusive(((crash.key, crash.test(images)) for crash in self.profile.image_crashes), len(images))

    def image_message(self, row: int, reason: str) -> str:
        return f"{self.profile.framework} raises {self.says[reason]}"

    def file_findings(self) -> Iterator[Finding]:
        if self.repeated.count:
            says = loader_says(self.profile.duplicate_ids_says, self.ctx)
            yield self.file_finding(f"{self.profile.framework} raises {says}: {self.repeated.said()}; renumber the "
                                    "annotations (duplicate-id lists each)", path="$.annotations",
                                    reason="duplicate-ids")
        if self.profile.category_crash:
            for category in self.ctx.categories:
                if usable_category_id(category) is None:
                    yield self.file_finding(f"{self.profile.framework} raises {self.profile.category_crash}: "
                                            "this category has no integer id", path=f"$.categories[{category.position}]",
                                            reason="category-without-id", category_id=category.id)
