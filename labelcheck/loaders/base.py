"""What a loader profile says: one frozen, declarative entry per framework.

A profile records how the framework's loader turns a COCO file into training
targets: how ``category_id`` becomes a column (a ``Mapping``), the default
head and where its background column is, the fields read unconditionally,
and, in the loader's order, the conditions under which it leaves an
annotation or an image out without an error, or raises. Each condition is a
vectorised test over a batch (``AnnotationFacts``) with the loader's own
words and the file and line they come from (``../shared/reference/LOADERS.md``).
The rules in ``labelcheck.rules`` turn these into findings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..core.contract import Mapping
from ..core.dataset import ImageTable
from .facts import AnnotationFacts


class Background(str, enum.Enum):
    """Where the head's background (or no-object) column is."""

    NONE = "none"  # sigmoid heads: no background column
    FIRST = "column 0"  # a label of 0 is learnt as background
    LAST = "column num_classes"  # a label equal to the head's size is learnt as background


class Duplicates(str, enum.Enum):
    """What a repeated annotation id does."""

    REPEATS_LAST = "repeats the last"  # pycocotools: getAnnIds lists the id twice, loadAnns returns the last twice
    ASSERTS = "asserts"  # the loader checks that ids are unique and stops
    UNAFFECTED = "unaffected"  # the loader does not index annotations by id


@dataclass(frozen=True)
class Condition:
    """An annotation the loader leaves out silently (a drop) or raises on (a crash).

    ``says`` is the loader's behaviour in its own terms (a crash quotes its
    error text; ``{category_id}``, ``{image_id}``, ``{id}`` and ``{file}`` are
    filled in per annotation); ``short`` a few words for tables.
    """

    key: str
    short: str
    says: str
    test: Callable[[AnnotationFacts], np.ndarray]


@dataclass(frozen=True)
class ImageDrop:
    """An image the loader leaves out: one with no annotation that ``kept_by`` accepts
    (with ``listed_only``, among the annotations whose category has a column), or,
    with ``min_side``, one whose smaller side (JSON width, height) is under it."""

    key: str
    short: str
    says: str
    kept_by: Callable[[AnnotationFacts], np.ndarray] | None = None
    listed_only: bool = False
    min_side: float | None = None


@dataclass(frozen=True)
class ImageCrash:
    """An image entry the loader raises on, tested over the image table."""

    key: str
    short: str
    says: str
    test: Callable[[ImageTable], np.ndarray]


@dataclass(frozen=True)
class LoaderProfile:
    name: str
    framework: str  # how messages name it: "torchvision", "MMDetection"
    title: str  # one line: which code path of which version
    source: str  # where it was read (snapshot), for the listing
    mapping: Mapping
    columns: int | None  # the default head; None: the user's (no default)
    background: Background
    annotation_fields: tuple[str, ...]  # read unconditionally: a missing one is a KeyError
    image_fields: tuple[str, ...]
    drops: tuple[Condition, ...]  # in the loader's order: an annotation is reported for the first that applies
    crashes: tuple[Condition, ...] = ()
    image_drops: tuple[ImageDrop, ...] = ()
    image_crashes: tuple[ImageCrash, ...] = ()
    past_head: str = "the loss fails"  # what a label past the head does
    negative: str = ""  # what a negative label does ("" when the mapping gives none)
    duplicate_ids: Duplicates = Duplicates.REPEATS_LAST
    duplicate_ids_says: str = ""  # the assertion's text, for Duplicates.ASSERTS
    category_crash: str = ""  # the error for a category without an integer id ("" when pycocotools' KeyError)
    reaches_orphans: bool = False  # annotations whose image is not in images are read (else never reached)
    assumptions: tuple[str, ...] = field(default=())  # points marked (n/v) or (inference) in LOADERS.md

    def drops_said(self) -> str:
        """What it leaves out silently, in a few words each."""
        drops = [condition.short for condition in self.drops] + [drop.short for drop in self.image_drops]
        if self.mapping == Mapping.FILE_ORDER:
            drops.append("categories not in the class list")
        return ", ".join(drops) or "nothing"

    def crashes_said(self) -> str:
        """What it raises on besides a missing field or a label past the head."""
        crashes = [condition.short for condition in self.crashes] + [crash.short for crash in self.image_crashes]
        if self.duplicate_ids == Duplicates.ASSERTS:
            crashes.append("duplicate annotation ids")
        if self.category_crash:
            crashes.append("categories without an id")
        return ", ".join(crashes) or "-"

    def fields_said(self) -> str:
        return f"annotations: {', '.join(self.annotation_fields)}; images: {', '.join(self.image_fields)}"
