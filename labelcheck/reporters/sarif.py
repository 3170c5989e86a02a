"""``--format sarif``: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One rule descriptor per rule (descriptions and help from the rule's module
docstring, default level from its default severity) and one result per
finding. Levels: error -> error, warning -> warning, info -> note.

Every result has a location, as code scanning requires: the file, at line 1,
because findings are placed by JSON path rather than by line (annotation files
are often one minified line). The JSON path is in the message and is the
result's logical location; ``partialFingerprints`` carry the baseline key, so an
alert keeps its identity when other annotations are added or removed.

Memory stays bounded: at most ``max_results`` results are kept, the most severe
(then the earliest) first. When there are more, the last result is a note
saying how many were left out: code scanning rejects or truncates larger runs.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
from collections import Counter
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from ..core.contract import Contract
from ..core.findings import Finding, Severity
from ..core.version import __version__
from ..rules import RULES, Rule
from ..scanning.baseline import finding_key
from ..scanning.report import Report
from .base import Reporter, counts_text, finding_text

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
ID_PROPERTIES = ("annotation_id", "image_id", "category_id", "image_file")  # result properties, where known
TRUNCATED = {
    "id": "results-truncated",
    "shortDescription": {"text": "Not every finding fits in this SARIF file."},
    "fullDescription": {
        "text": "The scan found more findings than code scanning accepts in one run; the most severe are included."
    },
    "help": {"text": "Run 'labelcheck scan --format json' for every finding."},
    "defaultConfiguration": {"level": "note"},
}


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    doc = rule.doc()
    return {
        "id": rule.ID,
        "name": rule.__name__,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": doc.partition("\nDefault severity:")[0].strip()},
        "help": {"text": doc},
        "defaultConfiguration": {"level": LEVEL[rule.SEVERITY]},
    }


def artifact_uri(file: str) -> str:
    """A file as SARIF names it: relative paths stay relative (to the repository root in CI)."""
    if PurePath(file).is_absolute():
        return Path(file).as_uri()
    return quote(PurePath(file).as_posix(), errors="surrogateescape")


def location(file: str, path: str = "$") -> dict[str, Any]:
    return {
        "physicalLocation": {"artifactLocation": {"uri": artifact_uri(file)}, "region": {"startLine": 1}},
        "logicalLocations": [{"fullyQualifiedName": path}],
    }


def fingerprint(finding: Finding) -> str:
    return hashlib.sha256(finding_key(finding).encode("utf-8", "surrogatepass")).hexdigest()


class SarifReporter(Reporter):
    name = "sarif"
    max_results = 5000  # GitHub code scanning shows at most 5000 results per run

    def start(self, contract: Contract) -> None:
        self._kept: list[tuple[Severity, int, Finding]] = []  # min-heap: least severe, latest on top
        self._left_out: Counter = Counter()
        self._order = itertools.count()

    def finding(self, finding: Finding) -> None:
        item = (finding.severity, -next(self._order), finding)
        if len(self._kept) < self.max_results:
            heapq.heappush(self._kept, item)
        else:
            self._leave_out(heapq.heappushpop(self._kept, item))

    def _leave_out(self, item: tuple[Severity, int, Finding]) -> None:
        self._left_out[item[0]] += 1

    def finish(self, report: Report) -> None:
        if self._left_out:
            self._leave_out(heapq.heappop(self._kept))  # room for the note
        kept = [finding for _, _, finding in sorted(self._kept, key=lambda item: -item[1])]
        rules = [rule_descriptor(rule) for rule in RULES.values()]
        results = [self._result(finding) for finding in kept]
        if self._left_out:
            rules.append(TRUNCATED)
            results.append(self._truncation_note(report))
        index = {rule["id"]: number for number, rule in enumerate(rules)}
        for result in results:
            result["ruleIndex"] = index[result["ruleId"]]
        driver = {"name": "labelcheck", "version": __version__, "semanticVersion": __version__, "rules": rules}
        run = {"tool": {"driver": driver}, "results": results}
        document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
        json.dump(document, self.out, indent=2)
        self.out.write("\n")

    @staticmethod
    def _result(finding: Finding) -> dict[str, Any]:
        ids = {key: value for key, value in finding.to_dict().items() if key in ID_PROPERTIES}
        return {
            "ruleId": finding.rule,
            "level": LEVEL[finding.severity],
            "message": {"text": finding_text(finding)},
            "locations": [location(finding.file, finding.path)],
            "partialFingerprints": {"labelcheckFinding/v1": fingerprint(finding)},
            "properties": ids,
        }

    def _truncation_note(self, report: Report) -> dict[str, Any]:
        left_out = {severity.label: self._left_out[severity] for severity in sorted(self._left_out, reverse=True)}
        return {
            "ruleId": TRUNCATED["id"],
            "level": "note",
            "message": {
                "text": f"{sum(left_out.values())} more findings are not in this file ({counts_text(left_out)}); "
                "run 'labelcheck scan --format json' for every finding"
            },
            "locations": [location(report.files[0].file)],
        }
