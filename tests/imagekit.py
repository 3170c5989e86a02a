"""The image fixtures for tests: the shipped generator, and what each depth must find in its files."""

from __future__ import annotations

import importlib.util
from collections import Counter

from conftest import FIXTURES

_spec = importlib.util.spec_from_file_location("make_image_fixtures", FIXTURES / "make_image_fixtures.py")
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)

IMAGE_RULES = {"image-missing", "image-unreadable", "image-size-mismatch", "image-exif-rotated", "image-duplicate",
               "split-leakage"}


def image_row(name: str) -> int:
    return [entry[0] for entry in make.train_images()].index(name)


def at(rule: str, name: str, severity: str = "error", key: str = "file_name") -> tuple[str, str, str]:
    return rule, f"$.images[{image_row(name)}].{key}", severity


EXISTS = {
    at("image-missing", "photo.jpg"), at("image-missing", "shot.jpg"), at("image-missing", "absent.jpg"),
    at("image-unreadable", "empty.jpg"),
}
HEADER = EXISTS | {
    at("image-unreadable", "truncated.jpg"), at("image-unreadable", "not-an-image.jpg"),
    at("image-unreadable", "png-named.jpg", "warning"),
    at("image-size-mismatch", "swapped.jpg", key="width"), at("image-size-mismatch", "resized.jpg", key="width"),
    at("image-exif-rotated", "rotated.jpg", "warning"),
}
DECODE = HEADER | {at("image-unreadable", "corrupt.jpg"), at("image-duplicate", "copy-of-sound.jpg", "warning")}
EXPECTED = {"exists": EXISTS, "header": HEADER, "decode": DECODE}


def image_findings(findings) -> Counter:
    """(rule, path, severity) of the image rules' findings, from Finding objects or JSON report entries."""
    rows = (f if isinstance(f, dict) else {"rule": f.rule, "path": f.path, "severity": f.severity.label}
            for f in findings)
    return Counter((f["rule"], f["path"], f["severity"]) for f in rows if f["rule"] in IMAGE_RULES)


SOUND_BOX = [10, 10, 40, 30]
BAD_BOX = [100, 60, 40, 30]  # of category 5, which the 2-class head has no column for
PICTURE = (160, 120)


def labelled_images(folder, count: int, bad=(), outside=(), name="img-{:03d}.jpg"):
    """``count`` JPEGs under ``folder/images`` and a COCO file (``folder/labels.json``) with a sound box on
    each image; a second box of category 5 on the images in ``bad`` (category-out-of-range, errors), one
    reaching past the right edge on those in ``outside`` (bbox-outside-image, a warning). (root, path)."""
    import json

    root = folder / "images"
    root.mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for number in range(count):
        file_name = name.format(number)
        (root / file_name).write_bytes(make.jpeg(100 + number, size=PICTURE))
        images.append({"id": number + 1, "file_name": file_name, "width": PICTURE[0], "height": PICTURE[1]})
        boxes = [(0, SOUND_BOX)] + [(5, BAD_BOX)] * (number in bad) + [(1, [130, 5, 60, 20])] * (number in outside)
        for category, box in boxes:
            annotations.append({"id": len(annotations) + 1, "image_id": number + 1, "category_id": category,
                                "bbox": box, "area": box[2] * box[3], "iscrowd": 0})
    document = {"categories": make.CATEGORIES, "images": images, "annotations": annotations}
    path = folder / "labels.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return root, path
