"""What a file that is not a COCO annotation file is, so its error says so.

A JPEG given by mistake would otherwise get "invalid UTF-8 ... re-encode the
file as UTF-8", a CSV "invalid JSON", an empty file "truncated?", a results
list "top level is a JSON array". These look at the first bytes of the file
(``not_json``) or at the shape of a JSON document and the first element of an
array in it (``not_coco``), and name what they see and what to give instead.
They are only asked once reading has failed, so they cost nothing otherwise.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

HEAD_BYTES = 64 << 10  # enough for a few lines of any text format, or one array element

_IMAGES = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)
_NOT_LABELS = "not COCO annotation JSON; give the COCO .json file that lists the images and their annotations"
# A YOLO label line: class x_center y_center width height (and polygon points), all numbers.
_YOLO_LINE = re.compile(rb"\d+(?:[ \t]+-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?){4,}[ \t]*")


def not_json(head: bytes) -> str | None:
    """What the file whose first bytes are ``head`` is, when it is no JSON at all; None if unsure."""
    if not head.strip():
        return "the file is empty; export the annotations again (an export that failed or was cut off?)"
    for magic, kind in _IMAGES:
        if head.startswith(magic):
            return f"this is {kind}, {_NOT_LABELS}"
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        return f"this is a WebP image, {_NOT_LABELS}"
    lines = _whole_lines(head.removeprefix(b"\xef\xbb\xbf"))  # a byte order mark has its own error
    if not lines:
        return None
    if lines[0].lstrip().startswith((b"<?xml", b"<annotation")):
        return "this is XML (Pascal VOC annotations?), not COCO JSON; convert it to COCO first"
    if all(_YOLO_LINE.fullmatch(line.strip()) for line in lines):
        return ("this looks like a YOLO label file (one 'class x_center y_center width height' line per box), "
                "not COCO JSON; convert the YOLO labels to COCO first")
    if _looks_like_csv(lines):
        header = lines[0].decode("utf-8", "replace").strip()
        shown = header if len(header) <= 60 else header[:57] + "..."
        return f"this looks like a CSV file (first line {shown!r}), not COCO JSON; convert it to COCO first"
    return None


def _whole_lines(head: bytes) -> list[bytes]:
    """The non-blank lines of the head, without one the head cuts."""
    lines = head.splitlines()
    if len(head) == HEAD_BYTES and not head.endswith(b"\n"):
        lines = lines[:-1]
    return [line for line in lines if line.strip()]


def _looks_like_csv(lines: list[bytes]) -> bool:
    if lines[0].lstrip().startswith((b"{", b"[")):
        return False
    commas = {line.count(b",") for line in lines[:20]}
    return len(commas) == 1 and commas != {0}


def not_coco(shape: Any, first: Callable[[str | None], Any]) -> str | None:
    """What a JSON document of this shape is when it is not a COCO annotation file; None if unsure.

    ``shape``: the document, or a stand-in with its top-level keys; ``first(key)``:
    the first element of the array at ``key`` (None: the top-level array), or None.
    """
    if isinstance(shape, list):
        element = first(None)
        if isinstance(element, dict) and "image_id" in element and ("score" in element or "caption" in element):
            return ("top level is a list of model results (an 'image_id' with a 'score' or 'caption' each), not an "
                    "annotation file; give the ground-truth file with 'images', 'annotations' and 'categories'")
        return None
    if not isinstance(shape, dict) or "categories" in shape:
        return None
    if {"shapes", "imagePath"} <= shape.keys():
        return "this is a LabelMe file (one image's 'shapes'), not COCO JSON; convert it to COCO first (labelme2coco)"
    if {"metainfo", "data_list"} <= shape.keys():
        return "this is an MMEngine dataset file ('metainfo', 'data_list'), not COCO JSON; give the COCO file"
    if {"images", "annotations"} <= shape.keys():
        element = first("annotations")
        if isinstance(element, dict) and "caption" in element and "category_id" not in element:
            return ("this is a COCO captions file (annotations with a 'caption', no 'categories'), not detection "
                    "annotations; give the instances_*.json file")
    return None


def first_element(data: bytes) -> Any:
    """The first element of the JSON array that ``data`` begins with (a head of the file), or None."""
    text = data.decode("utf-8", "replace").lstrip()
    if not text.startswith("["):
        return None
    start = len(text) - len(text[1:].lstrip())
    try:
        return json.JSONDecoder().raw_decode(text, start)[0]
    except ValueError:
        return None
