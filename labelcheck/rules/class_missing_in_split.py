"""A class with annotations in one file scanned together and none in another.

Train has the class and validation does not: the model learns a class that
is never scored (COCOeval skips it, so mAP silently averages over fewer
classes); validation has a class train lacks: the model is scored on a class
it never saw. Reported in the file that lacks the class, naming the file with
the most annotations of it.

Default severity: warning.

Fails:

    train.json: 523 annotations with category_id 17 ("Apple")
    val.json:   none with category_id 17

Passes: every class with annotations in one file has annotations in every other file scanned with it.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from ..core.findings import Finding, Severity
from .base import Rule
from .context import FileContext


class ClassMissingInSplit(Rule):
    ID = "class-missing-in-split"
    SEVERITY = Severity.WARNING

    @classmethod
    def across_files(cls, contexts: Sequence[FileContext], severity: Severity | None) -> Iterator[Finding]:
        if len(contexts) < 2:
            return
        width = max(len(ctx.columns.counts) for ctx in contexts)
        counts = np.zeros((len(contexts), width), dtype=np.int64)
        for index, ctx in enumerate(contexts):
            counts[index, : len(ctx.columns.counts)] = ctx.columns.counts
        most = counts.argmax(axis=0)
        for index, ctx in enumerate(contexts):
            for column in np.flatnonzero((counts[index] == 0) & (counts.max(axis=0) > 0)).tolist():
                source = contexts[int(most[column])]
                count = int(counts[most[column], column])
                yield cls(ctx, severity).file_finding(
                    f"model class {ctx.class_label(column)} has no annotation in this file but {count} in "
                    f"{source.file}: a class in one split and not the other is trained but never scored, or "
                    "scored but never trained",
                    path="$.annotations",
                    category_id=ctx.declared_id(column) if ctx.declared_id(column) is not None
                    else source.declared_id(column),
                )
