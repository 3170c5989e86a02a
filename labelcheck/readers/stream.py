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
Standard input is copied to a temporary file first, since it may be read
twice.
"""

from __future__ import annotations

import codecs
import io
import os
import pickle
import select
import subprocess
import sys
import tempfile
from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator, Sequence

from ..columns import ImageTableBuilder, category_list, rebatch
from ..dataset import AnnotationBatch, Category, Dataset, FileLayout, ImageTable, RunSpan, file_stamp
from ..errors import InputError
from .base import (
    DEFAULT_BATCH_SIZE,
    ReadAgain,
    READ_ERRORS,
    STDIN,
    UTF8_BOM,
    Progress,
    ProgressCallback,
    Reader,
    bom_error,
    collector_paused,
    display_name,
    is_gzip,
    nesting_error,
    open_binary,
    read_error,
    require_document_shape,
    syntax_error,
    utf8_error,
)
from .jsonsplit import (
    DEFAULT_RUN_BYTES,
    ByteOrderMark,
    Document,
    Irregular,
    Member,
    MemberFound,
    NestingTooDeep,
    Run,
    RunDecoding,
    RunFound,
    SplitError,
    Utf8Error,
    document_events,
    index_document,
    validated,
)
from .plain import dataset_from_document, parse_json
from .rundecode import DECODERS, DECODINGS, ShortRead, read_run_document
from .worker import READY

_BLOCK = 4 << 20
# Files smaller than this are read in this process alone: starting workers costs more.
POOL_MIN_BYTES = 32 << 20
_IN_FLIGHT_PER_WORKER = 2
# Stands in for a member's value when checking the document's shape, so the
# plain reader's own check words the error.
_PLACEHOLDER: dict[str, Any] = {"object": {}, "array": [], "string": "", "number": 0, "boolean": False, "null": None}
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))
_NOT_ARRAY = Member("", 0, 0, "absent")


def default_workers() -> int:
    """One worker process per core, up to four: beyond that the main process's rules are the limit."""
    return max(1, min(os.cpu_count() or 1, 4))


def reader_workers() -> int:
    """One worker process per core but one, up to three: the reader decodes runs
    itself too, whenever the next answer is not in yet (0: it reads alone)."""
    return max(0, min((os.cpu_count() or 1) - 1, 3))


class StreamReader(Reader):
    name = "stream"

    def __init__(
        self,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback | None = None,
        run_bytes: int = DEFAULT_RUN_BYTES,
        workers: int | None = None,
        single_pass: bool = True,
    ) -> None:
        super().__init__(batch_size, progress)
        self.run_bytes = run_bytes
        self.workers = reader_workers() if workers is None else workers
        self.single_pass = single_pass
        self._taken_over: _Source | None = None

    def read(self, source: Any) -> Dataset:
        self._name = display_name(source)
        src, self._taken_over = self._taken_over or _Source.of(source, self._name, self._report), None
        try:
            return self._dataset(src)
        except BaseException:
            src.close()
            raise

    def _dataset(self, src: "_Source") -> Dataset:
        # Started first: they start up while this process begins the first pass.
        workers = WorkerPool.for_(src, self.workers)
        try:
            return self._read_with(src, workers)
        except BaseException:
            if workers is not None:
                workers.close()
            raise

    def _read_with(self, src: "_Source", workers: "WorkerPool | None") -> Dataset:
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
        categories, images, annotations = _coco_members(document, src.name)
        layout = _layout(src, document)
        scanning = _Scanning(self, src, workers, (categories, images, annotations), layout)
        return Dataset(
            source=src.name,
            categories=category_list([obj for _, part in scanning.decode(categories) for obj in part]),
            images=scanning.image_table(images),
            annotation_batches=scanning.batches(annotations),
            layout=layout,
        )

    def settled(self, source: "_Source | None" = None) -> "StreamReader":
        """The two-pass reader: the whole file is validated before anything is
        decoded. Given the ``_Source`` of a read given up, it reads that (once)."""
        reader = StreamReader(self.batch_size, self.progress, self.run_bytes, self.workers, single_pass=False)
        reader._taken_over = source
        return reader

    def index(self, source: Any) -> "Indexed":
        """The first pass alone, and the categories: where everything is, without
        decoding images or annotations (what a rewrite that needs no checks needs)."""
        self._name = display_name(source)
        src = _Source.of(source, self._name, self._report)
        try:
            workers = WorkerPool.for_(src, self.workers)
            try:
                return self._indexed(src, workers)
            finally:
                if workers is not None:
                    workers.close()
        finally:
            src.close()

    def _indexed(self, src: "_Source", workers: "WorkerPool | None") -> "Indexed":
        try:
            document = self._index(src, workers)
        except Irregular:
            return Indexed(src.name, self._whole(src).categories, None)
        categories, _, _ = _coco_members(document, src.name)
        layout = _layout(src, document)
        scanning = _Scanning(self, src, None, (categories,), layout)
        found = category_list([obj for _, part in scanning.decode(categories) for obj in part])
        if layout is not None:  # the last member of each key (members are in file order); categories as decoded
            layout.runs = {member.key: [RunSpan(run.start, run.end) for run in member.runs]
                           for member in document.members} | layout.runs
        return Indexed(src.name, found, layout)

    def _whole(self, src: "_Source") -> Dataset:
        """A single non-array value of tens of MB: not a COCO file as exported,
        so it is loaded whole rather than split."""
        return dataset_from_document(parse_json(src.read_all(), src.name), src.name, self.batch_size)

    def _report(self, phase: str, done: int, total: int | None, annotations: int = 0) -> None:
        if self.progress is not None:
            self.progress(Progress(self._name, phase, done, total, annotations))

    def _index(self, src: "_Source", workers: "WorkerPool | None") -> Document:
        size = src.size()
        validator = workers.validator() if workers is not None else None
        try:
            with src.stream() as stream:
                return index_document(
                    stream, self.run_bytes, lambda done: self._report("checking", done, size), validator
                )
        except ShortRead:
            raise _changed(src.name) from None
        except SplitError as exc:
            raise _diagnose(src, exc) from None


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

    def __init__(self, reader: StreamReader, src: "_Source", workers: "WorkerPool | None") -> None:
        self.reader = reader
        self.src = src
        self.workers = workers
        self.size = src.size()
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
        _, _, annotations = _coco_members(self.document, self.src.name)
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
            raise _diagnose(self.src, exc) from None
        except ShortRead:
            raise _changed(self.src.name) from None

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
            _coco_members(self.document, self.src.name)
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
        self.reader._report("scanning", done, self.size, self.annotations)


class _Scanning:
    """The second pass: decode the members' runs, in order, with progress."""

    def __init__(
        self, reader: StreamReader, src: "_Source", workers: "WorkerPool | None", members: tuple,
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
        for run, result in zip(runs, results):
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
                yield _here(stream, DECODERS[kind], run.start, run.end, (), self.src.name)

    def batches(self, member: Member) -> Iterator[AnnotationBatch]:
        """The member's batches; the workers and the source are released when
        they end or are closed, begun or not."""
        return _Batches(rebatch((batch for _, batch in self.decode(member)), self.reader.batch_size), self.release)

    def release(self) -> None:
        if self.workers is not None:
            self.workers.close()
            self.workers = None
        self.src.close()


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


def _changed(name: str) -> InputError:
    return InputError(f"{name}: the file changed while it was being read; scan it again")


# Starts labelcheck.readers.worker from this very package without running the
# package's __init__ modules: they import the engine, the rules and rich, which
# a worker never uses, and two workers start on every large scan.
_WORKER_BOOTSTRAP = """
import os, sys, types
readers = sys.argv[1]
for name, path in (("labelcheck", os.path.dirname(readers)), ("labelcheck.readers", readers)):
    stub = types.ModuleType(name)
    stub.__path__ = [path]
    sys.modules[name] = stub
from labelcheck.readers.worker import main
main()
"""


class WorkerPool:
    """Worker processes (``labelcheck.readers.worker``) that read runs of a plain
    file and run a task on each: check, decode or edit it.

    A task is a module-level function (sent by name) of the run document
    (``[`` + run + ``]``) and the arguments given. Requests go round-robin;
    each worker answers in order, so answers are collected in the order
    requests were made.
    """

    def __init__(self, path: str, count: int, name: str) -> None:
        self.path = path
        self.name = name
        self._next = 0
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-c", _WORKER_BOOTSTRAP, os.path.dirname(os.path.abspath(__file__))],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # Workers never multiply matrices: without this, numpy's OpenBLAS starts
                # a thread per core in each, which doubles the CPU time of importing it.
                env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
            )
            for _ in range(count)
        ]
        self._starting = list(range(count))  # workers that have not said READY yet
        self._unanswered = 0

    def ready(self) -> bool:
        """Whether every worker has started (said READY); never waits."""
        while self._starting:
            stdout = self.processes[self._starting[-1]].stdout
            assert stdout is not None
            if not select.select([stdout], [], [], 0)[0]:
                return False
            if stdout.read(len(READY)) != READY:
                raise RuntimeError("a labelcheck worker process failed to start")
            self._starting.pop()
        return True

    @classmethod
    def for_(cls, src: "_Source", count: int) -> "WorkerPool | None":
        """Workers for a plain file big enough to pay for starting them."""
        path = src.plain_path()
        if path is None or count < 1 or not sys.executable or os.name != "posix" or (src.size() or 0) < POOL_MIN_BYTES:
            return None
        return cls(path, count, src.name)

    @classmethod
    def for_file(cls, path: str, name: str, count: int | None = None) -> "WorkerPool | None":
        """Workers for ``path`` if it is a plain (not compressed) file big enough to pay for them."""
        return cls.for_(_Source(name, path, is_gzip(path), temporary=False), default_workers() if count is None else count)

    def submit(self, task: Callable[..., Any], start: int, end: int, args: tuple = ()) -> int:
        """Send a request; returns the worker that will answer it."""
        while not self.ready():
            select.select([self.processes[i].stdout for i in self._starting], [], [])
        worker = self._next
        self._next = (worker + 1) % len(self.processes)
        stdin = self.processes[worker].stdin
        assert stdin is not None
        pickle.dump((task, self.path, start, end, args), stdin, protocol=pickle.HIGHEST_PROTOCOL)
        stdin.flush()
        self._unanswered += 1
        return worker

    def receive(self, worker: int) -> Any:
        stdout = self.processes[worker].stdout
        assert stdout is not None
        try:
            status, result = pickle.load(stdout)
            self._unanswered -= 1
        except EOFError:
            code = self.processes[worker].wait()
            raise RuntimeError(f"a labelcheck worker process ended unexpectedly (exit code {code})") from None
        if status == "ok":
            return result
        if isinstance(result, ShortRead):
            raise _changed(self.name)
        raise result

    def answered(self, worker: int) -> bool:
        """Whether an answer from ``worker`` has begun to arrive (a hint: one
        already read ahead into the pipe's buffer is not seen); never waits."""
        stdout = self.processes[worker].stdout
        assert stdout is not None
        return bool(select.select([stdout], [], [], 0)[0])

    def map(self, jobs: Sequence[tuple[Callable[..., Any], int, int, tuple]], here: bool = False) -> Iterator[Any]:
        """Each job ``(task, start, end, args)`` done, results in job order, a
        bounded number of jobs in flight. With ``here``, this process does
        jobs too while the next answer is not in: it is one more worker."""
        ahead = len(self.processes) * _IN_FLIGHT_PER_WORKER
        waiting = deque(jobs)
        pending: deque[tuple[bool, Any]] = deque()  # (done here, its result or the worker answering)
        submitted = 0
        with open(self.path, "rb", buffering=0) if here else nullcontext() as handle:
            while waiting or pending:
                while waiting and submitted < ahead:
                    pending.append((False, self.submit(*waiting.popleft())))
                    submitted += 1
                local, value = pending[0]
                if here and waiting and not local and len(pending) - submitted < ahead and not self.answered(value):
                    pending.append((True, _here(handle, *waiting.popleft(), self.name)))
                    continue
                pending.popleft()
                if not local:
                    submitted -= 1
                    value = self.receive(value)
                yield value

    def validator(self) -> "_Validator":
        """The workers as the splitter's ``RunValidator``."""
        return _Validator(self)

    def close(self) -> None:
        """End the workers: they exit when their input closes, or at once if answers were left unread."""
        for process in self.processes:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()
            if self._unanswered:
                process.kill()
            process.stdout.close()
        for process in self.processes:
            process.wait()


def _here(handle: Any, task: Callable[..., Any], start: int, end: int, args: tuple, name: str) -> Any:
    """A worker's job done in this process."""
    try:
        document = read_run_document(handle, start, end)
    except ShortRead:
        raise _changed(name) from None
    with collector_paused():
        return task(document, *args)


class _Validator:
    """The workers as the splitter's ``jsonsplit.RunValidator``: they check runs, and decode them."""

    def __init__(self, workers: WorkerPool) -> None:
        self.workers = workers
        self.depth = _IN_FLIGHT_PER_WORKER * len(workers.processes)

    def ready(self) -> bool:
        return self.workers.ready()

    def submit(self, start: int, end: int, check: Callable[..., Any] = validated) -> int:
        return self.workers.submit(check, start, end)

    def result(self, handle: int) -> Any:
        return self.workers.receive(handle)

    def answered(self, handle: int) -> bool:
        return self.workers.answered(handle)


class _Source:
    """A source that can be read from its start more than once."""

    def __init__(self, name: str, path: str, gzipped: bool, temporary: bool) -> None:
        self.name = name
        self.path = path
        self.gzipped = gzipped
        self.temporary = temporary

    @classmethod
    def of(cls, source: Any, name: str, report: Any) -> "_Source":
        path = STDIN if source == STDIN else os.fsdecode(source)
        stream = open_binary(path)  # the plain reader's checks and messages: missing, a folder, unreadable
        if path == STDIN or not os.path.isfile(path):  # a pipe can be read only once
            return cls._spooled(stream, name, report)
        stream.close()
        return cls(name, path, is_gzip(path), temporary=False)

    @classmethod
    def _spooled(cls, source: BinaryIO, name: str, report: Any) -> "_Source":
        """Copy a stream read once (stdin, a pipe), decompressed, to a temporary file."""
        spool = tempfile.NamedTemporaryFile(prefix="labelcheck-stdin-", suffix=".json", delete=False)
        try:
            with spool, source as stream:
                copied = 0
                while block := _guarded_read(stream, _BLOCK, name):
                    spool.write(block)
                    copied += len(block)
                    report("reading", copied, None)
        except BaseException:
            os.unlink(spool.name)
            raise
        return cls(name, spool.name, gzipped=False, temporary=True)

    def stream(self) -> "_Guarded":
        """A new binary stream from byte 0 (decompressed)."""
        return _Guarded(open_binary(self.path), self.name)

    def plain_path(self) -> str | None:
        """The path of the bytes themselves, for workers to read; None when compressed."""
        return None if self.gzipped else self.path

    def size(self) -> int | None:
        return None if self.gzipped else os.path.getsize(self.path)

    def read_all(self) -> bytes:
        with self.stream() as stream:
            return stream.read()

    def close(self) -> None:
        if self.temporary:
            self.temporary = False
            os.unlink(self.path)


def _guarded_read(stream: BinaryIO, size: int, name: str) -> bytes:
    try:
        return stream.read(size)
    except READ_ERRORS as exc:
        raise read_error(name, exc) from None


class _Guarded:
    """A binary stream whose read errors (a corrupt .gz) become the plain reader's InputError."""

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self._stream = stream
        self._name = name

    def read(self, size: int = -1) -> bytes:
        return _guarded_read(self._stream, size, self._name)

    def readinto(self, buffer: Any) -> int:
        try:
            return self._stream.readinto(buffer)  # type: ignore[attr-defined]
        except READ_ERRORS as exc:
            raise read_error(self._name, exc) from None

    def seekable(self) -> bool:
        """Only a plain file seeks cheaply (a .gz one decompresses again from its start)."""
        return isinstance(self._stream, io.BufferedReader)

    def seek(self, offset: int) -> int:
        try:
            return self._stream.seek(offset)
        except READ_ERRORS as exc:
            raise read_error(self._name, exc) from None

    def __enter__(self) -> "_Guarded":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stream.close()


def _layout(src: "_Source", document: Document) -> FileLayout | None:
    """Where the members are, for a rewrite to read the file again (not a temporary copy of stdin)."""
    if src.temporary:
        return None
    members = tuple((member.key, member.start, member.end) for member in document.members)
    return FileLayout(src.path, members, stamp=file_stamp(src.path))


def _coco_members(document: Document, name: str) -> tuple[Member, Member, Member]:
    """The last categories, images and annotations members; the plain reader's shape errors."""
    last = {member.key: member for member in document.members}
    if document.kind == "object":
        shape: Any = {key: _PLACEHOLDER[member.kind] for key, member in last.items()}
    else:
        shape = _PLACEHOLDER[document.kind]
    require_document_shape(shape, name)
    return last["categories"], last["images"], last["annotations"]


def _diagnose(src: _Source, error: SplitError) -> InputError:
    """The error the plain reader gives: it reads and decodes the whole file before parsing.

    So a read error anywhere comes first, then a byte order mark, then the
    first invalid UTF-8, and only then the syntax error, with its line and
    column.
    """
    context = _ErrorContext(error.offset)
    with src.stream() as stream:
        while block := stream.read(_BLOCK):
            context.feed(block)
    context.finish()
    if context.head.startswith(UTF8_BOM) or isinstance(error, ByteOrderMark):
        return bom_error(src.name)
    if context.utf8 is not None:
        return utf8_error(src.name, *context.utf8)
    if isinstance(error, Utf8Error):  # found by the splitter, which saw the same bytes
        return utf8_error(src.name, error.offset, error.message)
    if isinstance(error, NestingTooDeep):
        return nesting_error(src.name)
    return syntax_error(
        src.name, error.offset, context.lines + 1, context.column + 1, error.message, context.only_space_after
    )


class _ErrorContext:
    """What one pass over the bytes says about an error at ``offset``."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.position = 0
        self.head = b""
        self.utf8: tuple[int, str] | None = None
        self._pending = b""  # the start of a character cut by the end of the last block
        self.lines = 0  # newlines before the offset
        self.column = 0  # characters between the last of them and the offset
        self.only_space_after = True
        self._after = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, block: bytes) -> None:
        if len(self.head) < len(UTF8_BOM):
            self.head += block[: len(UTF8_BOM) - len(self.head)]
        if self.utf8 is None:
            self._check_utf8(block)
        split = min(max(self.offset - self.position, 0), len(block))
        self._count_position(block[:split])
        if self.only_space_after and split < len(block):
            text = self._after.decode(block[split:])
            self.only_space_after = not text or text.isspace()
        self.position += len(block)

    def finish(self) -> None:
        if self.utf8 is None and self._pending:  # the file ends inside a character
            self.utf8 = (self.position - len(self._pending), "unexpected end of data")

    def _check_utf8(self, block: bytes) -> None:
        data = self._pending + block
        try:
            data.decode("utf-8")
            self._pending = b""
        except UnicodeDecodeError as exc:
            if exc.reason == "unexpected end of data":
                self._pending = data[exc.start :]
            else:
                self.utf8 = (self.position - len(self._pending) + exc.start, exc.reason)

    def _count_position(self, before: bytes) -> None:
        newline = before.rfind(b"\n")
        if newline >= 0:
            self.lines += before.count(b"\n")
            self.column = _characters(before[newline + 1 :])
        else:
            self.column += _characters(before)


def _characters(data: bytes) -> int:
    return len(data.translate(None, _CONTINUATION_BYTES))
