"""A model class with fewer than a handful of annotations in a file.

A class seen only a few times cannot be learned from this file, nor scored
reliably on it (a validation split with 3 boxes of a class gives its AP by
chance). Classes with none at all are ``unused-category``'s.

Default severity: info.

Options (``[tool.labelcheck.rule-options.few-annotations]``): ``min-annotations``
(default 10): a class with at least 1 and fewer than this many annotations is
reported.

Fails (num_classes 264, min-annotations 10): column 17 has 3 annotations in the file.

Passes: every column that has annotations has at least 10.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.findings import Finding, Severity
from .base import Rule, RuleOption


class FewAnnotations(Rule):
    ID = "few-annotations"
    SEVERITY = Severity.INFO
    OPTIONS = (RuleOption("min-annotations", 10, "annotations a class needs in a file", minimum=1, integer=True),)

    def finish(self) -> Iterator[Finding]:
        counts = self.ctx.columns.counts
        least = self.options["min-annotations"]
        for column in np.flatnonzero((counts > 0) & (counts < least)).tolist():
            count = int(counts[column])
            yield self.file_finding(
                f"model class {self.ctx.class_label(column)} has only {count} "
                f"{'annotation' if count == 1 else 'annotations'} in this file (fewer than {least}): "
                "too few to learn or to score it; add examples or merge the class",
                path="$.annotations",
                category_id=self.ctx.declared_id(column),
            )
