"""The scan engine: read each file, run the rules over it, collect a Report.

Never exits, never prints: callers (the CLI, a notebook, a pipeline) decide
what a finding means for them.
"""

from __future__ import annotations

import pickle
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable, Iterator, Sequence

from ..core.contract import Contract, resolve_contract
from ..core.dataset import Dataset
from ..core.errors import UsageError
from ..core.findings import Finding, Severity
from ..readers import DEFAULT_STDIN_LIMIT, STDIN, ProgressCallback, ReadAgain, Reader, reader_for
from ..rules import RULES, BatchView, FileContext, Rule
from .baseline import Baseline
from .report import FileReport, Report


@dataclass(frozen=True)
class Policy:
    """Which rules run and at what severity. Severity is policy, not rule code."""

    select: frozenset[str] | None = None  # None: all rules
    ignore: frozenset[str] = frozenset()
    severities: dict[str, Severity] = field(default_factory=dict)

    def __post_init__(self) -> None:
        named = set(self.select or ()) | set(self.ignore) | set(self.severities)
        unknown = sorted(named - set(RULES))
        if unknown:
            raise ValueError(f"unknown rule {unknown[0]!r}; see 'labelcheck rules' for the list")
        if not self.active():
            raise ValueError("no rule is left to run: the selection is empty or ignores every selected rule")

    def active(self) -> list[type[Rule]]:
        return [
            rule
            for rule_id, rule in RULES.items()
            if (self.select is None or rule_id in self.select) and rule_id not in self.ignore
        ]


FindingCallback = Callable[[Finding], None]
# Examples kept per rule and per offending category id (of at most 200): enough
# to read, and memory that does not follow the number of findings.
MAX_EXAMPLES = 1000


def scan(
    paths: Any,
    contract: Contract | None = None,
    *,
    policy: Policy | None = None,
    reader: str = "auto",
    max_examples: int = 3,
    keep_findings: bool = True,
    on_finding: FindingCallback | None = None,
    baseline: Baseline | None = None,
    progress: ProgressCallback | None = None,
    stdin_limit: int = DEFAULT_STDIN_LIMIT,
) -> Report:
    """Check annotation files against a model contract.

    ``paths``: a path, ``-`` for stdin, a loaded ``pycocotools.coco.COCO``, or a
    list of those (scanned together: their category tables are compared).
    ``contract``: defaults to the mlperf-retinanet preset. ``on_finding`` is
    called with each finding as it is reported: a file read in one pass
    reports its annotations' findings once the whole file is known to be
    valid JSON, so none is reported for a file that turns out malformed
    (they are held back meanwhile, past 1,000 in a temporary file, and past
    ``HELD_AT_MOST`` the file is read again, validated first). ``keep_findings=False`` keeps only
    aggregates in the report, for bounded memory on huge files. Findings a
    ``baseline`` knows are left out of everything and counted in
    ``report.suppressed``. ``progress`` is called with a
    ``labelcheck.readers.Progress`` as readers that report go. ``stdin_limit``:
    the most bytes copied from standard input or a pipe (to a temporary file).

    Raises ``InputError`` for unreadable or malformed input.
    """
    sources = [paths] if isinstance(paths, (str, bytes)) or not isinstance(paths, Sequence) else list(paths)
    if sum(1 for source in sources if source == STDIN) > 1:
        raise UsageError("standard input (-) can be read only once; give it once")
    if not 0 <= max_examples <= MAX_EXAMPLES:  # each rule and category id keeps this many findings
        raise UsageError(f"--max-examples must be 0 to {MAX_EXAMPLES}, got {max_examples}")
    contract = contract or resolve_contract()
    policy = policy or Policy()
    rules = policy.active()
    if contract.class_names is None:
        rules = [rule for rule in rules if not rule.NEEDS_CLASS_NAMES]
    report = Report(
        contract=contract, findings=[] if keep_findings else None, suppressed=None if baseline is None else 0
    )
    known = baseline.matcher() if baseline is not None else None
    contexts: list[FileContext] = []

    def emit(findings: Iterable[Finding], file_report: FileReport) -> None:
        for finding in findings:
            if known is not None and known.known(finding):
                report.suppressed += 1
                continue
            file_report.add(finding, max_examples)
            if report.findings is not None:
                report.findings.append(finding)
            if on_finding is not None:
                on_finding(finding)

    for source in sources:
        source_reader = reader_for(source, reader, progress, stdin_limit=stdin_limit)
        file_report, ctx = _check_file(source_reader, source, rules, contract, policy, emit)
        report.files.append(file_report)
        contexts.append(ctx)

    by_file = {file_report.file: file_report for file_report in report.files}
    for rule in rules:
        for finding in rule.across_files(contexts, policy.severities.get(rule.ID)):
            emit([finding], by_file[finding.file])
    return report


Emit = Callable[[Iterable[Finding], FileReport], None]


def _check_file(
    reader: Reader, source: Any, rules: list[type[Rule]], contract: Contract, policy: Policy, emit: Emit,
) -> tuple[FileReport, FileContext]:
    """Run the rules over one file, from the start again with another reader
    when the first gives its reading up."""
    while True:
        checked = _check_once(reader, source, rules, contract, policy, emit)
        if not isinstance(checked, Reader):
            return checked
        reader = checked  # what the first read held is gone: this is a function's return


def _check_once(
    reader: Reader, source: Any, rules: list[type[Rule]], contract: Contract, policy: Policy, emit: Emit,
) -> tuple[FileReport, FileContext] | Reader:
    """The file checked; or the reader to check it with instead: one the
    reader named (``ReadAgain``), or, when more findings than ``HELD_AT_MOST``
    would be held back, the dataset's reader that validates first."""
    dataset = reader.read(source)
    ctx = FileContext(dataset.source, contract, dataset.categories, dataset.images)
    file_report = FileReport(
        dataset.source, images=len(dataset.images), categories=len(dataset.categories), layout=dataset.layout
    )
    active = [rule(ctx, policy.severities.get(rule.ID)) for rule in rules]
    try:
        if dataset.reread is not None:
            with _HeldFindings() as held:
                _check_batches(dataset, ctx, active, file_report, held.add)
                emit(held.released(), file_report)
        else:
            _check_batches(dataset, ctx, active, file_report, lambda findings: emit(findings, file_report))
    except ReadAgain as again:
        ctx.release_images()
        return again.reader
    except _TooManyHeld:
        ctx.release_images()
        assert dataset.reread is not None
        return dataset.reread()
    finally:
        close = getattr(dataset.annotation_batches, "close", None)
        if close is not None:  # what the reader holds, released even if the batches were not all read
            close()
    for rule in active:
        emit(rule.finish(), file_report)
    # Files are compared by their categories only: this file's image table
    # (its names perhaps in a temporary file) goes before the next is read.
    ctx.release_images()
    return file_report, ctx


def _check_batches(
    dataset: Dataset, ctx: FileContext, active: list[Rule], file_report: FileReport,
    found: Callable[[Iterable[Finding]], None],
) -> None:
    for batch in dataset.annotation_batches:
        file_report.annotations += len(batch)
        view = BatchView.of(batch, ctx)
        for rule in active:
            found(rule.check_batch(view))


# Findings held back beyond this many go to a temporary file.
HELD_IN_MEMORY = 1_000
# Beyond this many, holding findings back (about 4 us each to the temporary
# file and back) costs more than validating the whole file before checking it.
HELD_AT_MOST = 100_000


class _TooManyHeld(Exception):
    pass


class _HeldFindings:
    """Findings kept back until a provisional dataset is read to its end: in
    memory, and past ``HELD_IN_MEMORY`` in an unnamed temporary file, so a file
    where every annotation is bad stays in bounded memory."""

    def __init__(self) -> None:
        self._memory: list[Finding] = []
        self._spill: IO[bytes] | None = None
        self._count = 0  # held so far, counted at each spill

    def add(self, findings: Iterable[Finding]) -> None:
        memory = self._memory
        for finding in findings:
            memory.append(finding)
            if len(memory) == HELD_IN_MEMORY:
                self._count += len(memory)
                if self._count >= HELD_AT_MOST:
                    raise _TooManyHeld
                self._spilled(memory)
                memory.clear()

    def _spilled(self, findings: list[Finding]) -> None:
        try:
            if self._spill is None:
                self._spill = tempfile.TemporaryFile(prefix="labelcheck-findings-")
            pickle.dump(findings, self._spill, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:  # no temporary folder to write to (or it is full): read validated first instead
            raise _TooManyHeld from None

    def released(self) -> Iterator[Finding]:
        """Every finding held, in the order added."""
        if self._spill is not None:
            self._spill.seek(0)
            while True:
                try:
                    chunk = pickle.load(self._spill)
                except EOFError:
                    break
                yield from chunk
        yield from self._memory

    def __enter__(self) -> "_HeldFindings":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._spill is not None:
            self._spill.close()
