"""An image with no annotations.

Normal for a few images; many of them usually mean the annotations point at
other image ids. The MLPerf training loader keeps such images as negatives.

Default severity: info.

Fails:

    "images": [{"id": 1, ...}, {"id": 2, ...}], "annotations": [{"image_id": 1, ...}]

Passes:

    "images": [{"id": 1, ...}], "annotations": [{"image_id": 1, ...}]
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..core.dataset import usable
from ..core.findings import Finding, Severity
from .base import Rule, rows
from .context import BatchView, FileContext


class EmptyImage(Rule):
    ID = "empty-image"
    SEVERITY = Severity.INFO

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        self.annotated = np.zeros(len(ctx.images), dtype=bool)

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        self.annotated[view.image_row[view.image_row >= 0]] = True
        return iter(())

    def finish(self) -> Iterator[Finding]:
        images = self.ctx.images
        for row in rows(~self.annotated & usable(images.id_kind)):
            yield self.file_finding(
                f"image {int(images.id[row])} has no annotations",
                path=f"$.images[{row}]",
                image_id=int(images.id[row]),
                image_file=images.file_name[row],
            )
