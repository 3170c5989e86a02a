"""Files scanned together declare different category tables.

Train and validation must agree id for id and name for name: the model is
trained on one table and evaluated (COCOeval) against the other, so any
difference scores predictions against the wrong classes. The first file
given is the reference.

Default severity: error.

Fails:

    train.json: {"id": 0, "name": "Airplane"}, {"id": 1, "name": "Antelope"}
    val.json:   {"id": 0, "name": "Antelope"}, {"id": 1, "name": "Airplane"}

Passes: both files declare the same ids with the same names.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import Rule
from .context import FileContext

MAX_LISTED = 5


def _table(ctx: FileContext) -> dict[Any, Any]:
    return {number: category.name for number, category in ctx.declared.items()}


def _listed(values: list) -> str:
    shown = ", ".join(describe(v) for v in values[:MAX_LISTED])
    return shown + (f" and {len(values) - MAX_LISTED} more" if len(values) > MAX_LISTED else "")


class CategoryTableMismatch(Rule):
    ID = "category-table-mismatch"
    SEVERITY = Severity.ERROR

    @classmethod
    def across_files(cls, contexts: Sequence[FileContext], severity: Severity | None) -> Iterator[Finding]:
        if len(contexts) < 2:
            return
        reference = contexts[0]
        expected = _table(reference)
        for ctx in contexts[1:]:
            actual = _table(ctx)
            if actual == expected:
                continue
            parts = []
            missing = sorted(set(expected) - set(actual))
            extra = sorted(set(actual) - set(expected))
            renamed = sorted(n for n in set(expected) & set(actual) if expected[n] != actual[n])
            if missing:
                parts.append(f"ids missing here: {_listed(missing)}")
            if extra:
                parts.append(f"ids only here: {_listed(extra)}")
            if renamed:
                parts.append(
                    "renamed: " + _listed([f"{n}: {expected[n]} -> {actual[n]}" for n in renamed])
                )
            yield cls(ctx, severity).file_finding(
                f"category table differs from {reference.file}: {'; '.join(parts)}; "
                "train and validation must use one table (see 'labelcheck remap')",
                path="$.categories",
            )
