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
