"""A model class that no annotation in the file uses.

Harmless for training (the column just never sees a positive) but worth
knowing: a validation split without a class cannot score it, and a whole run
of unused classes usually means the labels went to other columns. The
loader's background column and the class list's 'N/A' slots are not listed.

Default severity: info.

Fails (num_classes 264): no annotation maps to column 17.

Passes: every column 0..263 has at least one annotation.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.contract import BY_ID
from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import Rule


class UnusedCategory(Rule):
    ID = "unused-category"
    SEVERITY = Severity.INFO

    def finish(self) -> Iterator[Finding]:
        names = self.ctx.contract.class_names
        used = np.zeros(self.ctx.contract.num_classes, dtype=bool)
        used[self.ctx.columns.used()] = True
        for column in np.flatnonzero(~used).tolist():
            if column in self.ctx.placeholder_columns:
                continue
            number = self.ctx.declared_id(column)
            yield self.file_finding(
                f"model class {column}{self._label(column, number, names)} has no annotation in this file",
                path="$.annotations",
                category_id=number,
            )

    def _label(self, column: int, number: int | None, names: tuple[str, ...] | None) -> str:
        """The class's name; under a mapping by table (sorted, names) also the category that maps to it."""
        if self.ctx.contract.mapping in BY_ID or number is None:
            return f" {describe(names[column])}" if names else ""
        category = f"category {number} {describe(self.ctx.declared[number].name)}"
        return f" {describe(names[column])} ({category})" if names else f" ({category})"
