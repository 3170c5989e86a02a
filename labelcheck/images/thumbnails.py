"""A thumbnail of one image with its boxes drawn: what the HTML audit report shows of an image with findings.

The file is read through the scan's ``Storage`` (a local folder or fsspec, as
the image checks read it) and decoded by Pillow: its first frame, as loaders
take it, a JPEG at a reduced scale (``draft``). EXIF orientation is not
applied: the thumbnail shows the stored pixels, and each box at its JSON
coordinates on them (the view of the loaders that read the stored pixels,
torchvision's and the MLPerf reference's; the ``image-exif-rotated`` finding
says when a loader sees the image turned). Boxes with a finding are red (2 px),
the others white (1 px), each on a dark edge so it shows on any picture.

The image is scaled to fit ``THUMBNAIL_SIZE`` px (a small one is enlarged by
a whole factor, its pixels kept square) and encoded as a JPEG of quality
``QUALITY``, lower if that is over ``MAX_JPEG_BYTES``. Nothing here raises
for a bad image: a file that cannot be read or decoded gives a ``problem``
to show instead.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .storage import Storage

THUMBNAIL_SIZE = 200  # px: the longer side of a thumbnail
QUALITY = 70
# The most bytes one thumbnail's JPEG may take (qualities below QUALITY are tried first): 24 of them stay
# under 0.5 MB in the report, base64 included.
MAX_JPEG_BYTES = 16_000
_LOWER_QUALITIES = (50, 35)
# Files larger than this are not opened for a thumbnail (a photo is a few MB).
MAX_FILE_BYTES = 64 << 20
# Pixels decoded at most: a larger JPEG is decoded at 1/8 scale; a larger image of another format is not drawn.
MAX_PIXELS = 64_000_000
MARKED = (230, 25, 25)
OTHER = (255, 255, 255)
EDGE = (20, 20, 20)


@dataclass(frozen=True)
class Drawn:
    """A thumbnail (``jpeg``, ``width`` x ``height`` px) of an image of ``image_size`` stored pixels,
    or the ``problem`` that kept it from being drawn."""

    jpeg: bytes | None
    width: int = 0
    height: int = 0
    image_size: tuple[int, int] | None = None
    problem: str | None = None


def draw_thumbnail(storage: Storage, name: str, boxes: np.ndarray, marked: np.ndarray) -> Drawn:
    """The thumbnail of ``name`` under the storage's ROOT: ``boxes`` (n x 4, COCO x, y, width,
    height in pixels), ``marked[i]`` where box i has a finding."""
    try:
        from PIL import Image
    except ImportError:
        return Drawn(None, problem="thumbnails need Pillow: pip install 'labelcheck[images]'")
    data = _read(storage, name)
    if isinstance(data, Drawn):
        return data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DecompressionBombWarning, EXIF warnings: the thumbnail or its problem says it
        try:
            return _drawn(data, boxes, marked)
        except Image.UnidentifiedImageError:
            return Drawn(None, problem="not an image Pillow can identify")
        except Image.DecompressionBombError:
            return Drawn(None, problem="larger than Pillow opens (its decompression-bomb limit)")
        except Exception as exc:  # noqa: BLE001 - a decoder's error: OSError, SyntaxError, ValueError, ...
            return Drawn(None, problem=f"cannot be drawn (Pillow: {_first_line(exc)})")


def _read(storage: Storage, name: str) -> bytes | Drawn:
    """The file's bytes, or why there are none."""
    path = storage.resolve(name)
    try:
        stamp = storage.stat(path)
        if not stamp.is_file:
            return Drawn(None, problem=f"{storage.shown(path)} is not a file")
        if stamp.size == 0:
            return Drawn(None, problem=f"{storage.shown(path)} is empty (0 bytes)")
        if stamp.size > MAX_FILE_BYTES:
            return Drawn(None, problem=f"{storage.shown(path)} is {stamp.size:,} bytes, more than thumbnails read "
                         f"({MAX_FILE_BYTES >> 20} MiB)")
        return storage.read(path, 0, None)
    except FileNotFoundError:
        return Drawn(None, problem=f"no file at {storage.shown(path)}")
    except Exception as exc:  # noqa: BLE001 - local system calls and each fsspec filesystem raise their own
        return Drawn(None, problem=f"{storage.shown(path)} cannot be read ({_first_line(exc)})")


def _drawn(data: bytes, boxes: np.ndarray, marked: np.ndarray) -> Drawn:
    from PIL import ImageDraw

    decoded = _picture(data)
    if isinstance(decoded, Drawn):
        return decoded
    picture, size = decoded
    draw = ImageDraw.Draw(picture)
    scale = (picture.width / size[0], picture.height / size[1])
    for box in boxes[~marked]:
        _rectangle(draw, box, scale, picture.size, OTHER, 1)
    for box in boxes[marked]:  # on top, wider
        _rectangle(draw, box, scale, picture.size, MARKED, 2)
    jpeg = _jpeg(picture)
    if jpeg is None:
        return Drawn(None, image_size=size, problem=f"too detailed for a thumbnail of {MAX_JPEG_BYTES:,} bytes")
    return Drawn(jpeg, picture.width, picture.height, size)


def _picture(data: bytes) -> tuple[Any, tuple[int, int]] | Drawn:
    """The first frame in RGB at thumbnail size, and the stored size; or why it is not drawn."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        size = image.size
        if size[0] < 1 or size[1] < 1:
            return Drawn(None, image_size=size, problem=f"has no pixels ({size[0]}x{size[1]})")
        if size[0] * size[1] > MAX_PIXELS and image.format != "JPEG":
            return Drawn(None, image_size=size, problem=f"{size[0]}x{size[1]} {image.format}: more pixels than "
                         f"thumbnails decode ({MAX_PIXELS:,})")
        if image.format == "JPEG":  # decoded at 1/2 to 1/8 of its size, still at least THUMBNAIL_SIZE
            image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        picture = image.convert("RGB")
    picture.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    factor = THUMBNAIL_SIZE // max(picture.size)
    if factor >= 2:  # a small image: enlarged by a whole factor, its pixels square and sharp
        picture = picture.resize((picture.width * factor, picture.height * factor), Image.Resampling.NEAREST)
    return picture, size


def _rectangle(draw: Any, box: np.ndarray, scale: tuple[float, float], size: tuple[int, int],
               colour: tuple[int, int, int], width: int) -> None:
    """A COCO box as a line ``width`` px wide inside a dark edge 1 px wider each side; a box with a
    negative side is drawn over its extent."""
    x, y, w, h = (float(value) for value in box)
    if not all(math.isfinite(value) for value in (x, y, w, h)):
        return
    xs = sorted(_clamp(value * scale[0], size[0]) for value in (x, x + w))
    ys = sorted(_clamp(value * scale[1], size[1]) for value in (y, y + h))
    draw.rectangle((xs[0] - 1, ys[0] - 1, xs[1] + 1, ys[1] + 1), outline=EDGE, width=width + 2)
    draw.rectangle((xs[0], ys[0], xs[1], ys[1]), outline=colour, width=width)


def _clamp(value: float, extent: int) -> int:
    """In whole pixels, just outside the picture at most: a box far beyond the image is drawn along its edge."""
    return round(min(max(value, -3.0), extent + 2.0))


def _jpeg(picture: Any) -> bytes | None:
    """At the first quality tried that fits ``MAX_JPEG_BYTES``; None if none does."""
    for quality in (QUALITY, *_LOWER_QUALITIES):
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality, optimize=True, subsampling=0)  # full colour: red lines stay red
        if out.tell() <= MAX_JPEG_BYTES:
            return out.getvalue()
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
