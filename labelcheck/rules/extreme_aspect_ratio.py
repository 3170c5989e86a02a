"""A box far longer than it is wide (or the reverse).

Real objects rarely have boxes more than 20 times as wide as they are high;
such a box is usually a swapped coordinate, an x/y mix-up in a conversion, or
normalised coordinates scaled by the wrong side. Anchors cover a few aspect
ratios, so the box also trains poorly.

Default severity: info.

Options (``[tool.labelcheck.rule-options.extreme-aspect-ratio]``): ``max-ratio``
(default 20): a box whose longer side is more than this many times its shorter
side is reported.

Fails (max-ratio 20):

    {"id": 7, "bbox": [10, 20, 300, 10], ...}

Passes:

    {"id": 7, "bbox": [10, 20, 300, 20], ...}
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.findings import Finding, Severity
from .base import Rule, RuleOption, box_text, rows
from .context import BatchView


class ExtremeAspectRatio(Rule):
    ID = "extreme-aspect-ratio"
    SEVERITY = Severity.INFO
    OPTIONS = (RuleOption("max-ratio", 20, "the longer side over the shorter one", minimum=1),)

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        boxes = view.batch.bbox
        limit = self.options["max-ratio"]
        ratio = view.box_ratio
        with np.errstate(invalid="ignore", over="ignore"):
            extreme = view.box_usable & ((ratio > limit) | (ratio * limit < 1))
        for row in rows(extreme):
            width, height = float(boxes[row, 2]), float(boxes[row, 3])
            wide = width > height
            yield self.annotation_finding(
                view,
                row,
                f"bbox {box_text(boxes[row])} is {max(width, height) / min(width, height):.3g} times as "
                f"{'wide' if wide else 'high'} as it is {'high' if wide else 'wide'} (more than {limit:g}): "
                "check for swapped or mis-scaled coordinates",
                "bbox",
            )
