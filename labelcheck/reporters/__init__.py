"""Report formats, chosen by name (``--format``): one class each behind ``Reporter``.

May import: ``core``, ``loaders``, ``images``, ``rules``, ``scanning``.
"""

from __future__ import annotations

from .base import Reporter
from .github import GithubReporter
from .html import HtmlReporter
from .json import JsonReporter
from .junit import JunitReporter
from .sarif import SarifReporter
from .table import TableReporter

REPORTERS: dict[str, type[Reporter]] = {
    TableReporter.name: TableReporter,
    JsonReporter.name: JsonReporter,
    GithubReporter.name: GithubReporter,
    SarifReporter.name: SarifReporter,
    JunitReporter.name: JunitReporter,
    HtmlReporter.name: HtmlReporter,
}

__all__ = ["REPORTERS", "Reporter"]
