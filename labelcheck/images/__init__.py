"""Image files: find each image's file, open it as deep as asked, and say what is wrong with it.

Owns: the per-image results the image rules read (``results``: columns, one
row per image of the table), what the loaders do with EXIF orientation
(``exif``), where a ``file_name`` resolves under ROOT, locally or through
fsspec (``storage``), the checks at each depth run on a batch of paths
(``probe``), the ``--image-cache`` (``cache``), the executors that run the
batches, chosen by name (``executors``: ``local``, ``local:N``,
``dask://HOST:PORT``, or any ``concurrent.futures.Executor``), and the check of
one file's image table (``check``), which the scan engine drives, and the
thumbnail of an image with its boxes drawn (``thumbnails``), for the HTML report.

Pillow and fsspec are optional (``labelcheck[images]``): they are imported
where images are opened, never by importing this package.

May import: ``core``.
"""

from __future__ import annotations

from .results import Depth, ImageResults, Reason, Status

__all__ = ["Depth", "ImageResults", "Reason", "Status"]
