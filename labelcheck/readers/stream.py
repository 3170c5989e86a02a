"""The streaming reader: multi-GB files in bounded memory, the plain reader's findings.

One pass over the bytes, as a rule (``_SinglePass``). The splitter
(``jsonsplit.document_events``) validates the whole document with the grammar
of Python's json and cuts its arrays into runs of whole elements; each run is
validated and decoded by the same parse (``rundecode.DECODINGS``) into the
columns the rules read. On a plain file a worker process per core but one
does that, each reading its own runs from the file, and this process does
runs too while their next answer is not in. The categories and the images,
which exported files write first, are gathered; the annotations go to the
rules run by run. The dataset is provisional (``Dataset.provisional``): the
engine holds its findings until the whole file is validated, since a syntax
error may come after the annotations, and a repeated ``categories``,
``images`` or ``annotations`` key after them (the last one wins, as in
``json.load``) means reading the file again with two passes
(``ReadAgain``). Annotations written before the images are decoded by a
second pass over their runs.

Two passes (``single_pass=False``): validate and index the whole file first
(``jsonsplit.index_document``), then decode the categories, the images and
the annotations.

Memory holds the image table (rules look images up), a window of the file and
a few decoded runs: never the document, never an object per annotation.
Standard input is copied to an unnamed temporary file first (bounded), since
it may be read twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..core.columns import ImageTableBuilder, category_list, rebatch
from ..core.dataset import (
    AnnotationBatch,
    Category,
    Dataset,
    FileLayout,
    ImageTable,
    RunSpan,
    file_stamp,
)
from .base import (
    DEFAULT_BATCH_SIZE,
    Progress,
    ProgressCallback,
    ReadAgain,
    Reader,
    display_name,
    require_document_shape,
)
from .diagnosis import diagnose
from .jsonsplit import (
    DEFAULT_RUN_BYTES,
    Document,
    Irregular,
    Member,
    MemberFound,
    Run,
    RunDecoding,
    RunFound,
    SplitError,
    document_events,
    index_document,
)
from .plain import dataset_from_document, parse_json
from .pool import WorkerPool, reader_workers, run_here
from .rundecode import DECODERS, DECODINGS, ShortRead
from .sniff import HEAD_BYTES, first_element
from .source import DEFAULT_STDIN_LIMIT, Source, changed_while_read

# Stands in for a member's value when checking the document's shape, so the
# plain reader's own check words the error.
_PLACEHOLDER: dict[str, Any] = {"object": {}, "array": [], "string": "", "number": 0, "boolean": False, "null": None}
_NOT_ARRAY = Member("", 0, 0, "absent")


class StreamReader(Reader):
    name = "stream"

    def __init__(
        self,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback | None = None,
        run_bytes: int = DEFAULT_RUN_BYTES,
        workers: int | None = None,
        single_pass: bool = True,
        stdin_limit: int = DEFAULT_STDIN_LIMIT,
    ) -> None:
        super().__init__(batch_size, progress)
        self.stdin_limit = stdin_limit
        self.run_bytes = run_bytes
        self.workers = reader_workers() if workers is None else workers
        self.single_pass = single_pass
        self._taken_over: Source | None = None

    def read(self, source: Any) -> Dataset:
        self._name = display_name(source)
        src, self._taken_over = self._taken_over or Source.of(source, self._name, self._report, self.stdin_limit), None
        try:
            return self._dataset(src)
        except BaseException:
            src.close()
            raise

    def _dataset(self, src: "Source") -> Dataset:
        # Started first: they start up while this process begins the first pass.
        workers = WorkerPool.for_(src, self.workers)
        try:
            return self._read_with(src, workers)
        except BaseException:
            if workers is not None:
                workers.close()
            raise

    def _read_with(self, src: "Source", workers: "WorkerPool | None") -> Dataset:
        try:
            if self.single_pass:
                return _SinglePass(self, src, workers).dataset()
            document = self._index(src, workers)
        except Irregular:
            dataset = self._whole(src)
            if workers is not None:
                workers.close()
            src.close()
            return dataset
        categories, images, annotations = _coco_members(document, src)
        layout = _layout(src, document)
        scanning = _Scanning(self, src, workers, (categories, images, annotations), layout)
        return Dataset(
            source=src.name,
            categories=category_list([obj for _, part in scanning.decode(categories) for obj in part]),
            images=scanning.image_table(images),
            annotation_batches=scanning.batches(annotations),
            layout=layout,
        )

    def settled(self, source: "Source | None" = None) -> "StreamReader":
        """The two-pass reader: the whole file is validated before anything is
        decoded. Given the ``Source`` of a read given up, it reads that (once)."""
        reader = StreamReader(self.batch_size, self.progress, self.run_bytes, self.workers, single_pass=False,
                              stdin_limit=self.stdin_limit)
        reader._taken_over = source
        return reader

    def index(self, source: Any) -> "Indexed":
        """The first pass alone, and the categories: where everything is, without
        decoding images or annotations (what a rewrite that needs no checks needs)."""
        self._name = display_name(source)
        src = Source.of(source, self._name, self._report, self.stdin_limit)
        try:
            workers = WorkerPool.for_(src, self.workers)
            try:
                return self._indexed(src, workers)
            finally:
                if workers is not None:
                    workers.close()
        finally:
            src.close()

    def _indexed(self, src: "Source", workers: "WorkerPool | None") -> "Indexed":
        try:
            document = self._index(src, workers)
        except Irregular:
            return Indexed(src.name, self._whole(src).categories, None)
        categories, _, _ = _coco_members(document, src)
        layout = _layout(src, document)
        scanning = _Scanning(self, src, None, (categories,), layout)
        found = category_list([obj for _, part in scanning.decode(categories) for obj in part])
        if layout is not None:  # the last member of each key (members are in file order); categories as decoded
            layout.runs = {member.key: [RunSpan(run.start, run.end) for run in member.runs]
                           for member in document.members} | layout.runs
        return Indexed(src.name, found, layout)

    def _whole(self, src: "Source") -> Dataset:
        """A single non-array value of tens of MB: not a COCO file as exported,
        so it is loaded whole rather than split."""
        return dataset_from_document(parse_json(src.read_all(), src.name), src.name, self.batch_size)

    def _report(self, phase: str, done: int, total: int | None, annotations: int = 0) -> None:
        if self.progress is not None:
            self.progress(Progress(self._name, phase, done, total, annotations))

    def _index(self, src: "Source", workers: "WorkerPool | None") -> Document:
        size = src.size_on_disk()
        validator = workers.validator() if workers is not None else None
        try:
            with src.stream() as stream:
                return index_document(
                    stream, self.run_bytes, lambda done: self._report("checking", stream.on_disk(done), size), validator
                )
        except ShortRead:
            raise changed_while_read(src.name) from None
        except SplitError as exc:
            raise diagnose(src, exc) from None


@dataclass
class Indexed:
    """A file indexed but not decoded (``StreamReader.index``)."""

    source: str
    categories: list[Category]
    layout: FileLayout | None  # runs without element counts; None: the file was loaded whole


class _SinglePass:
    """Validate and decode in one pass over the bytes, for files whose
    categories and images come before their annotations (as exported).

    The splitter's events (``jsonsplit.document_events``) carry each run
    decoded, by the workers where there are some: categories and images are
    gathered until the annotations begin, whose runs are then handed to the
    rules as they come. The rest of the document is validated after the last
    annotation batch. The dataset is provisional: a syntax error past the
    annotations ends it in an InputError, and a repeated ``categories``,
    ``images`` or ``annotations`` key after them (the last one counts) in
    ReadAgain for the two-pass reader. Any other order (annotations first) is
    decoded by a second pass, as with the two-pass reader.
    """

    def __init__(self, reader: StreamReader, src: "Source", workers: "WorkerPool | None") -> None:
        self.reader = reader
        self.src = src
        self.workers = workers
        self.size = src.size_on_disk()
        self.annotations = 0
        self.done = 0  # bytes validated
        self.last: dict[str, Member] = {}  # the last whole member of each key so far
        self.streaming = False  # the annotations now in progress are decoded
        self.category_parts: list[list] = []
        self.images: ImageTableBuilder | None = None
        self.spans: dict[str, list[RunSpan]] = {}  # decoded runs of the member in progress, by key
        self.document: Document | None = None
        self._stream = src.stream()
        self._handed_over = False
        validator = workers.validator() if workers is not None else None
        self.events = document_events(self._stream, reader.run_bytes, self._progress, validator, self._decoding_for)

    def dataset(self) -> Dataset:
        """The dataset, once the annotations begin, or once the document ends
        if they came first (their runs are then decoded by a second pass)."""
        try:
            while (event := self._next()) is not None:
                if self.streaming and _key(event) == "annotations":
                    return self._dataset(event)  # which closes the stream when done
                self._take(event)
        except BaseException:
            self._stream.__exit__()
            raise
        self._stream.__exit__()
        assert self.document is not None
        _, _, annotations = _coco_members(self.document, self.src)
        layout = _layout(self.src, self.document)
        scanning = _Scanning(self.reader, self.src, self.workers, (annotations,), layout, phase="decoding")
        return self._dataset_with(scanning.batches(annotations), layout)

    def _next(self) -> RunFound | MemberFound | None:
        """The splitter's next event; None once the document is whole (``self.document``)."""
        try:
            return next(self.events)
        except StopIteration as done:
            self.document = done.value
            return None
        except SplitError as exc:
            raise diagnose(self.src, exc) from None
        except ShortRead:
            raise changed_while_read(self.src.name) from None

    def _decoding_for(self, key: str | None) -> RunDecoding | None:
        self.spans[key or ""] = []
        if key == "annotations":
            self.streaming = all(self.last.get(key, _NOT_ARRAY).kind == "array" for key in ("categories", "images"))
            return DECODINGS[key] if self.streaming else None
        if key == "images":
            self.images = None
        elif key == "categories":
            self.category_parts = []
        else:
            return None
        return DECODINGS[key]

    def _take(self, event: RunFound | MemberFound) -> None:
        if isinstance(event, MemberFound):
            self.last[event.member.key] = event.member
            return
        if event.decoded is None:
            return
        part = event.decoded
        spans = self.spans[event.key or ""]
        first = spans[-1].first + spans[-1].count if spans else 0
        spans.append(RunSpan(event.run.start, event.run.end, first, len(part)))
        if event.key == "categories":
            self.category_parts.append(part)
        elif event.key == "images":
            if self.images is None:
                self.images = ImageTableBuilder(len(part) * 4)  # grows as needed
            self.images.add(part)

    def _dataset(self, first: RunFound | MemberFound) -> Dataset:
        layout = None
        if not self.src.temporary:
            layout = FileLayout(self.src.path, (), stamp=file_stamp(self.src.path))
        return self._dataset_with(_Batches(self._batches(first, layout), self.release), layout, self.reread)

    def _dataset_with(
        self, batches: Iterator[AnnotationBatch], layout: FileLayout | None, reread: Callable[[], Reader] | None = None,
    ) -> Dataset:
        """The categories and images decoded (the last of each key: every one is decoded), and these batches."""
        if layout is not None:
            layout.runs |= {key: self.spans[key] for key in ("categories", "images")}
        return Dataset(
            source=self.src.name,
            categories=category_list([obj for part in self.category_parts for obj in part]),
            images=(self.images or ImageTableBuilder(0)).build(),
            annotation_batches=batches,
            layout=layout,
            reread=reread,
        )

    def reread(self) -> StreamReader:
        """The two-pass reader, to read this source again: it takes the source
        over (a standard input spool is not deleted with these batches)."""
        self._handed_over = True
        return self.reader.settled(self.src)

    def release(self) -> None:
        """Close what this pass holds (any number of times)."""
        self._stream.__exit__()
        if self.workers is not None:
            self.workers.close()
            self.workers = None
        if not self._handed_over:
            self.src.close()

    def _batches(self, first: RunFound | MemberFound, layout: FileLayout | None) -> Iterator[AnnotationBatch]:
        try:
            yield from rebatch(self._annotations(first, layout), self.reader.batch_size)
            while (event := self._next()) is not None:  # the rest of the document, validated
                if _key(event) in _COCO_KEYS:
                    raise ReadAgain(self.reread(), f"a second {_key(event)!r} member")
            assert self.document is not None
            _coco_members(self.document, self.src)
            self._progress(self.done)  # with every annotation counted
            if layout is not None:
                layout.members = tuple((member.key, member.start, member.end) for member in self.document.members)
        except Irregular:
            raise ReadAgain(self.reread(), "a value too large to split") from None
        finally:
            self.release()

    def _annotations(self, first: RunFound | MemberFound, layout: FileLayout | None) -> Iterator[AnnotationBatch]:
        """The batches of the annotations member's runs, up to its end."""
        spans = self.spans["annotations"]
        if layout is not None:
            layout.runs["annotations"] = spans
        event: RunFound | MemberFound | None = first
        while isinstance(event, RunFound):
            batch = event.decoded
            spans.append(RunSpan(event.run.start, event.run.end, self.annotations, len(batch)))
            self.annotations += len(batch)
            yield batch
            event = self._next()
        assert isinstance(event, MemberFound)
        self.last[event.member.key] = event.member

    def _progress(self, done: int) -> None:
        self.done = done
        self.reader._report("scanning", self._stream.on_disk(done), self.size, self.annotations)


class _Scanning:
    """The second pass: decode the members' runs, in order, with progress."""

    def __init__(
        self, reader: StreamReader, src: "Source", workers: "WorkerPool | None", members: tuple,
        layout: FileLayout | None, phase: str = "scanning",
    ) -> None:
        self.reader = reader
        self.phase = phase
        self.layout = layout
        self.src = src
        self.workers = workers
        self.total = sum(member.end - member.start for member in members)
        self.done = 0
        self.annotations = 0

    def decode(self, member: Member) -> Iterator[tuple[Run, Any]]:
        """(run, decoded run) for each run of the member, in order."""
        kind = member.key
        runs = member.runs
        if self.workers is not None and len(runs) > 1:
            results = self.workers.map([(DECODERS[kind], run.start, run.end, ()) for run in runs], here=True)
        else:
            results = self._here(kind, runs)
        done = self.done
        spans = self.layout.runs.setdefault(kind, []) if self.layout is not None else []
        first = 0
        for run, result in _diagnosed(zip(runs, results), self.src):
            spans.append(RunSpan(run.start, run.end, first, len(result)))
            first += len(result)
            if kind == "annotations":
                self.annotations += len(result)
            self.done = done + run.end - member.start
            self.reader._report(self.phase, self.done, self.total, self.annotations)
            yield run, result
        self.done = done + member.end - member.start
        self.reader._report(self.phase, self.done, self.total, self.annotations)

    def image_table(self, member: Member) -> ImageTable:
        builder: ImageTableBuilder | None = None
        for run, part in self.decode(member):
            if builder is None:  # size the table from the first part's bytes per image
                per_image = (run.end - run.start) / max(len(part), 1)
                builder = ImageTableBuilder(int((member.end - member.start) / per_image * 1.02) + len(part))
            builder.add(part)
        return (builder or ImageTableBuilder(0)).build()

    def _here(self, kind: str, runs: tuple) -> Iterator[Any]:
        with self.src.stream() as stream:
            for run in runs:
                yield run_here(stream, DECODERS[kind], run.start, run.end, (), self.src.name)

    def batches(self, member: Member) -> Iterator[AnnotationBatch]:
        """The member's batches; the workers and the source are released when
        they end or are closed, begun or not."""
        return _Batches(rebatch((batch for _, batch in self.decode(member)), self.reader.batch_size), self.release)

    def release(self) -> None:
        if self.workers is not None:
            self.workers.close()
            self.workers = None
        self.src.close()


def _diagnosed(decoded: Iterator[Any], src: "Source") -> Iterator[Any]:
    """Runs decoded after the file was validated: a limit of Python's json
    (an integer of thousands of digits) is still the plain reader's error."""
    try:
        yield from decoded
    except SplitError as exc:
        raise diagnose(src, exc) from None


class _Batches:
    """Annotation batches that release what their reader holds (workers, an
    open file, a standard input spool) once exhausted, closed or dropped,
    whether iteration began or not."""

    def __init__(self, batches: Iterator[AnnotationBatch], release: Callable[[], None]) -> None:
        self._batches = batches
        self._release = release

    def __iter__(self) -> "_Batches":
        return self

    def __next__(self) -> AnnotationBatch:
        try:
            return next(self._batches)
        except StopIteration:
            self._release()
            raise

    def close(self) -> None:
        try:
            self._batches.close()  # type: ignore[attr-defined]
        finally:
            self._release()

    def __del__(self) -> None:
        self.close()


_COCO_KEYS = ("categories", "images", "annotations")


def _key(event: RunFound | MemberFound) -> str | None:
    return event.member.key if isinstance(event, MemberFound) else event.key


def _layout(src: "Source", document: Document) -> FileLayout | None:
    """Where the members are, for a rewrite to read the file again (not a temporary copy of stdin)."""
    if src.temporary:
        return None
    members = tuple((member.key, member.start, member.end) for member in document.members)
    return FileLayout(src.path, members, stamp=file_stamp(src.path))


def _coco_members(document: Document, src: "Source") -> tuple[Member, Member, Member]:
    """The last categories, images and annotations members; the plain reader's shape errors."""
    last = {member.key: member for member in document.members}
    if document.kind == "object":
        shape: Any = {key: _PLACEHOLDER[member.kind] for key, member in last.items()}
    else:
        shape = _PLACEHOLDER[document.kind]
    require_document_shape(shape, src.name, lambda key: _first_element(src, last[key] if key else None))
    return last["categories"], last["images"], last["annotations"]


def _first_element(src: "Source", member: Member | None) -> Any:
    """The first element of an array member (None: the top-level array), read from the file
    again: only for the error about a document that is not a COCO file."""
    if member is not None and not member.runs:
        return None
    with src.stream() as stream:
        if member is not None:
            stream.seek(member.start)
        return first_element(stream.read(HEAD_BYTES))
