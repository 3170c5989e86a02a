"""``--format html``: one self-contained audit report to open in a browser.

The verdict, the contract, per-file counts, findings per rule and severity
(each rule linked to its documentation, which the report carries), the class
distribution over the model's columns for every file scanned, box geometry
histograms, and a filterable table of findings: the first ``FINDINGS_PER_RULE``
of each rule in each file, with counts of the rest, so the report of a
10-million-annotation file stays a few MB. When the scan checks the image
files (``--images``), the images with findings: up to ``THUMBNAILS``
thumbnails with their boxes drawn (``scanning.gallery``, ``images.thumbnails``),
JPEGs of at most ``MAX_JPEG_BYTES`` each, embedded as ``data:`` URLs.

Self-contained and offline: the style and the script are inlined from
``assets/`` (the charts are SVG drawn by that script; no library, no font, no
image is fetched), and a Content-Security-Policy allows nothing but those
two, by hash, and images from ``data:`` URLs: no request of any kind leaves
the page, and no other script runs.

Untrusted text is data: the report's data is one JSON document in a
``<script type="application/json">`` element with ``<``, ``>`` and ``&``
escaped (so no dataset string can close the element), and the script puts every
string on the page as text (``textContent``, SVG ``<title>``), never as markup.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from importlib import resources
from typing import Any

from ..core.contract import Contract
from ..core.findings import Finding
from ..core.text import json_text
from ..core.version import __version__
from ..images.thumbnails import MAX_JPEG_BYTES, THUMBNAIL_SIZE
from ..rules import RULES
from ..scanning.gallery import MAX_BOXES, THUMBNAILS, Thumbnail
from ..scanning.report import FileReport, Report
from .base import Reporter, tally_text

FINDINGS_PER_RULE = 100  # findings kept per rule and file; the rest are counted
# Fields of a finding row in the report's data, in order (rows are arrays: no key repeated per finding).
FINDING_FIELDS = ("file", "rule", "severity", "path", "annotation_id", "image_id", "category_id", "image_file",
                  "message")
# In the JSON embedded in the page: no dataset string can end the script element or open a comment.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})


def asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text("utf-8")


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


class HtmlReporter(Reporter):
    name = "html"
    shows_statistics = True
    thumbnails = THUMBNAILS

    def start(self, contract: Contract) -> None:
        self._files: dict[str, int] = {}
        self._rows: list[list[Any]] = []
        self._kept: Counter = Counter()  # (file, rule) -> findings kept
        self._left_out: Counter = Counter()

    def finding(self, finding: Finding) -> None:
        file = self._files.setdefault(finding.file, len(self._files))
        key = (file, finding.rule)
        if self._kept[key] >= FINDINGS_PER_RULE:
            self._left_out[key] += 1
            return
        self._kept[key] += 1
        row = finding.to_dict()
        self._rows.append([file, *(row.get(field) for field in FINDING_FIELDS[1:])])

    def finish(self, report: Report) -> None:
        script, style = asset("report.js"), asset("report.css")
        policy = f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; img-src data:"
        data = json_text(self._data(report)).translate(_SCRIPT_SAFE)
        self.out.write(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<title>labelcheck audit report</title>\n"
            f"<style>{style}</style>\n</head>\n<body>\n"
            '<noscript><p>This report draws itself with JavaScript: open it in a browser with scripts on.</p></noscript>\n'
            f'<script type="application/json" id="report-data">{data}</script>\n'
            f"<script>{script}</script>\n</body>\n</html>\n"
        )

    def _data(self, report: Report) -> dict[str, Any]:
        for file_report in report.files:  # files without findings have a number too
            self._files.setdefault(file_report.file, len(self._files))
        order = sorted(report.files, key=lambda file_report: self._files[file_report.file])
        return {
            "tool": {"name": "labelcheck", "version": __version__},
            "verdict": {
                "failed": report.failed(self.fail_on),
                "fail_on": self.fail_on,
                "summary": report.summary(),
                "tally": tally_text(report),
            },
            "contract": report.contract.to_dict(),
            "files": [self._file(file_report) for file_report in order],
            "rules": {
                rule_id: {"severity": rule.SEVERITY.label, "summary": rule.summary(), "doc": rule.doc()}
                for rule_id, rule in RULES.items()
            },
            "finding_fields": FINDING_FIELDS,
            "findings": self._rows,
            "findings_per_rule": FINDINGS_PER_RULE,
            "thumbnails": None if report.thumbnails is None else [self._thumbnail(t) for t in report.thumbnails],
            "thumbnail_limits": {"images": THUMBNAILS, "boxes": MAX_BOXES, "size": THUMBNAIL_SIZE,
                                 "jpeg_bytes": MAX_JPEG_BYTES},
        }

    def _thumbnail(self, thumbnail: Thumbnail) -> dict[str, Any]:
        drawn = thumbnail.drawn
        rules = sorted(thumbnail.rules.items(), key=lambda item: (-item[1][0].rank, item[0]))
        return {
            "file": self._files[thumbnail.file],
            "image_id": thumbnail.image_id,
            "image_file": thumbnail.image_file,
            "path": f"$.images[{thumbnail.image_row}]",
            "rules": [{"rule": rule, "severity": severity.label, "count": count} for rule, (severity, count) in rules],
            "boxes": {"total": thumbnail.box_count, "marked": thumbnail.marked_count, "drawn": len(thumbnail.boxes),
                      "drawn_marked": int(thumbnail.marked.sum())},
            "boxes_problem": thumbnail.boxes_problem,
            "json_size": None if thumbnail.json_size is None else [_number(value) for value in thumbnail.json_size],
            "image_size": None if drawn is None or drawn.image_size is None else list(drawn.image_size),
            "src": None if drawn is None or drawn.jpeg is None else
            "data:image/jpeg;base64," + base64.b64encode(drawn.jpeg).decode("ascii"),
            "width": 0 if drawn is None else drawn.width,
            "height": 0 if drawn is None else drawn.height,
            "problem": None if drawn is None else drawn.problem,
        }

    def _file(self, file_report: FileReport) -> dict[str, Any]:
        number = self._files[file_report.file]
        by_rule = sorted(file_report.rule_counts.items(), key=lambda item: (-item[0][1].rank, item[0][0]))
        return {
            "file": file_report.file,
            "counts": file_report.to_dict()["counts"],
            "by_rule": [
                {"rule": rule, "severity": severity.label, "count": count} for (rule, severity), count in by_rule
            ],
            "left_out": {rule: count for (file, rule), count in sorted(self._left_out.items()) if file == number},
            "statistics": file_report.statistics.to_dict() if file_report.statistics is not None else None,
        }


def _number(value: float) -> float | int:
    """A JSON size as written: 640, not 640.0."""
    return int(value) if value.is_integer() else value
