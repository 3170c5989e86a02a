"""Checking the images of one file's table: batches of paths out to an executor, columns back.

The scan engine opens one ``ImageCheck`` for a scan (ROOT checked, the
executor started, the cache opened: a bad ROOT or an unreachable cluster
fails before any file is read) and runs it on each file's image table once
the file's annotations are read. Batches of ``batch_size`` file names go
out as they are needed, at most a few per worker in flight; each answer is
copied into the file's ``ImageResults`` (and the new cache) and dropped.
"""

from __future__ import annotations

import concurrent.futures
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np

from ..core.dataset import ImageTable
from ..core.errors import UsageError
from .cache import ImageCache, fill
from .executors import Executor, executor_for
from .probe import Batch, check_batch, require_pillow
from .results import Depth, ImageResults
from .storage import LocalStorage, Storage, storage_for

BATCH_SIZE = 256

ImageProgress = Callable[[int, int], None]  # images done, images in all


@dataclass(frozen=True)
class ImageOptions:
    """What ``scan(images=...)`` checks.

    ``roots``: the folder (or fsspec URL) each ``file_name`` is relative to,
    one for every file scanned, or one per file in order. ``depth``:
    ``exists``, ``header`` or ``decode``. ``cache``: an ``--image-cache``
    file. ``executor``: ``local``, ``local:N``, ``dask://HOST:PORT`` or a
    ``concurrent.futures.Executor``.
    """

    roots: tuple[str, ...]
    depth: Depth = Depth.HEADER
    cache: str | None = None
    executor: "str | concurrent.futures.Executor | Executor" = "local"
    batch_size: int = BATCH_SIZE

    @classmethod
    def of(cls, value: "ImageOptions | str | Sequence[str]") -> "ImageOptions":
        if isinstance(value, ImageOptions):
            return value
        return cls(roots=(value,) if isinstance(value, str) else tuple(value))

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", Depth.parse(self.depth))
        object.__setattr__(self, "roots", tuple(str(root) for root in self.roots))
        if not self.roots:
            raise UsageError("--images: give the folder the images are in")


class ImageCheck:
    """The image checks of one scan: one per scan, run on each file's table."""

    def __init__(self, options: ImageOptions, files: int) -> None:
        if len(options.roots) not in (1, files):
            raise UsageError(f"--images is given {len(options.roots)} times for {files} files: give it once "
                             "(for every file) or once per file, in the files' order")
        self.options = options
        self.depth = options.depth
        self.storages = [storage_for(root) for root in options.roots]
        for storage in self.storages:
            storage.check_root("--images")
        if self.depth >= Depth.HEADER:
            require_pillow()
        self.executor, self._owns_executor = executor_for(options.executor)
        self.cache: ImageCache | None = None
        try:
            self.cache = ImageCache(options.cache, self.depth) if options.cache else None
        except BaseException:
            self.close()
            raise

    def storage(self, index: int) -> Storage:
        return self.storages[index if len(self.storages) > 1 else 0]

    def run(self, index: int, table: ImageTable, progress: ImageProgress | None = None) -> ImageResults:
        """Check every image of file ``index``'s table."""
        storage = self.storage(index)
        results = ImageResults.for_table(len(table), self.depth, storage.root)
        sent: deque = deque()  # (first row, cache keys, cached entries) of each batch in flight
        cpu_bound = self.depth >= Depth.HEADER and isinstance(storage, LocalStorage)
        done = 0
        for answer in self.executor.map(check_batch, self._jobs(table, storage, sent), cpu_bound=cpu_bound):
            start, keys, cached = sent.popleft()
            results.place(start, answer.columns)
            for row in np.flatnonzero(answer.unchanged).tolist():
                fill(results, start + row, cached[row])
                results.from_cache += 1
            if self.cache is not None:
                self.cache.record(keys, answer, cached)
            done += len(keys)
            if progress is not None:
                progress(done, len(table))
        return results

    def _jobs(self, table: ImageTable, storage: Storage, sent: deque) -> Iterator[tuple[Batch]]:
        for start in range(0, len(table), self.options.batch_size):
            names = table.file_name.slice(start, start + self.options.batch_size)
            if self.cache is not None:
                keys = [storage.key(name) if name is not None else None for name in names]
                cached = self.cache.lookup(keys)
            else:
                keys, cached = names, [None] * len(names)
            sent.append((start, keys, cached))
            yield (Batch(storage.root, self.depth, names, [entry[:2] if entry is not None else None for entry in cached]),)

    def commit(self) -> None:
        """The scan completed: name the new cache."""
        if self.cache is not None:
            self.cache.commit()

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
        if self._owns_executor:
            self.executor.close()
