"""The scan engine: read each file, run the rules over it, collect a Report.

Never exits, never prints: callers (the CLI, a notebook, a pipeline) decide
what a finding means for them.
"""

from __future__ import annotations

import pickle
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable, Iterator, Sequence

from ..core.contract import Contract
from ..core.dataset import Dataset
from ..core.errors import UsageError
from ..core.findings import Finding, Severity
from ..images.check import ImageCheck, ImageOptions
from ..images.results import ImageResults
from ..loaders import resolve_contract
from ..readers import (
    DEFAULT_STDIN_LIMIT,
    STDIN,
    Progress,
    ProgressCallback,
    ReadAgain,
    Reader,
    reader_for,
    relabelled,
)
from ..rules import RULES, BatchView, FileContext, Rule
from .baseline import Baseline
from .gallery import BoxSpill, Gallery
from .report import FileReport, Report
from .statistics import FileStatistics


@dataclass(frozen=True)
class Policy:
    """Which rules run, at what severity and with which thresholds. Severity is policy, not rule code.

    ``options``: rule name -> {option name: value}, e.g. ``{"tiny-box": {"min-size": 4}}``
    (each rule's documentation lists its options and their defaults).
    """

    select: frozenset[str] | None = None  # None: all rules
    ignore: frozenset[str] = frozenset()
    severities: dict[str, Severity] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        named = set(self.select or ()) | set(self.ignore) | set(self.severities) | set(self.options)
        unknown = sorted(named - set(RULES))
        if unknown:
            raise ValueError(f"unknown rule {unknown[0]!r}; see 'labelcheck rules' for the list")
        for rule_id, options in self.options.items():
            try:
                RULES[rule_id].check_options(options)
            except ValueError as exc:
                raise ValueError(f"{rule_id}: {exc}") from None
        if not self.active():
            raise ValueError("no rule is left to run: the selection is empty or ignores every selected rule")

    def instances(self, rules: list[type[Rule]], ctx: FileContext) -> list[Rule]:
        """The rules to run over one file, with their severities and options."""
        return [rule(ctx, self.severities.get(rule.ID), self.options.get(rule.ID)) for rule in rules]

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
    images: "ImageOptions | str | Sequence[str] | None" = None,
    statistics: bool = True,
    stdin_limit: int = DEFAULT_STDIN_LIMIT,
    thumbnails: int = 0,
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
    ``labelcheck.readers.Progress`` as readers that report go (and, phase
    "images", as images are checked). ``images``: check each image's file
    too (a ROOT, one ROOT per file, or ``labelcheck.ImageOptions``), once the
    file's annotations are read; the image rules need it. ``statistics``:
    accumulate each file's dataset statistics (``FileReport.statistics``: class
    counts per column, box geometry, boxes per image) as the rules run.
    ``stdin_limit``: the most bytes copied from standard input or a pipe (to a
    temporary file). ``thumbnails``: with ``images``, picture up to this many
    images with findings (``report.thumbnails``: each a
    ``labelcheck.scanning.gallery.Thumbnail``, its boxes drawn on a small JPEG;
    what the HTML report shows), chosen over the rules, errors first; while
    the annotations are read, their image rows and boxes (20 bytes each) go
    to a temporary file, read back once per file for the images chosen.

    Raises ``InputError`` for unreadable or malformed input, ``UsageError``
    for a ROOT that is not a folder or an executor that cannot start.
    """
    sources = [paths] if isinstance(paths, (str, bytes)) or not isinstance(paths, Sequence) else list(paths)
    if sum(1 for source in sources if source == STDIN) > 1:
        raise UsageError("standard input (-) can be read only once; give it once")
    if not 0 <= max_examples <= MAX_EXAMPLES:  # each rule and category id keeps this many findings
        raise UsageError(f"--max-examples must be 0 to {MAX_EXAMPLES}, got {max_examples}")
    if thumbnails < 0:
        raise UsageError(f"thumbnails must be 0 or more, got {thumbnails}")
    if thumbnails and images is None:
        raise UsageError("thumbnails are drawn from the image files: pass images= (their folder) too")
    contract = contract or resolve_contract()
    policy = policy or Policy()
    rules = policy.active()
    rules = applicable(rules, contract)
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
            finding = file_report.add(finding, max_examples)
            if gallery is not None:
                gallery.saw(finding)
            if report.findings is not None:
                report.findings.append(finding)
            if on_finding is not None:
                on_finding(finding)

    checker = ImageCheck(ImageOptions.of(images), len(sources)) if images is not None else None
    gallery = Gallery(thumbnails) if checker is not None and thumbnails else None
    checks = _Checks(rules, contract, policy, statistics, gallery)
    try:
        for index, source in enumerate(sources):
            told = relabelled(progress, file=index + 1, files=len(sources))
            probe = ImageProbe(checker, index, told) if checker is not None else None
            source_reader = reader_for(source, reader, told, stdin_limit=stdin_limit)
            file_report, ctx = _check_file(source_reader, source, checks, emit, probe, tuple(contexts))
            report.files.append(file_report)
            contexts.append(ctx)

        by_file = {file_report.file: file_report for file_report in report.files}
        for rule in rules:
            for finding in rule.across_files(contexts, policy.severities.get(rule.ID)):
                emit([finding], by_file[finding.file])
        if gallery is not None:
            assert checker is not None
            report.thumbnails = gallery.draw(checker.storage)
        if checker is not None:
            checker.commit()
    finally:
        if gallery is not None:
            gallery.close()
        if checker is not None:
            checker.close()
    return report


class ImageProbe:
    """Checks one file's images, reporting "images" progress (images done of all)."""

    def __init__(self, checker: ImageCheck, index: int, progress: ProgressCallback | None) -> None:
        self.checker = checker
        self.index = index
        self.progress = progress
        self.depth = checker.depth

    def __call__(self, ctx: FileContext) -> ImageResults:
        progress = self.progress

        def report(done: int, total: int) -> None:
            assert progress is not None
            progress(Progress(ctx.file, "images", done, total))

        return self.checker.run(self.index, ctx.images, report if progress is not None else None)
def applicable(rules: list[type[Rule]], contract: Contract) -> list[type[Rule]]:
    """The rules the contract gives something to check."""
    return [rule for rule in rules if (contract.class_names is not None or not rule.NEEDS_CLASS_NAMES)
            and (contract.loader is not None or not rule.NEEDS_LOADER)]


Emit = Callable[[Iterable[Finding], FileReport], None]


@dataclass(frozen=True)
class _Checks:
    """What runs over each file: the rules (under the policy) and, if asked for, the statistics and
    the gallery of images with findings."""

    rules: list[type[Rule]]
    contract: Contract
    policy: Policy
    statistics: bool
    gallery: Gallery | None = None


def _check_file(
    reader: Reader, source: Any, checks: _Checks, emit: Emit,
    probe: ImageProbe | None = None, earlier: Sequence[FileContext] = (),
) -> tuple[FileReport, FileContext]:
    """Run the rules over one file, from the start again with another reader
    when the first gives its reading up. ``earlier``: the files checked before it."""
    while True:
        checked = _check_once(reader, source, checks, emit, probe, earlier)
        if not isinstance(checked, Reader):
            return checked
        reader = checked  # what the first read held is gone: this is a function's return


def _check_once(
    reader: Reader, source: Any, checks: _Checks, emit: Emit, probe: ImageProbe | None, earlier: Sequence[FileContext],
) -> tuple[FileReport, FileContext] | Reader:
    """The file checked; or the reader to check it with instead: one the
    reader named (``ReadAgain``), or, when more findings than ``HELD_AT_MOST``
    would be held back, the dataset's reader that validates first. The
    images are checked once the annotations are read: the file is then
    whole, and no reading again can change its image table."""
    dataset = reader.read(source)
    ctx = FileContext(dataset.source, checks.contract, dataset.categories, dataset.images)
    ctx.earlier = earlier
    if probe is not None:
        ctx.image_depth = probe.depth
    file_report = FileReport(
        dataset.source, images=len(dataset.images), categories=len(dataset.categories), layout=dataset.layout,
        category_table=dataset.categories, contract=checks.contract,
    )
    active = checks.policy.instances(checks.rules, ctx)
    statistics = FileStatistics(ctx) if checks.statistics else None
    # A reading given up (the file read again another way) takes its spill and candidates with it.
    spill = checks.gallery.begin(probe.index, ctx) if checks.gallery is not None and probe is not None else None
    watchers = [watcher for watcher in (statistics, spill) if watcher is not None]
    try:
        if dataset.reread is not None:
            with _HeldFindings() as held:
                _check_batches(dataset, ctx, active, watchers, file_report, held.add)
                emit(held.released(), file_report)
        else:
            _check_batches(
                dataset, ctx, active, watchers, file_report, lambda findings: emit(findings, file_report)
            )
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
    if probe is not None:
        ctx.image_results = probe(ctx)
        file_report.images_checked = ctx.image_results.checked
        file_report.images_from_cache = ctx.image_results.from_cache
    for rule in active:
        emit(rule.finish(), file_report)
    if statistics is not None:
        file_report.statistics = statistics.finish()
    if checks.gallery is not None:
        checks.gallery.settle()  # before the image table goes: the boxes are read back by row
    # Files are compared by their categories only: this file's image table
    # (its names perhaps in a temporary file) goes before the next is read.
    ctx.release_images()
    return file_report, ctx


def _check_batches(
    dataset: Dataset, ctx: FileContext, active: list[Rule], watchers: Sequence[FileStatistics | BoxSpill],
    file_report: FileReport, found: Callable[[Iterable[Finding]], None],
) -> None:
    """Each batch through the rules; ``watchers`` (the statistics, the gallery's spill) see each batch too."""
    for batch in dataset.annotation_batches:
        file_report.annotations += len(batch)
        view = BatchView.of(batch, ctx)
        ctx.columns.add(view)
        for watcher in watchers:
            watcher.add(view)
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
