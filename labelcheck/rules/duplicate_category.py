"""A category id or a category name is declared twice.

Loaders disagree on which declaration wins (pycocotools keeps the last), and a
repeated name splits one class over two ids.

Default severity: error.

Fails:

    "categories": [{"id": 3, "name": "Apple"}, {"id": 3, "name": "Backpack"}]
    "categories": [{"id": 3, "name": "Apple"}, {"id": 4, "name": "Apple"}]

Passes:

    "categories": [{"id": 3, "name": "Apple"}, {"id": 4, "name": "Backpack"}]
"""

from __future__ import annotations

from typing import Any, Iterator

from ..core.dataset import usable_category_id
from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import Rule


class DuplicateCategory(Rule):
    ID = "duplicate-category"
    SEVERITY = Severity.ERROR

    def finish(self) -> Iterator[Finding]:
        first_id: dict[int, int] = {}
        first_name: dict[Any, int] = {}
        for category in self.ctx.categories:
            number = usable_category_id(category)
            if number is not None:
                if number in first_id:
                    yield self.file_finding(
                        f"category id {number} is declared again (first at categories[{first_id[number]}]); "
                        "pycocotools keeps the last declaration; give each category its own id",
                        path=f"$.categories[{category.position}].id",
                        category_id=category.id,
                    )
                else:
                    first_id[number] = category.position
            if isinstance(category.name, str):
                if category.name in first_name:
                    yield self.file_finding(
                        f"category name {describe(category.name)} is declared again "
                        f"(first at categories[{first_name[category.name]}]); one class must have one id",
                        path=f"$.categories[{category.position}].name",
                        category_id=category.id,
                    )
                else:
                    first_name[category.name] = category.position
