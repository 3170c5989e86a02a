"""The reporter interface: told of each finding as it is found, then of the report.

Machine formats stream findings so memory stays bounded; human formats render
from the report's aggregates at the end. Every format writes a complete
document, even when nothing is found.
"""

from __future__ import annotations

from typing import ClassVar, TextIO

from ..core.contract import Contract
from ..core.findings import Finding, Severity
from ..core.text import describe, safe
from ..scanning.report import Report


class Reporter:
    name: ClassVar[str]
    # Whether the report itself is the human summary (else one goes to stderr).
    human: ClassVar[bool] = False
    # Whether the report shows the dataset statistics (the scan accumulates them only then).
    shows_statistics: ClassVar[bool] = False
    # How many images with findings the report pictures when the scan checks image files (0: none).
    thumbnails: ClassVar[int] = 0

    def __init__(
        self, out: TextIO, *, fail_on: str = "error", max_examples: int = 3, color: bool = False, show: str = "warning"
    ) -> None:
        self.out = out
        self.fail_on = fail_on
        self.max_examples = max_examples
        self.color = color
        self.show = Severity.parse(show)  # the lowest severity a human format details; below, a count

    def start(self, contract: Contract) -> None:
        pass

    def finding(self, finding: Finding) -> None:
        pass

    def finish(self, report: Report) -> None:
        raise NotImplementedError


def tally_text(report: Report) -> str:
    """'3 errors, 0 warnings, 12 info': the one-line count people read (plus what a baseline hid)."""
    tally = counts_text(report.summary())
    if report.suppressed is not None:
        noun = "finding" if report.suppressed == 1 else "findings"
        tally += f"; {report.suppressed} known {noun} suppressed by the baseline"
    return tally


def counts_text(counts: dict[str, int]) -> str:
    """{'error': 3, 'info': 1} as '3 errors, 1 info'."""
    plural = {"error": "errors", "warning": "warnings", "info": "info"}
    return ", ".join(f"{count} {label if count == 1 else plural[label]}" for label, count in counts.items())


def finding_text(finding: Finding) -> str:
    """One line for annotation formats: where (JSON path and ids), then the message; terminal-safe.

    '$.annotations[16].category_id (annotation 17, image 2, ef3c.jpg): category_id 264 >= ...'
    """
    ids = [f"{label} {describe(value)}" for label, value in
           (("annotation", finding.annotation_id), ("image", finding.image_id)) if value is not None]
    if finding.image_file is not None:
        ids.append(finding.image_file)
    where = f"{finding.path} ({', '.join(ids)})" if ids else finding.path
    return safe(f"{where}: {finding.message}")
