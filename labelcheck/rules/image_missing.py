"""An image's file is not where its ``file_name`` points under ``--images ROOT``.

The loader opens each image when its turn comes, hours into a run, and the
DataLoader worker raises FileNotFoundError (detectron2#143, ultralytics#21507
at epoch 177). Where a few stats can tell, the message says what is there
instead: the name in another case, with another extension, with its
backslashes read as folders, or the file one folder up (ROOT one level too
deep). Checked at every ``--image-check`` depth.

``labelcheck clean --rule image-missing`` drops the image's annotations;
with ``--drop images``, the image with them (loaders that keep images without
annotations, such as MLPerf's, still open them).

Default severity: error.

Fails (``--images data/train``, where the folder holds ``a.JPG``):

    {"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}

    no file at 'data/train/a.jpg'; there is other case: a.JPG

Passes: ``data/train/a.jpg`` exists.
"""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding, Severity
from ..images.results import Status
from .image_common import ImageRule


class ImageMissing(ImageRule):
    ID = "image-missing"
    SEVERITY = Severity.ERROR

    def finish(self) -> Iterator[Finding]:
        for row in self.rows_with(Status.MISSING):
            hint = self.ctx.image_results.notes.get(row)  # type: ignore[union-attr]
            instead = f"; there is {hint}" if hint else ""
            yield self.image_finding(
                row, f"no file at {self.where(row)}{instead}; fix file_name or --images ROOT, or drop the image"
            )
