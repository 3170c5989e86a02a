"""A model class that no annotation in the file uses.

Harmless for training (the column just never sees a positive) but worth
knowing: a validation split without a class cannot score it, and a whole run
of unused classes usually means the labels went to other columns.

Default severity: info.

Fails (num_classes 264): no annotation maps to column 17.

Passes: every column 0..263 has at least one annotation.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.contract import Mapping
from ..core.findings import Finding, Severity
from .base import BatchView, FileContext, Rule, describe


class UnusedCategory(Rule):
    ID = "unused-category"
    SEVERITY = Severity.INFO

    def __init__(self, ctx: FileContext, severity: Severity | None = None) -> None:
        super().__init__(ctx, severity)
        self.used = np.zeros(ctx.contract.num_classes, dtype=np.int64)

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        n = self.ctx.contract.num_classes
        columns = view.column[view.has_column & (view.column >= 0) & (view.column < n)]
        self.used += np.bincount(columns, minlength=n)
        return iter(())

    def finish(self) -> Iterator[Finding]:
        names = self.ctx.contract.class_names
        declared_at = {column: number for number, column in self.ctx.column_of_declared.items() if column is not None}
        for column in np.flatnonzero(self.used == 0).tolist():
            number = declared_at.get(column)
            yield self.file_finding(
                f"model class {column}{self._label(column, number, names)} has no annotation in this file",
                path="$.annotations",
                category_id=number,
            )

    def _label(self, column: int, number: int | None, names: tuple[str, ...] | None) -> str:
        """The class's name; under a mapping by table (sorted, names) also the category that maps to it."""
        if self.ctx.contract.mapping == Mapping.RAW or number is None:
            return f" {describe(names[column])}" if names else ""
        category = f"category {number} {describe(self.ctx.declared[number].name)}"
        return f" {describe(names[column])} ({category})" if names else f" ({category})"
