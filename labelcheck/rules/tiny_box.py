"""A box too small to train on: width or height under a few pixels, or a tiny area.

A detector's smallest anchors are several pixels wide at its input size, so a
box of a pixel or two matches none of them and only adds noise; such boxes
are usually a click instead of a drag in the labelling tool, or normalised
coordinates written as pixels. Boxes with a width or height <= 0 are
``invalid-bbox``'s.

Default severity: warning.

Options (``[tool.labelcheck.rule-options.tiny-box]``): ``min-size`` (default 2):
a width or height under this many pixels is reported; ``min-area`` (default 0,
not checked): an area (width x height) under this many square pixels is reported.

Fails (min-size 2):

    {"id": 7, "bbox": [10, 20, 1.5, 30], ...}

Passes:

    {"id": 7, "bbox": [10, 20, 2, 30], ...}
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.findings import Finding, Severity
from .base import Rule, RuleOption, box_text, rows
from .context import BatchView


class TinyBox(Rule):
    ID = "tiny-box"
    SEVERITY = Severity.WARNING
    CLEANABLE = True
    OPTIONS = (
        RuleOption("min-size", 2, "the least width and height in pixels"),
        RuleOption("min-area", 0, "the least area in square pixels; 0: not checked"),
    )

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        boxes = view.batch.bbox
        width, height = boxes[:, 2], boxes[:, 3]
        size, area = self.options["min-size"], self.options["min-area"]
        with np.errstate(invalid="ignore", over="ignore"):  # an unusable box's NaN, an area past float range
            tiny = view.box_usable & ((width < size) | (height < size) | (width * height < area))
        for row in rows(tiny):
            w, h = float(width[row]), float(height[row])
            limit = f"under the {size:g} px minimum" if min(w, h) < size else f"an area under {area:g} px^2"
            yield self.annotation_finding(
                view,
                row,
                f"bbox {box_text(boxes[row])} is {w:g}x{h:g} px, {limit}: too small to train on; "
                "check the coordinates or drop it",
                "bbox",
            )
