"""An annotation id, image id, category id or annotation image_id is not an integer.

COCO ids are integers; a string, float, boolean or null id breaks joins
between annotations and images in loaders that cast ids (torch tensors,
numpy) even where pycocotools' dict lookups happen to work. (Missing ids are
reported by missing-field.)

Default severity: error.

Fails:

    {"id": "a7", "image_id": 1, ...}
    {"id": 7, "image_id": null, ...}

Passes:

    {"id": 7, "image_id": 1, ...}
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.dataset import ValueKind, classify_id
from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import Rule, rows
from .context import BatchView


def _malformed(kinds: np.ndarray) -> np.ndarray:
    return (kinds != ValueKind.INT) & (kinds != ValueKind.MISSING)


class InvalidId(Rule):
    ID = "invalid-id"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        for key, kinds, raw in (("id", batch.id_kind, batch.raw_id), ("image_id", batch.image_id_kind, batch.raw_image_id)):
            for row in rows(_malformed(kinds)):
                yield self.annotation_finding(
                    view, row, f"annotation {key} {describe(raw[row])} is not an integer; use integer ids", key
                )

    def finish(self) -> Iterator[Finding]:
        images = self.ctx.images
        for row in rows(_malformed(images.id_kind)):
            yield self.file_finding(
                f"image id {describe(images.raw_id[row])} is not an integer; use integer ids",
                path=f"$.images[{row}].id",
                image_file=images.file_name[row],
            )
        for category in self.ctx.categories:
            kind, _ = classify_id(category.id, category.has_id)
            if kind not in (ValueKind.INT, ValueKind.MISSING):
                yield self.file_finding(
                    f"category id {describe(category.id)} is not an integer: no annotation can refer to it; "
                    "use integer ids",
                    path=f"$.categories[{category.position}].id",
                    category_id=category.id,
                )
