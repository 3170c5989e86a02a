"""An image's file is there but the loader cannot read it.

Empty, truncated (no end-of-image marker where the file ends: the upload or
copy stopped short), not an image at all, a folder, unreadable (permission
denied), or too large for Pillow; at ``--image-check decode``, also data the
header hid: a decoder error in the middle of the pixels. The loader raises
when it opens the file, in a DataLoader worker, mid-run.

Two cases are warnings, not errors: a file whose content is another format
than its name says (a PNG named ``.jpg``: Pillow and OpenCV read by content,
but a pipeline that picks the decoder by the name, such as
``torchvision.io.decode_jpeg``, fails), and a format outside those every
detection loader reads (JPEG, PNG, BMP, TIFF, WebP), such as GIF.

``--image-check exists`` finds empty files and folders; ``header`` the rest
but corrupt pixel data; ``decode`` everything.

Default severity: error.

Fails:

    {"id": 1, "file_name": "a.jpg", ...}   (a.jpg: 0 bytes)

    'data/a.jpg' is empty (0 bytes); the loader raises when it opens it

Passes: a complete JPEG named ``a.jpg``.
"""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding, Severity
from ..images.results import FORMATS, OTHER_FORMAT, Depth, Reason, Status
from .image_common import COMMON_FORMATS, ImageRule, extension

PROBLEMS = {
    Reason.EMPTY: "is empty (0 bytes)",
    Reason.TRUNCATED: "is truncated",
    Reason.NOT_AN_IMAGE: "is not an image (Pillow cannot identify its format)",
    Reason.CORRUPT: "cannot be decoded",
    Reason.NOT_A_FILE: "is a folder, not a file",
    Reason.CANNOT_READ: "cannot be read",
    Reason.TOO_LARGE: "is larger than Pillow opens (its decompression-bomb limit)",
}
# What each extension promises, by Pillow's format name.
EXTENSION_FORMATS = {
    ".jpg": ("JPEG", "MPO"), ".jpeg": ("JPEG", "MPO"), ".png": ("PNG",), ".bmp": ("BMP",), ".webp": ("WEBP",),
    ".tif": ("TIFF",), ".tiff": ("TIFF",), ".gif": ("GIF",),
}


class ImageUnreadable(ImageRule):
    ID = "image-unreadable"
    SEVERITY = Severity.ERROR

    def finish(self) -> Iterator[Finding]:
        results = self.results
        if results is None:
            return
        for row in self.rows_with(Status.UNREADABLE):
            reason = Reason(int(results.reason[row]))
            note = results.notes.get(row)
            detail = f": {note}" if note else ""
            if reason == Reason.CORRUPT and results.depth >= Depth.DECODE:
                detail += " (corrupt data the header did not show)"
            yield self.image_finding(
                row, f"{self.where(row)} {PROBLEMS[reason]}{detail}; the loader raises when it opens it; "
                "replace the file or drop the image"
            )
        for row in self.rows_with(Status.OK):
            code = int(results.format[row])
            if not code:
                continue
            found = FORMATS[code] if code != OTHER_FORMAT else "another format"
            named = extension(self.name(row))
            if named in EXTENSION_FORMATS and found not in EXTENSION_FORMATS[named]:
                yield self.image_finding(
                    row, f"{self.where(row)} holds {found} data but is named {named}: Pillow and OpenCV read it by "
                    "its content, a pipeline that picks the decoder by the name (torchvision.io.decode_jpeg) fails; "
                    "rename the file or convert it", severity=Severity.WARNING,
                )
            elif found not in COMMON_FORMATS:
                yield self.image_finding(
                    row, f"{self.where(row)} is {found}, not a format every detection loader reads "
                    f"({', '.join(COMMON_FORMATS)}); convert it to JPEG or PNG", severity=Severity.WARNING,
                )
