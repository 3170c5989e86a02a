"""What every rule shares: the Rule interface and the per-file context.

A rule sees the file's categories and images up front, then the annotations in
columnar batches, then gets a last word once the batches are done. Rules are
vectorised over a batch and only build Finding objects for offending rows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Iterator, Sequence

import numpy as np

from ..core.contract import Contract, Mapping
from ..core.dataset import (
    AnnotationBatch,
    Category,
    ImageTable,
    ValueKind,
    usable,
    usable_category_id,
)
from ..core.findings import Finding, Severity, jsonable
from ..core.text import safe

# Rows per step where a whole-column operation would make full-size temporaries.
_CHUNK = 1 << 16


class IdIndex:
    """Looks int64 keys up: for each, an integer value, the first one given for a repeated id.

    The ids are int64 or int32. Dense ids (the usual 1..N) go through a table
    indexed by id, at most a few slots per id; sparse ones through binary
    search in the sorted ids. Ids already increasing (the usual) are indexed
    as they are, in chunks: no sort, no copy of the ids; consecutive ones,
    looked up for their positions, need no table at all.
    """

    def __init__(self, ids: np.ndarray, values: np.ndarray | None = None) -> None:
        """``values``: one per id; None for each id's position in ``ids``."""
        if not _increasing(ids):
            ids, first = np.unique(ids, return_index=True)
            values = first if values is None else values[first]
        self._ids: np.ndarray | None = None
        self._table: np.ndarray | None = None
        self._low, self._high = (int(ids[0]), int(ids[-1])) if len(ids) else (0, -1)
        span = self._high - self._low + 1
        if not len(ids) or (values is None and span == len(ids)):  # none, or consecutive: a position is id - low
            return
        dtype = _value_type(values, len(ids))
        if span <= 2 * len(ids) + 65536:
            self._absent = np.iinfo(dtype).min
            self._table = np.full(span, self._absent, dtype=dtype)
            for start in range(0, len(ids), _CHUNK):
                stop = min(start + _CHUNK, len(ids))
                chunk = np.arange(start, stop) if values is None else values[start:stop]
                self._table[ids[start:stop] - self._low] = chunk
        else:
            self._ids = ids
            self._values = np.arange(len(ids), dtype=dtype) if values is None else values.astype(dtype)

    @classmethod
    def last_rows(cls, ids: np.ndarray, valid: np.ndarray) -> "IdIndex":
        """The row of each id among the ``valid`` rows; a repeated id resolves to its last row."""
        if valid.all() and _increasing(ids):  # nothing repeats: rows are positions
            return cls(ids)
        rows = np.flatnonzero(valid)[::-1]  # the first value given wins, so give the rows last first
        return cls(ids[rows], rows)

    def lookup(self, keys: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found, value as int64, -1 where not found) for each key where ``valid``."""
        if self._ids is not None:
            where = np.minimum(np.searchsorted(self._ids, _in_type_of(self._ids, keys)), len(self._ids) - 1)
            found = valid & (self._ids[where] == keys)
            values = self._values[where]
            return found, np.where(found, values, -1).astype(np.int64)
        inside = valid & (keys >= self._low) & (keys <= self._high)
        if self._table is None:  # consecutive ids, or none
            return inside, np.where(inside, keys - self._low, -1)
        values = self._table[np.where(inside, keys - self._low, 0)]
        found = inside & (values != self._absent)
        return found, np.where(found, values, -1).astype(np.int64)


def _value_type(values: np.ndarray | None, count: int) -> type:
    """int32 when the values (positions, if None) fit, with its smallest value left free to mean absent."""
    smallest, largest = (0, count - 1) if values is None else (values.min(), values.max())
    limits = np.iinfo(np.int32)
    return np.int32 if limits.min < smallest and largest <= limits.max else np.int64


def _in_type_of(ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Keys to search int32 ids with (searchsorted would copy the ids to int64 at each call).

    A key outside int32 becomes the nearest end, which matches no id equal to the key itself.
    """
    if ids.dtype == keys.dtype:
        return keys
    limits = np.iinfo(ids.dtype)
    return np.clip(keys, limits.min, limits.max).astype(ids.dtype)


def _increasing(ids: np.ndarray) -> bool:
    """Strictly increasing (so unique and sorted), checked in chunks."""
    for start in range(0, len(ids) - 1, _CHUNK):
        stop = min(start + _CHUNK, len(ids) - 1)
        if not np.all(ids[start + 1 : stop + 1] > ids[start:stop]):
            return False
    return True


class FileContext:
    """Everything about one file that rules need besides the annotation batches."""

    def __init__(self, file: str, contract: Contract, categories: list[Category], images: ImageTable) -> None:
        self.file = file
        self.contract = contract
        self.categories = categories
        self.images = images
        # Last declaration of an id wins, as in pycocotools' index.
        self.declared: dict[int, Category] = {}
        for category in categories:
            number = usable_category_id(category)
            if number is not None:
                self.declared[number] = category
        self.column_of_declared = self._columns_of_declared()
        declared_ids = np.array(sorted(self.declared), dtype=np.int64)
        # -1: no column. Only the table-based mappings read this (raw uses the id).
        columns = [self.column_of_declared[i] for i in declared_ids.tolist()]
        self._declared = IdIndex(declared_ids, np.array([-1 if c is None else c for c in columns], dtype=np.int64))
        # A repeated image id resolves to its last row, the one pycocotools keeps.
        self._images = IdIndex.last_rows(images.id, usable(images.id_kind))

    def release_images(self) -> None:
        """Forget the image table (and the index over it) once the file's batches and finish() are done."""
        self.images = ImageTable.empty()
        self._images = IdIndex(self.images.id)

    def _columns_of_declared(self) -> dict[int, int | None]:
        """Column index of each declared id under mappings that use the table."""
        mapping = self.contract.mapping
        if mapping == Mapping.RAW:
            return {number: number for number in self.declared}
        if mapping == Mapping.SORTED:
            return {number: rank for rank, number in enumerate(sorted(self.declared))}
        positions = {name: index for index, name in enumerate(self.contract.class_names or ())}
        return {
            number: positions.get(category.name) if isinstance(category.name, str) else None
            for number, category in self.declared.items()
        }

    def image_rows(self, image_ids: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Row in the image table of each image id, -1 where not declared."""
        return self._images.lookup(image_ids, valid)[1]

    def declared_mask(self, category_ids: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(declared?, column index or -1) for each category id."""
        return self._declared.lookup(category_ids, valid)

    def image_file(self, image_row: int) -> str | None:
        return self.images.file_name[image_row] if image_row >= 0 else None


@dataclass
class BatchView:
    """Derived columns computed once per batch and shared by all rules."""

    batch: AnnotationBatch
    category_usable: np.ndarray  # bool: the id is an integer the loader can use
    declared: np.ndarray  # bool: the id is declared in categories
    has_column: np.ndarray  # bool: the mapping gives this annotation a column
    column: np.ndarray  # int64 column index where has_column
    image_row: np.ndarray  # int64 row in the image table, -1 if none

    @classmethod
    def of(cls, batch: AnnotationBatch, ctx: FileContext) -> "BatchView":
        category_usable = usable(batch.category_kind)
        declared, declared_columns = ctx.declared_mask(batch.category_id, category_usable)
        if ctx.contract.mapping == Mapping.RAW:
            has_column = category_usable
            column = batch.category_id
        else:
            has_column = declared & (declared_columns >= 0)
            column = declared_columns
        return cls(
            batch=batch,
            category_usable=category_usable,
            declared=declared,
            has_column=has_column,
            column=column,
            image_row=ctx.image_rows(batch.image_id, usable(batch.image_id_kind)),
        )


class Rule:
    """Base class. Subclasses set ID and SEVERITY; their module docstring is the doc."""

    ID: ClassVar[str]
    SEVERITY: ClassVar[Severity]
    # Skip the rule when the contract has no class names.
    NEEDS_CLASS_NAMES: ClassVar[bool] = False
    # Its findings point at annotations, so `clean` can drop them.
    CLEANABLE: ClassVar[bool] = False

    def __init__(self, ctx: FileContext, severity: Severity | None = None) -> None:
        self.ctx = ctx
        self.override = severity

    @classmethod
    def doc(cls) -> str:
        return (sys.modules[cls.__module__].__doc__ or "").strip()

    @classmethod
    def summary(cls) -> str:
        return cls.doc().splitlines()[0] if cls.doc() else ""

    def severity(self, severity: Severity | None = None) -> Severity:
        """Configuration overrides whatever the rule would say."""
        return self.override or severity or self.SEVERITY

    def check_batch(self, view: BatchView) -> Iterable[Finding]:
        return ()

    def finish(self) -> Iterable[Finding]:
        return ()

    @classmethod
    def danger(cls, finding: Finding, contract: Contract) -> int:
        """How much worse than the rule's other findings this one is (0: not): reports
        show the most dangerous first among their few examples."""
        return 0

    @classmethod
    def across_files(cls, contexts: Sequence[FileContext], severity: Severity | None) -> Iterable[Finding]:
        """Findings that compare files scanned together (train and validation)."""
        return ()

    # Finding builders keep messages and paths uniform across rules.

    def annotation_finding(
        self, view: BatchView, row: int, message: str, key: str | None = None, severity: Severity | None = None
    ) -> Finding:
        batch = view.batch
        position = batch.start + row
        path = f"$.annotations[{position}]" + (f".{key}" if key else "")
        return Finding(
            file=self.ctx.file,
            position=position,
            rule=self.ID,
            severity=self.severity(severity),
            message=message,
            path=path,
            annotation_id=jsonable(batch.raw_annotation_id(row)),
            image_id=jsonable(batch.raw_image(row)),
            category_id=jsonable(batch.raw_category(row)),
            image_file=self.ctx.image_file(int(view.image_row[row])),
        )

    def file_finding(self, message: str, path: str = "$", severity: Severity | None = None, **ids: Any) -> Finding:
        return Finding(
            file=self.ctx.file,
            position=-1,
            rule=self.ID,
            severity=self.severity(severity),
            message=message,
            path=path,
            **{key: jsonable(value) for key, value in ids.items()},
        )


def describe(value: Any) -> str:
    """A raw JSON value as a short, terminal-safe phrase for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return safe(repr(value) if len(value) <= 60 else repr(value[:57] + "..."))
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def rows(mask: np.ndarray) -> Iterator[int]:
    return (int(row) for row in np.flatnonzero(mask))


def kind_of(batch: AnnotationBatch, row: int) -> ValueKind:
    return ValueKind(int(batch.category_kind[row]))
