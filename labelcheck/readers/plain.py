"""The reference reader: Python's json, exactly the training loader's view.

pycocotools and the MLPerf loader both call ``json.load``: a repeated key keeps
its last value and NaN/Infinity are accepted. This reader holds the whole
document in memory; it is the yardstick the streaming reader is tested against.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.columns import annotation_batches, category_list, image_table
from ..core.dataset import Dataset
from ..core.errors import InputError
from ..core.sidefiles import unparsable
from .base import (
    Reader,
    byte_offset,
    decode_utf8,
    display_name,
    long_integer_error,
    nesting_error,
    read_all_bytes,
    require_document_shape,
    syntax_error,
)
from .sniff import HEAD_BYTES, not_json


def parse_json(data: bytes, name: str) -> Any:
    """The document; an InputError that says what the file is when it is no JSON (an image, a CSV)."""
    try:
        text = decode_utf8(data, name)
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            truncated = exc.pos >= len(text.rstrip())
            raise syntax_error(name, byte_offset(text, exc.pos), exc.lineno, exc.colno, exc.msg, truncated) from None
        except RecursionError:
            raise nesting_error(name) from None
        except ValueError as exc:
            if unparsable(exc) is None:
                raise
            raise long_integer_error(name) from None
    except InputError as error:
        what = not_json(data[:HEAD_BYTES])
        raise error if what is None else InputError(f"{name}: {what}") from None


def dataset_from_document(document: Any, name: str, batch_size: int) -> Dataset:
    categories, images, annotations = require_document_shape(document, name, lambda key: _first(document, key))
    return Dataset(
        source=name,
        categories=category_list(categories),
        images=image_table(images),
        annotation_batches=annotation_batches(annotations, batch_size),
    )


def _first(document: Any, key: str | None) -> Any:
    array = document if key is None else document.get(key) if isinstance(document, dict) else None
    return array[0] if isinstance(array, list) and array else None


class PlainReader(Reader):
    name = "plain"

    def read(self, source: Any) -> Dataset:
        name = display_name(source)
        document = parse_json(read_all_bytes(source), name)
        return dataset_from_document(document, name, self.batch_size)


class CocoObjectReader(Reader):
    """Reads an already loaded ``pycocotools.coco.COCO`` (or its ``dataset`` dict)."""

    name = "coco-object"

    def read(self, source: Any) -> Dataset:
        document = getattr(source, "dataset", source)
        return dataset_from_document(document, "<COCO object>", self.batch_size)
