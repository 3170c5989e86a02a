"""An annotation's category_id is not declared in ``categories``.

The loader may still train it (raw mapping uses the number as is), but nothing
says which class it is; detectron2 raises KeyError, MMDetection silently skips
the annotation, and COCOeval leaves it out of the score.

Default severity: error.

Fails (categories declare ids 0..263):

    {"id": 7, "image_id": 1, "category_id": 300, ...}

Passes:

    {"id": 7, "image_id": 1, "category_id": 12, ...}
"""

from __future__ import annotations

from typing import Iterator

from ..core.dataset import ValueKind
from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import Rule, rows
from .context import BatchView


class UndefinedCategory(Rule):
    ID = "undefined-category"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        undeclared = (view.category_usable & ~view.declared) | (view.batch.category_kind == ValueKind.BIG_INT)
        for row in rows(undeclared):
            raw = describe(view.batch.raw_category(row))
            yield self.annotation_finding(
                view,
                row,
                f"category_id {raw} is not declared in categories; declare it or remove the annotation",
                "category_id",
            )
