"""``--format table`` (default): a per-file summary for people and CI logs.

Fits 80 columns; styled only on a terminal (and never with NO_COLOR). Every
string from the dataset is passed to rich as plain Text, so ``[bold]`` in a
category name is printed, not interpreted, and control characters are escaped.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..core.findings import Severity
from ..core.text import json_text, plural, safe
from ..rules import CATEGORY_RULES
from ..scanning.report import CategoryGroup, FileReport, Report
from .base import Reporter, counts_text, tally_text

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
        # Off a terminal rich pads table lines to the width: drawn into a buffer, the lines go
        # out without their trailing spaces.
        buffer = None if self.color else io.StringIO()
        console = Console(
            file=self.out if buffer is None else buffer,
            force_terminal=self.color,
            no_color=not self.color,
            highlight=False,
            markup=False,
            emoji=False,
            width=None if self.color else 80,
        )
        self._report(console, report)
        if buffer is not None:
            self.out.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))

    def _report(self, console: Console, report: Report) -> None:
        console.print(Text(f"Contract: {report.contract.describe()}"))
        for file_report in report.files:
            console.print()
            self._file(console, file_report)
        fixes = report.fixes()
        if fixes:
            console.print()
            console.print(Text("How to fix:"))
        for command, rule, files in fixes:
            console.print(Text(f"  {safe(command)}"), soft_wrap=True)  # one line to copy, however long
            console.print(Text(f"    repairs {rule} in {plural(len(files), 'file')}"))
        console.print()
        console.print(self._verdict(report))

    def _file(self, console: Console, file_report: FileReport) -> None:
        console.print(_text(file_report.file), style="bold")
        counts = (f"{plural(file_report.images, 'image')}, {plural(file_report.annotations, 'annotation')}, "
                  f"{plural(file_report.categories, 'category', 'categories')}")
        if file_report.images_checked is not None:
            cached = f", {file_report.images_from_cache} from the image cache" if file_report.images_from_cache else ""
            counts += f"; {plural(file_report.images_checked, 'image file')} checked{cached}"
        console.print(Text(counts))
        if not file_report.rule_counts:
            console.print(Text("No findings."))
            return
        shown = {key: count for key, count in file_report.rule_counts.items() if key[1] >= self.show}
        if shown:
            console.print(self._rule_table(shown))
            for line in self._related(file_report):
                console.print(Text(line))
        hidden = {key: count for key, count in file_report.rule_counts.items() if key not in shown}
        if hidden:
            console.print(Text(self._hidden(hidden)))
        if file_report.category_groups and any(rule in CATEGORY_RULES for rule, _ in shown):
            console.print()
            console.print(self._group_table(file_report.category_groups, file_report.ungrouped))
        for rule, reasons in file_report.reason_groups.items():
            console.print()
            console.print(self._reason_table(rule, reasons))
        if self.max_examples and shown:
            console.print()
            self._examples(console, file_report)

    def _rule_table(self, counts: dict) -> Table:
        table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
        table.add_column("Rule")
        table.add_column("Severity")
        table.add_column("Findings", justify="right")
        ordered = sorted(counts.items(), key=lambda item: (-item[0][1].rank, item[0][0]))
        for (rule, severity), count in ordered:
            table.add_row(rule, Text(severity.label, style=STYLE[severity]), str(count))
        return table

    def _related(self, file_report: FileReport) -> list[str]:
        return [
            f"{rule}: {count} on values {earlier} found (counted once)"
            for (rule, earlier), count in sorted(file_report.related.items())
        ]

    def _hidden(self, hidden: dict) -> str:
        """One line for the findings below --show: how many, of which rules, and how to see them."""
        by_severity = {severity.label: 0 for severity in sorted(Severity, reverse=True) if severity < self.show}
        for (_, severity), count in hidden.items():
            by_severity[severity.label] += count
        rules = ", ".join(f"{rule} {count}" for (rule, _), count in sorted(hidden.items()))
        lowest = min(severity for _, severity in hidden)
        tally = counts_text({label: count for label, count in by_severity.items() if count})
        return f"Not shown: {tally} ({rules}); --show {lowest.label} lists them"

    def _group_table(self, groups: dict[str, CategoryGroup], ungrouped: int) -> Table:
        """One table for every category rule: a value two rules find is one row. The rules
        go in the title when every row has the same, else in a column."""
        rule_sets = {tuple(group.rules) for group in groups.values()}
        same = len(rule_sets) == 1
        title = "Offending annotations by category_id" + (f" ({', '.join(next(iter(rule_sets)))})" if same else "")
        caption = f"and {ungrouped} more annotations with other category ids" if ungrouped else None
        table = Table(title=Text(title), title_justify="left", box=box.SIMPLE,
                      show_edge=False, pad_edge=False, caption=caption, caption_justify="left")
        table.add_column("category_id", overflow="fold")
        table.add_column("Count", justify="right")
        if not same:
            table.add_column("Rules", overflow="fold")
        table.add_column("Annotation ids", overflow="fold")
        table.add_column("Image files", overflow="fold")
        for group in sorted(groups.values(), key=lambda group: -group.count):
            rules = [] if same else [Text("\n".join(group.rules))]
            table.add_row(
                Text(_value(group.category_id, missing="null/missing")),
                str(group.count),
                *rules,
                Text(_ids(group.annotation_ids)),
                Text(", ".join(safe(name) for name in group.image_files)),
            )
        return table

    def _reason_table(self, rule: str, reasons: dict) -> Table:
        """A loader rule's findings by reason: how many, what the loader does (the first's words), where."""
        table = Table(title=Text(f"{rule}, by reason"), title_justify="left", box=box.SIMPLE, show_edge=False,
                      pad_edge=False)
        table.add_column("Reason", overflow="fold")
        table.add_column("Count", justify="right")
        table.add_column("What the loader does (the first)", overflow="fold", ratio=1)
        for group in sorted(reasons.values(), key=lambda group: -group.count):
            table.add_row(Text(group.reason or "-"), str(group.count),
                          _text(f"{group.message} (at {', '.join(group.paths)})"))
        return table

    def _examples(self, console: Console, file_report: FileReport) -> None:
        console.print(Text(f"Examples (up to {self.max_examples} per rule):"))
        for rule, findings in sorted(file_report.examples.items()):
            findings = [finding for finding in findings if finding.severity >= self.show]
            own = [finding for finding in findings if finding.related_to is None]
            for finding in own or findings[:1]:
                console.print(Padding(Text(f"{rule} at {safe(finding.path)}"), (0, 0, 0, 2), expand=False))
                console.print(Padding(_text(finding.message), (0, 0, 0, 4), expand=False))
            if findings and not own:
                earlier = findings[0].related_to
                console.print(Padding(Text(f"(its other findings are on values {earlier} found)"), (0, 0, 0, 4),
                                      expand=False))

    def _verdict(self, report: Report) -> Text:
        tally = tally_text(report)
        if report.failed(self.fail_on):
            return Text(f"FAILED: {tally} (--fail-on {self.fail_on})", style="bold red")
        return Text(f"PASSED: {tally} (--fail-on {self.fail_on})", style="bold green")
