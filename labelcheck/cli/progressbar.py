"""The progress bar of long scans and rewrites: rich, on stderr, only when stderr is a terminal.

The engine and readers only call back with ``Progress`` values; this turns
them into a bar. It stays hidden for the first ``DELAY`` seconds so short
scans print nothing, and is cleared when the scan ends.
"""

from __future__ import annotations

import os
import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TransferSpeedColumn,
)
from rich.table import Column
from rich.text import Text

from ..core.text import safe
from ..readers import Progress as ReaderProgress

DELAY = 1.0
PHASES = {"reading": "reading", "checking": "checking syntax", "scanning": "scanning", "decoding": "decoding",
          "writing": "writing", "images": "images of"}
# Phases that count items, not bytes.
COUNTED = {"images": "images"}


class AnnotationRate(ProgressColumn):
    """Annotations decoded so far, and per second."""

    def render(self, task: Task) -> Text:
        count = task.fields.get("annotations", 0)
        if not count:
            return Text("")
        elapsed = task.elapsed or 0.0
        rate = f" {_short(count / elapsed)}/s" if elapsed > 0 else ""
        return Text(f"{_short(count)} ann{rate}")


class Amount(ProgressColumn):
    """Bytes done of all and bytes per second; for a counted phase (images), items and items per second."""

    def __init__(self) -> None:
        super().__init__()
        self._bytes, self._speed = DownloadColumn(), TransferSpeedColumn()

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit")
        if unit is None:
            return Text.assemble(self._bytes.render(task), " ", self._speed.render(task))
        elapsed = task.elapsed or 0.0
        rate = f" {_short(task.completed / elapsed)}/s" if elapsed > 0 else ""
        total = f"/{_short(task.total)}" if task.total else ""
        return Text(f"{_short(task.completed)}{total} {unit}{rate}")


def _short(number: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if number >= limit:
            return f"{number / limit:.1f}{suffix}"
    return f"{number:.0f}"


class ProgressBar:
    """A ``progress`` callback for ``labelcheck.scan`` that draws on stderr."""

    def __init__(self, console: Console | None = None, delay: float = DELAY) -> None:
        self.console = console or Console(stderr=True)
        self.delay = delay
        self._bar: Progress | None = None
        self._tasks: dict[tuple[str, str], int] = {}
        self._started = time.monotonic()

    def __call__(self, event: ReaderProgress) -> None:
        if self._bar is None:
            if time.monotonic() - self._started < self.delay:
                return
            self._bar = Progress(
                TextColumn("{task.description}", markup=False, table_column=Column(max_width=32, no_wrap=True)),
                BarColumn(bar_width=16),
                Amount(),
                AnnotationRate(),
                console=self.console,
                transient=True,
                redirect_stdout=False,  # reports go to the stdout they were given, never through the bar
                redirect_stderr=False,
            )
            self._bar.start()
        key = (event.source, event.phase)
        if key not in self._tasks:
            # Which of several files first (a long name is cut at the end), then its base name.
            number = f" {event.file}/{event.files}" if event.files > 1 else ""
            description = f"{PHASES.get(event.phase, event.phase)}{number} {safe(os.path.basename(event.source))}"
            self._tasks[key] = self._bar.add_task(description, total=event.total, annotations=0,
                                                  unit=COUNTED.get(event.phase))
        task = self._tasks[key]
        if event.done < self._bar.tasks[task].completed:  # the file read again from its start: a new bar
            self._bar.reset(task, total=event.total, completed=event.done, annotations=event.annotations)
        self._bar.update(task, completed=event.done, total=event.total, annotations=event.annotations)

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
