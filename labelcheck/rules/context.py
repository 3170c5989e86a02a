"""The per-file context and the per-batch view that every rule reads.

``FileContext`` is what a rule knows of one file besides its annotations (the
contract, the categories, the image table and the indexes over them);
``BatchView`` holds the columns derived once per batch and shared by all rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from ..core.contract import BY_ID, Contract, Mapping, columns_by_id, declared_columns
from ..core.dataset import (
    AnnotationBatch,
    BboxKind,
    Category,
    ImageTable,
    usable,
    usable_category_id,
)
from ..core.text import describe
from ..images.results import Depth, ImageResults
from ..loaders import LOADERS, AnnotationFacts, Background, LoaderProfile

# Rows per step where a whole-column operation would make full-size temporaries.
_CHUNK = 1 << 16
# Relative slack before a box is beyond its image: absorbs float rounding.
OUTSIDE_TOLERANCE = 1e-6
# Four True flags (numpy bools are bytes) read as one uint32.
_FOUR_TRUE = np.frombuffer(np.ones(4, dtype=bool).tobytes(), dtype=np.uint32)[0]


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


class SeenIds:
    """A set of int64 ids with bounded, dense memory for the usual 1..N ids."""

    def __init__(self) -> None:
        self.bits = np.zeros(1 << 12, dtype=np.uint8)
        self.others: set[int] = set()

    def add_batch(self, ids: np.ndarray) -> np.ndarray:
        """Add ids in order; return a mask of those already seen (earlier or in this batch)."""
        repeated = np.zeros(len(ids), dtype=bool)
        if not np.all(ids[1:] > ids[:-1]):  # increasing ids (the usual) cannot repeat within the batch
            _, first = np.unique(ids, return_index=True)
            repeated[:] = True
            repeated[first] = False
        in_map = (ids >= 0) & (ids < BITMAP_LIMIT)
        dense = ids[in_map]
        if len(dense):
            self._grow(int(dense.max()))
            byte, bit = dense >> 3, (dense & 7).astype(np.uint8)
            repeated[in_map] |= (self.bits[byte] >> bit) & 1 == 1
            np.bitwise_or.at(self.bits, byte, (1 << bit).astype(np.uint8))
        for row in np.flatnonzero(~in_map).tolist():
            value = int(ids[row])
            repeated[row] |= value in self.others
            self.others.add(value)
        return repeated

    def _grow(self, largest: int) -> None:
        needed = (largest >> 3) + 1
        if needed > len(self.bits):
            size = max(needed, 2 * len(self.bits))
            self.bits = np.concatenate([self.bits, np.zeros(size - len(self.bits), dtype=np.uint8)])


# Ids in [0, BITMAP_LIMIT) are tracked in a bitmap (one bit each, grown to the
# largest id seen); others, rare in practice, in a set.
BITMAP_LIMIT = 1 << 28  # a 32 MiB bitmap at most


class FileContext:
    """Everything about one file that rules need besides the annotation batches.

    Contexts of one file under several contracts (the ``loaders`` command)
    share what does not depend on the contract: pass the first as ``shared``.
    """

    def __init__(self, file: str, contract: Contract, categories: list[Category], images: ImageTable,
                 shared: "FileContext | None" = None) -> None:
        self.file = file
        self.contract = contract
        self.profile: LoaderProfile | None = LOADERS.get(contract.loader) if contract.loader else None
        self.categories = categories
        self.images = images
        # Last declaration of an id wins, as in pycocotools' index.
        self.declared: dict[int, Category] = {}
        for category in categories:
            number = usable_category_id(category)
            if number is not None:
                self.declared[number] = category
        self.column_of_declared = declared_columns(contract, categories)
        declared_ids = np.array(sorted(self.declared), dtype=np.int64)
        # -1: no column. Only the table-based mappings read this (raw uses the id).
        columns = [self.column_of_declared[i] for i in declared_ids.tolist()]
        self._declared = IdIndex(declared_ids, np.array([-1 if c is None else c for c in columns], dtype=np.int64))
        if shared is None:
            # A repeated image id resolves to its last row, the one pycocotools keeps.
            self._images = IdIndex.last_rows(images.id, usable(images.id_kind))
            self.annotation_ids = SeenIds()  # every annotation id so far, for repeats
        else:
            self._images, self.annotation_ids = shared._images, shared.annotation_ids
        # The depth images are checked at (None: not checked), and, once the
        # annotations are read, what the check found.
        self.image_depth: Depth | None = None
        self.image_results: ImageResults | None = None
        # What rules keep of this file, by rule id, to compare files once it is released, and the
        # files scanned before this one (their tables released: what they kept is in their ``kept``).
        self.kept: dict[str, Any] = {}
        self.earlier: Sequence[FileContext] = ()
        # Annotations per column of the head, counted by the engine for every batch:
        # the class statistics and the rules about class counts share it.
        self.columns = ColumnCounts()

    def release_images(self) -> None:
        """Forget the image table (and the index over it) once the file's batches and finish() are done."""
        self.images = ImageTable.empty()
        self._images = IdIndex(self.images.id)

    def indexed_images(self) -> np.ndarray:
        """The image rows the loader's index keeps: the last of each repeated id (pycocotools'
        ``imgs[img['id']]``), rows with a usable id; in chunks, no table-sized temporaries."""
        images = self.images
        indexed = usable(images.id_kind)
        if indexed.all() and _increasing(images.id):
            return indexed
        for start in range(0, len(images), _CHUNK):
            stop = min(start + _CHUNK, len(images))
            found = self.image_rows(images.id[start:stop].astype(np.int64), indexed[start:stop])
            indexed[start:stop] &= found == np.arange(start, stop)
        return indexed

    def image_rows(self, image_ids: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Row in the image table of each image id, -1 where not declared."""
        return self._images.lookup(image_ids, valid)[1]

    def declared_mask(self, category_ids: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(declared?, column index or -1) for each category id."""
        return self._declared.lookup(category_ids, valid)

    def image_file(self, image_row: int) -> str | None:
        return self.images.file_name[image_row] if image_row >= 0 else None

    @cached_property
    def placeholder_columns(self) -> frozenset[int]:
        """Columns no category is meant to have: the loader's background column 0, and
        the slots a class list marks 'N/A' (torchvision's COCO list has 10)."""
        background = {0} if self.profile is not None and self.profile.background == Background.FIRST else set()
        return frozenset(background | {i for i, name in enumerate(self.contract.class_names or ()) if name == "N/A"})

    def class_name(self, column: int) -> str | None:
        names = self.contract.class_names
        return names[column] if names is not None and 0 <= column < len(names) else None

    @cached_property
    def _declared_at(self) -> dict[int, int]:
        return {column: number for number, column in self.column_of_declared.items() if column is not None}

    def declared_id(self, column: int) -> int | None:
        """The declared category id that maps to a column, if any."""
        return self._declared_at.get(column)

    def class_label(self, column: int) -> str:
        """A column as messages name it: 17 'Apple' (the model's class name, when the contract has names)."""
        names = self.contract.class_names
        return f"{column} {describe(names[column])}" if names else str(column)


class ColumnCounts:
    """Annotations per column of the head.

    The array grows to the largest column a batch uses (it is not allocated
    for ``num_classes`` up front); columns past its end have none.
    """

    def __init__(self) -> None:
        self.counts = np.zeros(0, dtype=np.int64)

    def add(self, view: "BatchView") -> None:
        counted = np.bincount(view.column[view.in_head])
        if len(counted) > len(self.counts):
            self.counts = np.concatenate([self.counts, np.zeros(len(counted) - len(self.counts), dtype=np.int64)])
        self.counts[: len(counted)] += counted

    def used(self) -> np.ndarray:
        """The columns with at least one annotation."""
        return np.flatnonzero(self.counts)


@dataclass
class BatchView:
    """Derived columns computed once per batch and shared by all rules (and the statistics).

    The properties are computed when first asked for, so a column no active
    rule reads costs nothing.
    """

    batch: AnnotationBatch
    category_usable: np.ndarray  # bool: the id is an integer the loader can use
    declared: np.ndarray  # bool: the id is declared in categories
    has_column: np.ndarray  # bool: the mapping gives this annotation a column
    column: np.ndarray  # int64 column index where has_column
    image_row: np.ndarray  # int64 row in the image table, -1 if none
    repeated_id: np.ndarray  # bool: the annotation id was used by an earlier annotation
    facts: AnnotationFacts  # what loader profiles test
    ctx: FileContext

    @classmethod
    def of(cls, batch: AnnotationBatch, ctx: FileContext, shared: "BatchView | None" = None) -> "BatchView":
        """The view under ``ctx``'s contract; ``shared``: this batch's view under another
        contract, whose contract-free columns are reused (and ids not counted twice)."""
        if shared is None:
            category_usable = usable(batch.category_kind)
            image_row = ctx.image_rows(batch.image_id, usable(batch.image_id_kind))
            ids_usable = usable(batch.id_kind)
            repeated = np.zeros(len(batch), dtype=bool)
            repeated[ids_usable] = ctx.annotation_ids.add_batch(batch.id[ids_usable])
        else:
            category_usable, image_row, repeated = shared.category_usable, shared.image_row, shared.repeated_id
        declared, declared_columns = ctx.declared_mask(batch.category_id, category_usable)
        mapping = ctx.contract.mapping
        if mapping in BY_ID:
            has_column, column = columns_by_id(mapping, batch.category_id, category_usable)
        elif mapping == Mapping.FILE_POSITION:  # an undeclared id is 0: std::map::operator[]
            has_column, column = category_usable, np.where(declared, declared_columns, 0)
        else:
            has_column, column = declared & (declared_columns >= 0), declared_columns
        facts = shared.facts if shared is not None else AnnotationFacts(batch, image_row, ctx.images, declared)
        return cls(batch=batch, category_usable=category_usable, declared=declared, has_column=has_column,
                   column=column, image_row=image_row, repeated_id=repeated, facts=facts, ctx=ctx)

    @property
    def unmapped(self) -> np.ndarray:
        """A declared category the mapping gives no column (a name not in the class list)."""
        return self.declared & ~self.has_column

    @cached_property
    def in_head(self) -> np.ndarray:
        """bool: the annotation maps to a column of the head (0 <= column < num_classes)."""
        with np.errstate(invalid="ignore"):
            return self.has_column & (self.column >= 0) & (self.column < self.ctx.contract.num_classes)

    @cached_property
    def box_finite(self) -> np.ndarray:
        """bool: the bbox is a list of 4 finite numbers."""
        finite = np.ascontiguousarray(np.isfinite(self.batch.bbox))
        # The 4 flags of a row read as one 32-bit word: a reduction over the short axis is 50 times slower.
        return (finite.view(np.uint32).reshape(len(finite)) == _FOUR_TRUE) & (self.batch.bbox_kind == BboxKind.OK)

    @cached_property
    def box_usable(self) -> np.ndarray:
        """bool: the bbox is 4 finite numbers with width and height > 0 (what invalid-bbox passes)."""
        boxes = self.batch.bbox
        with np.errstate(invalid="ignore"):
            return self.box_finite & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)

    @cached_property
    def box_ratio(self) -> np.ndarray:
        """float64: each box's width / height (meaningful where ``box_usable``)."""
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return self.batch.bbox[:, 2] / self.batch.bbox[:, 3]

    @cached_property
    def beyond_image(self) -> np.ndarray:
        """bool: a finite box that extends beyond its image, where the image's size is known."""
        width, height = self.image_size
        x, y, w, h = self.batch.bbox.T
        slack_x, slack_y = OUTSIDE_TOLERANCE * np.abs(width), OUTSIDE_TOLERANCE * np.abs(height)
        with np.errstate(invalid="ignore"):  # NaN sizes compare False
            return self.box_finite & (
                (x < -slack_x) | (y < -slack_y) | (x + w > width + slack_x) | (y + h > height + slack_y)
            )

    @cached_property
    def image_size(self) -> tuple[np.ndarray, np.ndarray]:
        """(width, height) of each annotation's image as float64, NaN where the image or its size is unknown."""
        images = self.ctx.images
        known = self.image_row >= 0
        if not len(images.id):
            unknown = np.full(len(self.batch), np.nan)
            return unknown, unknown
        rows = np.where(known, self.image_row, 0)
        return (np.where(known, images.width[rows].astype(np.float64), np.nan),
                np.where(known, images.height[rows].astype(np.float64), np.nan))
