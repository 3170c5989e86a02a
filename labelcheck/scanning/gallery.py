"""Which images with findings a scan pictures (``scan(thumbnails=N)``), and the boxes drawn on them.

A finding names its image (``$.images[N]``, or its annotation's ``image_id``)
but not the boxes, and which images are pictured is known only once the
file's last finding is in: the image rules report after the annotations are
read. So, while the batches go by, ``BoxSpill`` writes each annotation's image
row and box (20 bytes) to an unnamed temporary file, and ``Marks`` keeps a
bit per annotation that has a finding; once the file is checked, the boxes
of the images chosen are read back in one sequential pass, at most
``MAX_BOXES`` an image, those with a finding first. Memory: a bit per
annotation, a pool of candidates bounded by the rules, the boxes of at most
``limit`` images.

Choosing: an image becomes a candidate at a finding of a rule and severity
that has fewer than ``limit`` candidates yet. ``choose`` takes them in rounds
(one image of each rule and severity a round, the errors' rules first, then
the warnings', then info; first found first) until ``limit`` are taken: in
each file, then over the files. The chosen are drawn (``images.thumbnails``)
at the end of the scan.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from ..core.dataset import BboxKind
from ..core.findings import RANK, Finding, Severity
from ..rules import BatchView, FileContext

if TYPE_CHECKING:
    from ..images.storage import Storage
    from ..images.thumbnails import Drawn

THUMBNAILS = 24  # images the HTML report pictures (with --images)
MAX_BOXES = 100  # boxes drawn on one thumbnail: those with a finding first
IMAGE_PATH = "$.images["
RECORD = np.dtype([("row", "<i4"), ("box", "<f4", (4,))])  # one annotation in the spill: its image row, its box
_CHUNK = 1 << 18  # records read back at a time (5 MB)

Bucket = tuple[int, str]  # (-rank of the severity, rule): errors' rules sort first


@dataclass(eq=False)
class Thumbnail:
    """An image the report pictures: which, what was found on it, its boxes, and the drawing."""

    file: str
    image_row: int  # in the file's images array
    image_id: Any
    image_file: str
    rules: dict[str, list[Any]] = field(default_factory=dict)  # rule -> [highest Severity, findings]
    json_size: tuple[float, float] | None = None  # width and height as the JSON gives them
    boxes: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32), repr=False)  # drawn
    marked: np.ndarray = field(default_factory=lambda: np.empty(0, bool), repr=False)  # drawn box with a finding
    box_count: int = 0  # the image's annotations in all
    marked_count: int = 0  # of which with a finding
    boxes_problem: str | None = None  # why its boxes are not known
    drawn: "Drawn | None" = None
    file_index: int = field(default=0, repr=False)
    order: int = field(default=0, repr=False)
    buckets: list[Bucket] = field(default_factory=list, repr=False)

    @property
    def severity(self) -> Severity:
        return max((severity for severity, _ in self.rules.values()), key=lambda severity: severity.rank)

    def saw(self, finding: Finding) -> None:
        entry = self.rules.get(finding.rule)
        if entry is None:
            self.rules[finding.rule] = [finding.severity, 1]
            return
        entry[1] += 1
        if RANK[finding.severity] > RANK[entry[0]]:
            entry[0] = finding.severity


def choose(candidates: Sequence[Thumbnail], limit: int) -> list[Thumbnail]:
    """Up to ``limit`` candidates, in rounds of one from each bucket (errors' rules first), first found first."""
    buckets: dict[Bucket, list[Thumbnail]] = {}
    for candidate in sorted(candidates, key=lambda candidate: (candidate.file_index, candidate.order)):
        for bucket in candidate.buckets:
            buckets.setdefault(bucket, []).append(candidate)
    queues = [iter(buckets[bucket]) for bucket in sorted(buckets)]
    chosen: list[Thumbnail] = []
    taken: set[Thumbnail] = set()
    while queues and len(chosen) < limit:
        going = []
        for queue in queues:
            candidate = next((candidate for candidate in queue if candidate not in taken), None)
            if candidate is None:
                continue
            taken.add(candidate)
            chosen.append(candidate)
            going.append(queue)
            if len(chosen) == limit:
                break
        queues = going
    return chosen


class Marks:
    """One bit per annotation position: whether it has a finding."""

    def __init__(self) -> None:
        self._bits = bytearray()

    def add(self, position: int) -> None:
        byte = position >> 3
        if byte >= len(self._bits):
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits), 4096)))
        self._bits[byte] |= 1 << (position & 7)

    def array(self) -> np.ndarray:
        """The bits as uint8 (a copy: the bytearray may grow again)."""
        return np.frombuffer(bytes(self._bits), dtype=np.uint8)


def marked_at(bits: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """bool: each position's bit in ``Marks.array()``."""
    byte = positions >> 3
    inside = byte < len(bits)
    found = np.zeros(len(positions), dtype=bool)
    found[inside] = (bits[byte[inside]] >> (positions[inside] & 7)) & 1 == 1
    return found


class _Kept:
    """One image's boxes as the spill is read: at most ``MAX_BOXES`` marked and as many others, and counts."""

    def __init__(self) -> None:
        self.marked: list[np.ndarray] = []
        self.others: list[np.ndarray] = []
        self.total = self.marked_total = 0

    def add(self, boxes: np.ndarray, flagged: np.ndarray) -> None:
        self.total += len(boxes)
        self.marked_total += int(flagged.sum())
        for kept, part in ((self.marked, boxes[flagged]), (self.others, boxes[~flagged])):
            room = MAX_BOXES - sum(len(chunk) for chunk in kept)
            if room > 0 and len(part):
                kept.append(part[:room])

    def drawn(self) -> tuple[np.ndarray, np.ndarray]:
        """(boxes, marked): the marked first, then others, ``MAX_BOXES`` in all."""
        marked = np.concatenate(self.marked) if self.marked else np.empty((0, 4), np.float32)
        others = np.concatenate(self.others)[: MAX_BOXES - len(marked)] if self.others else np.empty((0, 4), np.float32)
        flags = np.concatenate([np.ones(len(marked), bool), np.zeros(len(others), bool)])
        return np.concatenate([marked, others]), flags


class BoxSpill:
    """Each annotation's image row and box (float32), in file order, in an unnamed temporary file."""

    def __init__(self) -> None:
        self.count = 0  # annotations written
        self.problem: str | None = None  # why the boxes cannot be read back
        self._file: IO[bytes] | None = None
        try:
            self._file = tempfile.TemporaryFile(prefix="labelcheck-boxes-")
        except OSError as exc:
            self._stop(f"no temporary file for them ({exc.strerror or exc})")

    def add(self, view: BatchView) -> None:
        if self._file is None:
            return
        batch = view.batch
        if batch.start != self.count:  # readers give consecutive batches: a position is a record's index
            self._stop("the annotations did not come in order")
            return
        records = np.empty(len(batch), dtype=RECORD)
        records["row"] = view.image_row
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float32: infinite, drawn along the edge
            records["box"] = batch.bbox
        records["box"][batch.bbox_kind != BboxKind.OK] = np.nan
        try:
            self._file.write(records.tobytes())
        except OSError as exc:
            self._stop(f"the temporary file could not be written ({exc.strerror or exc})")
            return
        self.count += len(batch)

    def read(self, rows: Sequence[int], bits: np.ndarray) -> dict[int, _Kept]:
        """The boxes of the images at ``rows``, in one pass; ``bits``: ``Marks.array()``."""
        kept = {row: _Kept() for row in rows}
        if self._file is None or not rows:
            return kept
        wanted = np.array(sorted(kept), dtype=np.int32)
        try:
            self._file.flush()
            for start in range(0, self.count, _CHUNK):
                self._read_chunk(start, min(_CHUNK, self.count - start), wanted, bits, kept)
        except OSError as exc:
            self._stop(f"the temporary file could not be read ({exc.strerror or exc})")
            return {row: _Kept() for row in rows}
        return kept

    def _read_chunk(self, start: int, count: int, wanted: np.ndarray, bits: np.ndarray, kept: dict[int, _Kept]) -> None:
        assert self._file is not None
        data = os.pread(self._file.fileno(), count * RECORD.itemsize, start * RECORD.itemsize)
        if len(data) != count * RECORD.itemsize:
            raise OSError("the temporary file is shorter than what was written to it")
        chunk = np.frombuffer(data, dtype=RECORD)
        hits = np.flatnonzero(np.isin(chunk["row"], wanted))
        if not len(hits):
            return
        rows, flagged = chunk["row"][hits], marked_at(bits, hits + start)
        for row in np.unique(rows).tolist():
            mine = rows == row
            kept[row].add(chunk["box"][hits[mine]], flagged[mine])

    def _stop(self, problem: str) -> None:
        self.problem = problem
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class _FilePool:
    """One file's candidates, its marks and its spill."""

    def __init__(self, index: int, ctx: FileContext, limit: int) -> None:
        self.index, self.ctx, self.limit = index, ctx, limit
        self.spill = BoxSpill()
        self.marks = Marks()
        self.candidates: list[Thumbnail] = []
        self._by_row: dict[int, Thumbnail] = {}
        self._by_id: dict[Any, int] = {}  # image id -> row, for the candidates' ids
        self._filled: Counter = Counter()  # bucket -> candidates in it

    def saw(self, finding: Finding) -> None:
        bucket = (-RANK[finding.severity], finding.rule)
        if finding.position >= 0:  # an annotation's
            self.marks.add(finding.position)
            if finding.image_file is None:  # its image is not in the file
                return
            row = self._by_id.get(finding.image_id)
            if row is None:
                if self._filled[bucket] >= self.limit:
                    return  # the usual case for the millionth finding: nothing looked up
                row = self._image_row(finding.image_id)
        elif finding.path.startswith(IMAGE_PATH) and finding.image_file is not None:
            row = int(finding.path[len(IMAGE_PATH) : finding.path.index("]")])
        else:
            return
        candidate = self._by_row.get(row)
        if candidate is None:
            if row < 0 or self._filled[bucket] >= self.limit:
                return
            candidate = self._admit(finding, row, by_id=finding.position >= 0)
        if bucket not in candidate.buckets and self._filled[bucket] < self.limit:
            candidate.buckets.append(bucket)
            self._filled[bucket] += 1
        candidate.saw(finding)

    def _admit(self, finding: Finding, row: int, by_id: bool) -> Thumbnail:
        """A new candidate; ``by_id``: ``row`` is where the finding's image id resolves."""
        assert finding.image_file is not None
        candidate = Thumbnail(self.ctx.file, row, finding.image_id, finding.image_file, file_index=self.index,
                              order=len(self.candidates))
        self.candidates.append(candidate)
        self._by_row[row] = candidate
        if by_id or self._image_row(finding.image_id) == row:  # its annotations' findings find it by id
            self._by_id[finding.image_id] = row
        return candidate

    def _image_row(self, image_id: Any) -> int:
        """The row an annotation's image id resolves to (the last of a repeated id); -1: none."""
        if isinstance(image_id, bool) or not isinstance(image_id, (int, float)):
            return -1
        if isinstance(image_id, float) and not image_id.is_integer():
            return -1
        number = int(image_id)
        if not -(2**63) <= number < 2**63:
            return -1
        return int(self.ctx.image_rows(np.array([number], dtype=np.int64), np.ones(1, dtype=bool))[0])

    def load(self, chosen: Sequence[Thumbnail]) -> None:
        """Read the chosen images' boxes and JSON sizes (the image table is still held)."""
        kept = self.spill.read([candidate.image_row for candidate in chosen], self.marks.array())
        images = self.ctx.images
        for candidate in chosen:
            found = kept[candidate.image_row]
            candidate.boxes, candidate.marked = found.drawn()
            candidate.box_count, candidate.marked_count = found.total, found.marked_total
            candidate.boxes_problem = self.spill.problem
            size = (float(images.width[candidate.image_row]), float(images.height[candidate.image_row]))
            candidate.json_size = size if all(np.isfinite(size)) else None


class Gallery:
    """The images one scan pictures: told of each file's start and batches, and of every finding reported."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chosen: list[Thumbnail] = []
        self._pool: _FilePool | None = None

    def begin(self, index: int, ctx: FileContext) -> BoxSpill:
        """File ``index`` is checked (again, if it is read another way): a new pool and spill."""
        self.close()
        self._pool = _FilePool(index, ctx, self.limit)
        return self._pool.spill

    def saw(self, finding: Finding) -> None:
        pool = self._pool
        if pool is not None and finding.file == pool.ctx.file:
            pool.saw(finding)
        elif finding.path.startswith(IMAGE_PATH):  # across files, once each file is settled: only the chosen
            row = int(finding.path[len(IMAGE_PATH) : finding.path.index("]")])
            for candidate in self.chosen:
                if candidate.file == finding.file and candidate.image_row == row:
                    candidate.saw(finding)

    def settle(self) -> None:
        """The file's findings are in: choose among its candidates, read their boxes, keep the best over the files."""
        pool = self._pool
        if pool is None:
            return
        chosen = choose(pool.candidates, self.limit)
        pool.load(chosen)
        self.close()
        self.chosen = choose([*self.chosen, *chosen], self.limit)

    def draw(self, storage: Callable[[int], "Storage"]) -> list[Thumbnail]:
        """Draw the chosen (``storage(i)``: file i's image storage), in the order chosen."""
        from ..images.thumbnails import draw_thumbnail

        for candidate in self.chosen:
            candidate.drawn = draw_thumbnail(storage(candidate.file_index), candidate.image_file, candidate.boxes,
                                             candidate.marked)
        return self.chosen

    def close(self) -> None:
        if self._pool is not None:
            self._pool.spill.close()
            self._pool = None
