"""The number of declared categories differs from the head's num_classes.

Not fatal by itself (a subset of classes can be labelled), but usually the
sign of a file made for another model or another class list. The loader's
background column and the class list's 'N/A' slots are not classes: under
torchvision-coco (91 columns) a file of COCO's 80 categories passes.

Default severity: warning.

Fails (num_classes 264):

    "categories": [... 601 entries ...]

Passes:

    "categories": [... 264 entries ...]
"""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding, Severity
from ..core.text import plural
from .base import Rule


class CategoryCountMismatch(Rule):
    ID = "category-count-mismatch"
    SEVERITY = Severity.WARNING

    def finish(self) -> Iterator[Finding]:
        declared = len(self.ctx.categories)
        expected = self.ctx.contract.num_classes - len(self.ctx.placeholder_columns)
        if declared != expected:
            yield self.file_finding(
                f"{plural(declared, 'category', 'categories')} declared but the model has {plural(expected, 'class')}; "
                "check that the file was exported for this model",
                path="$.categories",
            )
