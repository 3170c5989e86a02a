"""``--format table`` (default): a per-file summary for people and CI logs.

Fits 80 columns; styled only on a terminal (and never with NO_COLOR). Every
string from the dataset is passed to rich as plain Text, so ``[bold]`` in a
category name is printed, not interpreted, and control characters are escaped.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..core.findings import Severity
from ..core.text import json_text, safe
from ..scanning.report import FileReport, Report
from .base import Reporter, tally_text

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _text(value: object) -> Text:
    return Text(safe(str(value)))


def _value(value: object, missing: str = "missing") -> str:
    """A raw JSON value as the file spells it: true, "12" (a string), 12."""
    return missing if value is None else safe(json_text(value))


def _ids(values: list) -> str:
    return ", ".join(_value(v) for v in values)


class TableReporter(Reporter):
    name = "table"
    human = True

    def finish(self, report: Report) -> None:
        console = Console(
            file=self.out,
            force_terminal=self.color,
            no_color=not self.color,
            highlight=False,
            markup=False,
            emoji=False,
            width=None if self.color else 80,
        )
        contract = report.contract
        preset = f"{contract.preset}: " if contract.preset else ""
        names = "with class names" if contract.class_names else "no class names"
        console.print(
            Text(f"Contract: {preset}{contract.num_classes} classes, {contract.mapping.value} mapping, {names}")
        )
        for file_report in report.files:
            console.print()
            self._file(console, file_report)
        console.print()
        console.print(self._verdict(report))

    def _file(self, console: Console, file_report: FileReport) -> None:
        console.print(_text(file_report.file), style="bold")
        console.print(
            Text(
                f"{file_report.images} images, {file_report.annotations} annotations, "
                f"{file_report.categories} categories"
            )
        )
        if not file_report.rule_counts:
            console.print(Text("No findings."))
            return
        console.print(self._rule_table(file_report))
        for rule, groups in file_report.category_groups.items():
            console.print()
            console.print(self._group_table(rule, groups, file_report.ungrouped.get(rule, 0)))
        if self.max_examples:
            console.print()
            self._examples(console, file_report)

    def _rule_table(self, file_report: FileReport) -> Table:
        table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
        table.add_column("Rule")
        table.add_column("Severity")
        table.add_column("Findings", justify="right")
        ordered = sorted(file_report.rule_counts.items(), key=lambda item: (-item[0][1].rank, item[0][0]))
        for (rule, severity), count in ordered:
            table.add_row(rule, Text(severity.label, style=STYLE[severity]), str(count))
        return table

    def _group_table(self, rule: str, groups: dict, ungrouped: int) -> Table:
        caption = f"and {ungrouped} more findings with other category ids" if ungrouped else None
        table = Table(title=Text(f"{rule}, by category_id"), title_justify="left", box=box.SIMPLE,
                      show_edge=False, pad_edge=False, caption=caption, caption_justify="left")
        table.add_column("category_id", overflow="fold")
        table.add_column("Count", justify="right")
        table.add_column("Annotation ids", overflow="fold")
        table.add_column("Image files", overflow="fold")
        ordered = sorted(groups.values(), key=lambda group: -group.count)
        for group in ordered:
            table.add_row(
                Text(_value(group.category_id, missing="null/missing")),
                str(group.count),
                Text(_ids(group.annotation_ids)),
                Text(", ".join(safe(name) for name in group.image_files)),
            )
        return table

    def _examples(self, console: Console, file_report: FileReport) -> None:
        console.print(Text(f"Examples (up to {self.max_examples} per rule):"))
        for rule, findings in sorted(file_report.examples.items()):
            for finding in findings:
                console.print(Padding(Text(f"{rule} at {safe(finding.path)}"), (0, 0, 0, 2), expand=False))
                console.print(Padding(_text(finding.message), (0, 0, 0, 4), expand=False))

    def _verdict(self, report: Report) -> Text:
        tally = tally_text(report)
        if report.failed(self.fail_on):
            return Text(f"FAILED: {tally} (--fail-on {self.fail_on})", style="bold red")
        return Text(f"PASSED: {tally} (--fail-on {self.fail_on})", style="bold green")
