"""An annotation's category_id is not an integer.

Missing, null, a boolean, a string, a list or object, or a non-integral number
(12.5, NaN, Infinity) cannot be a column index: the loader's int64 conversion
fails or, for booleans, silently trains class 0 or 1. An integral float such as
12.0 is converted to 12 by the loader, so it trains, but only by accident of
the cast: reported as a warning.

Default severity: error (warning for integral floats).

Fails:

    {"id": 7, "image_id": 1, "category_id": "12", ...}
    {"id": 8, "image_id": 1, "category_id": true, ...}
    {"id": 9, "image_id": 1, "bbox": [1, 2, 30, 40], "area": 1200, "iscrowd": 0}

Passes:

    {"id": 7, "image_id": 1, "category_id": 12, ...}
"""

from __future__ import annotations

from typing import Iterator

from ..core.dataset import ValueKind
from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import Rule, kind_of, rows
from .context import BatchView

_PROBLEM = {
    ValueKind.MISSING: "annotation has no category_id",
    ValueKind.NULL: "category_id is null",
    ValueKind.BOOL: "category_id {raw} is a boolean (the loader would train it as class {number})",
    ValueKind.STRING: "category_id {raw} is a string, not an integer",
    ValueKind.NON_INTEGRAL: "category_id {raw} is not an integer",
    ValueKind.OTHER: "category_id is a JSON array or object, not an integer",
    ValueKind.INTEGRAL_FLOAT: "category_id {raw} is a float; the loader casts it to {number}, write it as an integer",
}


class InvalidCategoryId(Rule):
    ID = "invalid-category-id"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        bad = (batch.category_kind != ValueKind.INT) & (batch.category_kind != ValueKind.BIG_INT)
        for row in rows(bad):
            kind = kind_of(batch, row)
            raw = batch.raw_category(row)
            number = int(raw) if kind in (ValueKind.BOOL, ValueKind.INTEGRAL_FLOAT) else None
            message = _PROBLEM[kind].format(raw=describe(raw), number=number) + self._fix(kind)
            severity = Severity.WARNING if kind == ValueKind.INTEGRAL_FLOAT else None
            yield self.annotation_finding(view, row, message, "category_id", severity)

    @staticmethod
    def _fix(kind: ValueKind) -> str:
        if kind == ValueKind.INTEGRAL_FLOAT:
            return ""
        return "; give every annotation an integer category_id or drop it with 'labelcheck clean'"
