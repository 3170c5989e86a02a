"""The training loader silently trains an annotation under another class, or as background.

Checked under a loader profile (``--loader``, or a preset). No error is
raised; the model just learns the wrong thing:

- a label equal to the head's background or no-object column: torchvision's
  ``category_id`` 0 (column 0, which its R-CNN learns as background),
  detectron2's, MMDetection's and DETR's label equal to ``num_classes``, and
  DALI's undeclared ``category_id``, which becomes 0;
- categories written out of the class list's order, under loaders that
  number them in file order (MMDetection, DALI): one finding for each
  category that trains another class's column (without ``--classes``, one
  finding when the categories are not written in id order);
- repeated annotation ids under the loaders that read through pycocotools'
  ``getAnnIds`` + ``loadAnns`` (torchvision, MLPerf, YOLOX): the last
  annotation with the id is returned for every use, so the earlier ones are
  lost and the last is trained in their place (one finding per file).

Default severity: error.

Fails (--loader torchvision):

    {"id": 7, "image_id": 1, "category_id": 0, "bbox": [1, 2, 30, 40], ...}

Fails (--preset mmdet-coco, whose class 0 is 'person' and 1 'bicycle'):

    "categories": [{"id": 2, "name": "bicycle"}, {"id": 1, "name": "person"}, ...]

Passes (--preset mmdet-coco):

    "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "bicycle"}, ...]
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..core.contract import Mapping
from ..core.findings import Finding, Severity
from ..core.text import describe
from ..loaders import Background, Duplicates
from .base import LoaderRule, RepeatedIds, reached
from .context import BatchView, FileContext

# Mappings that number categories by where they are written.
_FILE_ORDER = {Mapping.FILE_ORDER: "its rank among the listed classes in the file's categories order",
               Mapping.FILE_POSITION: "1 + its position in the file's categories array"}


class RelabelledByLoader(LoaderRule):
    ID = "relabelled-by-loader"
    SEVERITY = Severity.ERROR

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        n = ctx.contract.num_classes
        self.background = {Background.FIRST: 0, Background.LAST: n}.get(self.profile.background)
        self.repeated = RepeatedIds()

    def offending(self, view: BatchView) -> Iterator[tuple[str, np.ndarray]]:
        if self.profile.duplicate_ids == Duplicates.REPEATS_LAST:
            self.repeated.add(view)
        if self.background is not None:
            yield "background", reached(view, self.profile) & view.has_column & (view.column == self.background)

    def field(self, reason: str) -> str | None:
        return "category_id"

    def message(self, view: BatchView, row: int, reason: str) -> str:
        raw = describe(view.batch.raw_category(row))
        name = self.profile.framework
        if not view.declared[row] and self.ctx.contract.mapping == Mapping.FILE_POSITION:
            return (f"category_id {raw} is not declared in categories: {name} gives it label 0, the background "
                    "(std::map::operator[], inference); its box trains as background")
        where = "column 0" if self.background == 0 else f"column {self.background}, the head's size (num_classes),"
        category = self.ctx.declared.get(int(view.batch.category_id[row]))
        named = f" ({describe(category.name)})" if category is not None else ""
        return (f"category_id {raw}{named} maps to {where} which {name} treats as the background (no-object) "
                "class: its box trains as background, silently")

    def file_findings(self) -> Iterator[Finding]:
        if self.repeated.count:
            yield self.file_finding(
                f"{self.repeated.said()}: pycocotools' getAnnIds lists the id for each use and loadAnns returns the "
                f"last annotation with it every time, so {self.profile.framework} loses the earlier ones and trains "
                "the last in their place (on their image, if another); renumber the annotations",
                path="$.annotations", reason="duplicate-ids")
        if self.ctx.contract.mapping in _FILE_ORDER:
            yield from self._order_findings()

    def _order_findings(self) -> Iterator[Finding]:
        columns = self.ctx.column_of_declared
        how = _FILE_ORDER[self.ctx.contract.mapping]
        names = self.ctx.contract.class_names
        if names is None:
            written = [number for number, column in sorted(columns.items(), key=lambda item: _sort_key(item[1]))
                       if column is not None]
            if written != sorted(written):
                first = next(a for a, b in zip(written, written[1:]) if a > b)
                yield self.file_finding(
                    f"{self.profile.framework} numbers each category by {how}, and these are not written in id order "
                    f"(category {first} comes before a lower id): its labels differ from the sorted ids other loaders "
                    "use; give --classes to check them against the model's class list",
                    path="$.categories", reason="file-order")
            return
        position_of = {name: index for index, name in reversed(list(enumerate(names)))}
        for number, category in self.ctx.declared.items():
            column = columns.get(number)
            if column is None or not isinstance(category.name, str) or category.name not in position_of:
                continue
            trains = self.ctx.class_name(column)
            if trains == category.name:
                continue
            yield self.file_finding(
                f"{self.profile.framework} numbers each category by {how}: category {number} "
                f"{describe(category.name)} gets label {column}, which the model calls {describe(trains)} "
                f"({describe(category.name)} is class {position_of[category.name]}); its annotations train the "
                "wrong class; write the categories in the class list's order, or the class list in the file's",
                path=f"$.categories[{category.position}]", reason="file-order", category_id=category.id)


def _sort_key(column: int | None) -> int:
    return -1 if column is None else column
