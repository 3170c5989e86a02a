"""An annotation's category maps to a column outside the classification head.

The column index comes from the contract's mapping (raw: the category_id
itself). It must lie in [0, num_classes). A label >= num_classes kills training
with CUDA's device-side "index out of bounds" assert (an IndexError on CPU),
often hours in; a negative label does not crash but silently trains another
class (index -1 is the last column). Integers of any size are reported, never
truncated.

Default severity: error.

Fails (num_classes 264, raw mapping):

    {"id": 7, "image_id": 1, "category_id": 264, "bbox": [1, 2, 30, 40], "area": 1200, "iscrowd": 0}
    {"id": 8, "image_id": 1, "category_id": -1, ...}

Passes:

    {"id": 7, "image_id": 1, "category_id": 263, "bbox": [1, 2, 30, 40], "area": 1200, "iscrowd": 0}
"""

from __future__ import annotations

from typing import Iterator

from ..core.contract import Contract, Mapping
from ..core.dataset import ValueKind
from ..core.findings import Finding, Severity
from .base import BatchView, Rule, describe, rows


class CategoryOutOfRange(Rule):
    ID = "category-out-of-range"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        n = self.ctx.contract.num_classes
        batch = view.batch
        bad = view.has_column & ((view.column < 0) | (view.column >= n))
        if self.ctx.contract.mapping == Mapping.RAW:
            bad |= batch.category_kind == ValueKind.BIG_INT
        for row in rows(bad):
            yield self.annotation_finding(view, row, self._message(view, row, n), "category_id")

    def _message(self, view: BatchView, row: int, n: int) -> str:
        batch = view.batch
        raw = describe(batch.raw_category(row))
        valid = f"valid columns are 0..{n - 1}"
        if self.ctx.contract.mapping != Mapping.RAW:
            return (
                f"category_id {raw} maps to column {int(view.column[row])} under the "
                f"{self.ctx.contract.mapping.value} mapping, but the head has {n} columns; {valid}"
            )
        big = batch.category_kind[row] == ValueKind.BIG_INT
        value = batch.raw_category(row) if big else int(view.column[row])
        if value >= 0:
            return f"category_id {raw} >= num_classes {n}: training crashes with 'index out of bounds'; {valid}"
        wrapped = value + n
        lands = f"silently trains column {wrapped}" if wrapped >= 0 else "is out of bounds"
        return f"category_id {raw} is negative: the loss counts it from the end and {lands}; {valid}"

    @classmethod
    def danger(cls, finding: Finding, contract: Contract) -> int:
        """A negative label the loss counts from the end trains another class without a sound: worse than a crash."""
        value = finding.category_id
        silent = contract.mapping == Mapping.RAW and type(value) is int and -contract.num_classes <= value < 0
        return 1 if silent else 0
