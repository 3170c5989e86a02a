"""A required field is missing from an annotation, image or category.

Under a loader profile, the fields are those that loader reads
unconditionally (``labelcheck loaders`` lists them: YOLOX reads ``iscrowd``
through pycocotools' ``getAnnIds(iscrowd=False)``, torchvision ``segmentation``
to build masks and the image ``width`` and ``height``, detectron2 no
``area``); a file without one stops that loader with a KeyError. Without a
loader, the MLPerf loader's: ``area`` and ``iscrowd`` of every annotation, and
pycocotools' index keys: annotations' ``id`` and ``image_id``, images' ``id``,
categories' ``id`` and ``name``. (A missing ``category_id`` is reported by
invalid-category-id, a missing ``bbox`` by invalid-bbox.)

Default severity: error.

Fails:

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40]}

Passes:

    {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40], "area": 1200, "iscrowd": 0}
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..core.dataset import AnnotationBatch, ImageTable, MaskOutcome, ValueKind
from ..core.findings import Finding, Severity
from .base import MaskRule, rows
from .context import BatchView, FileContext

# How each annotation field's absence shows in the columns (category_id and bbox have their own rules).
_ANNOTATION_ABSENT = {
    "id": lambda batch: batch.id_kind == ValueKind.MISSING,
    "image_id": lambda batch: batch.image_id_kind == ValueKind.MISSING,
    "area": lambda batch: ~batch.has_area,
    "iscrowd": lambda batch: ~batch.has_iscrowd,
    "segmentation": lambda batch: batch.mask == MaskOutcome.MISSING,
}
_IMAGE_ABSENT = {
    "id": lambda images: images.id_kind == ValueKind.MISSING,
    "file_name": lambda images: images.file_name.missing,
    "width": lambda images: np.isnan(images.width),
    "height": lambda images: np.isnan(images.height),
}
_IMAGE_SAID = {"file_name": "a 'file_name' string", "width": "a numeric 'width'", "height": "a numeric 'height'"}
_GENERIC_ANNOTATION_FIELDS = ("id", "image_id", "area", "iscrowd")


class MissingField(MaskRule):
    ID = "missing-field"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        profile = ctx.profile
        fields = profile.annotation_fields if profile is not None else _GENERIC_ANNOTATION_FIELDS
        self.annotation_fields = [key for key in fields if key in _ANNOTATION_ABSENT]
        self.image_fields = list(profile.image_fields) if profile is not None else ["id"]
        self.reads = f"{profile.framework} reads it unconditionally" if profile is not None else \
            "the training loader reads it"

    def offending(self, view: BatchView) -> Iterator[tuple[str, np.ndarray]]:
        yield "missing", _absent(_ANNOTATION_ABSENT, self.annotation_fields, view.batch)[1]

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        lacks, any_missing = _absent(_ANNOTATION_ABSENT, self.annotation_fields, view.batch)
        for row in rows(any_missing):
            yield self.annotation_finding(view, row, self._message(lacks, row))

    def message(self, view: BatchView, row: int, reason: str) -> str:
        return self._message(_absent(_ANNOTATION_ABSENT, self.annotation_fields, view.batch)[0], row)

    def _message(self, lacks: dict[str, np.ndarray], row: int) -> str:
        listed = ", ".join(f"'{key}'" for key, mask in lacks.items() if mask[row])
        return f"annotation lacks {listed}; {self.reads}"

    def offending_images(self) -> Iterator[tuple[str, np.ndarray]]:
        yield "missing", _absent(_IMAGE_ABSENT, self.image_fields, self.ctx.images)[1]

    def finish(self) -> Iterator[Finding]:
        images = self.ctx.images
        lacks, any_missing = _absent(_IMAGE_ABSENT, self.image_fields, images)
        for row in rows(any_missing):
            yield self.file_finding(self._image_message(lacks, row), path=f"$.images[{row}]",
                                    image_file=images.file_name[row])
        yield from self.file_findings()

    def image_message(self, row: int, reason: str) -> str:
        return self._image_message(_absent(_IMAGE_ABSENT, self.image_fields, self.ctx.images)[0], row)

    def _image_message(self, lacks: dict[str, np.ndarray], row: int) -> str:
        listed = ", ".join(_IMAGE_SAID.get(key, f"'{key}'") for key, mask in lacks.items() if mask[row])
        said = "" if self.image_fields == ["id"] else f"; {self.reads}"
        return f"image lacks {listed}{said}"

    def file_findings(self) -> Iterator[Finding]:
        for category in self.ctx.categories:
            keys = [key for key, present in (("id", category.has_id), ("name", category.has_name)) if not present]
            if keys:
                listed = ", ".join(f"'{key}'" for key in keys)
                yield self.file_finding(
                    f"category lacks {listed}", path=f"$.categories[{category.position}]", category_id=category.id
                )


def _absent(tests: dict, fields: list[str], table: AnnotationBatch | ImageTable) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per field, the rows that lack it; and the rows that lack any."""
    lacks = {key: tests[key](table) for key in fields}
    any_missing = np.zeros(len(table), dtype=bool)
    for mask in lacks.values():
        any_missing |= mask
    return lacks, any_missing
