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

from ..core.findings import Finding, Severity
from .base import Rule


class UnusedCategory(Rule):
    ID = "unused-category"
    SEVERITY = Severity.INFO

    def finish(self) -> Iterator[Finding]:
        used = np.zeros(self.ctx.contract.num_classes, dtype=bool)
        used[self.ctx.columns.used()] = True
        for column in np.flatnonzero(~used).tolist():
            if column in self.ctx.placeholder_columns:
                continue
            yield self.file_finding(
                f"model class {self.ctx.class_label(column)} has no annotation in this file",
                path="$.annotations",
                category_id=self.ctx.declared_id(column),
            )
