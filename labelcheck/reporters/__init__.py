"""Report formats, chosen by name (``--format``)."""

from __future__ import annotations

from .base import Reporter
from .json import JsonReporter
from .table import TableReporter

REPORTERS: dict[str, type[Reporter]] = {
    TableReporter.name: TableReporter,
    JsonReporter.name: JsonReporter,
}

__all__ = ["REPORTERS", "Reporter"]
