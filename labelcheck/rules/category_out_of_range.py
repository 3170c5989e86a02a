"""An annotation's category maps to a column outside the classification head.

The column index comes from the contract's mapping (raw: the category_id
itself). It must lie in [0, num_classes). A label >= num_classes kills training
with CUDA's device-side "index out of bounds" assert (an IndexError on CPU),
often hours in; a negative label does not crash but silently trains another
class (index -1 is the last column). Integers of any size are reported, never
truncated.

Under a loader profile the message says what that loader does with it (a
label equal to its background column is relabelled-by-loader's finding).
Under a mapping by name (``--loader mmdet``, ``--mapping class-list``), an
annotation whose category is not a model class has no column: it is reported
here too, with what the loader does with it.

Default severity: error.

Fails (num_classes 264, raw mapping):

    {"id": 7, "image_id": 1, "category_id": 264, "bbox": [1, 2, 30, 40], "area": 1200, "iscrowd": 0}
    {"id": 8, "image_id": 1, "category_id": -1, ...}

Passes:

    {"id": 7, "image_id": 1, "category_id": 263, "bbox": [1, 2, 30, 40], "area": 1200, "iscrowd": 0}
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.contract import Contract, Mapping
from ..core.dataset import ValueKind
from ..core.findings import Finding, Severity
from ..core.text import describe
from ..loaders import Background
from .base import MaskRule
from .context import BatchView

# Mappings that give a column by the category's name: a name that is not a class has none.
_BY_NAME = frozenset({Mapping.FILE_ORDER, Mapping.CLASS_LIST})


class CategoryOutOfRange(MaskRule):
    ID = "category-out-of-range"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def offending(self, view: BatchView) -> Iterator[tuple[str, np.ndarray]]:
        contract, profile = self.ctx.contract, self.ctx.profile
        n = contract.num_classes
        bad = view.has_column & ((view.column < 0) | (view.column >= n))
        if contract.mapping == Mapping.RAW:
            bad |= view.batch.category_kind == ValueKind.BIG_INT
        if profile is not None and profile.background == Background.LAST:
            bad &= ~(view.has_column & (view.column == n))  # the background column: relabelled-by-loader
        yield "out-of-range", bad
        if contract.mapping in _BY_NAME:
            yield "not-a-class", view.unmapped

    def field(self, reason: str) -> str | None:
        return "category_id"

    def message(self, view: BatchView, row: int, reason: str) -> str:
        if reason == "not-a-class":
            return self._not_a_class(view, row)
        n = self.ctx.contract.num_classes
        batch = view.batch
        raw = describe(batch.raw_category(row))
        valid = f"valid columns are 0..{n - 1}"
        profile, mapping = self.ctx.profile, self.ctx.contract.mapping
        if mapping != Mapping.RAW:
            does = f"{profile.framework}: {profile.past_head}" if profile is not None else ""
            return (f"category_id {raw} maps to column {int(view.column[row])} under the {mapping.value} mapping, "
                    f"but the head has "
                    f"{n} columns{'; ' + does if does else ''}; {valid}")
        big = batch.category_kind[row] == ValueKind.BIG_INT
        value = batch.raw_category(row) if big else int(view.column[row])
        if value >= 0:
            does = profile.past_head if profile is not None else "training crashes with 'index out of bounds'"
            return f"category_id {raw} >= num_classes {n}: {does}; {valid}"
        wrapped = value + n
        lands = f"silently trains column {wrapped}" if wrapped >= 0 else "is out of bounds"
        does = (profile.negative if profile is not None and profile.negative
                else "the loss counts it from the end and {lands}").replace("{lands}", lands)
        return f"category_id {raw} is negative: {does}; {valid}"

    def _not_a_class(self, view: BatchView, row: int) -> str:
        batch = view.batch
        number = int(batch.category_id[row])
        category = self.ctx.declared[number]
        profile = self.ctx.profile
        who = f"{profile.framework} leaves it out silently" if profile is not None else \
            "a loader that maps by name cannot train it"
        return (f"category_id {describe(batch.raw_category(row))} ({describe(category.name)}) has no column: its "
                f"name is not in the class list, and {who}; rename the category to a model class or drop it")

    @classmethod
    def danger(cls, finding: Finding, contract: Contract) -> int:
        """A negative label the loss counts from the end trains another class without a sound: worse than a crash."""
        value = finding.category_id
        silent = contract.mapping == Mapping.RAW and type(value) is int and -contract.num_classes <= value < 0
        return 1 if silent else 0
