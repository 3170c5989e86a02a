"""A required field is missing from an annotation, image or category.

The MLPerf loader reads ``area`` and ``iscrowd`` of every annotation
unconditionally (a file without them fails with KeyError mid-epoch), and
pycocotools indexes annotations by ``id`` and ``image_id``, images by ``id``,
categories by ``id`` and ``name``. (A missing ``category_id`` is reported by
invalid-category-id, a missing ``bbox`` by invalid-bbox.)

Default severity: error.

Fails:

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40]}

Passes:

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40], "area": 1200, "iscrowd": 0}
"""

from __future__ import annotations

from typing import Iterator

from ..core.dataset import ValueKind
from ..core.findings import Finding, Severity
from .base import BatchView, Rule, rows


class MissingField(Rule):
    ID = "missing-field"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        lacks = {
            "id": batch.id_kind == ValueKind.MISSING,
            "image_id": batch.image_id_kind == ValueKind.MISSING,
            "area": ~batch.has_area,
            "iscrowd": ~batch.has_iscrowd,
        }
        any_missing = lacks["id"] | lacks["image_id"] | lacks["area"] | lacks["iscrowd"]
        for row in rows(any_missing):
            keys = [key for key, mask in lacks.items() if mask[row]]
            listed = ", ".join(f"'{key}'" for key in keys)
            yield self.annotation_finding(view, row, f"annotation lacks {listed}; the training loader reads it")

    def finish(self) -> Iterator[Finding]:
        images = self.ctx.images
        for row in rows(images.id_kind == ValueKind.MISSING):
            yield self.file_finding("image lacks 'id'", path=f"$.images[{row}]", image_file=images.file_name[row])
        for category in self.ctx.categories:
            keys = [key for key, present in (("id", category.has_id), ("name", category.has_name)) if not present]
            if keys:
                listed = ", ".join(f"'{key}'" for key in keys)
                yield self.file_finding(
                    f"category lacks {listed}", path=f"$.categories[{category.position}]", category_id=category.id
                )
