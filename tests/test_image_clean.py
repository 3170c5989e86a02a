"""clean with the image rules: drop the annotations of the images they find, or with --drop images the images."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli
from imagekit import make


@pytest.fixture
def dataset(tmp_path):
    return make.build(tmp_path)


MISSING = {"photo.jpg", "shot.jpg", "absent.jpg"}


def test_clean_drops_the_annotations_of_missing_images(dataset, tmp_path):
    root, train, _ = dataset
    out, audit = tmp_path / "out.json", tmp_path / "audit.json"
    result = run_cli("clean", train, "-o", out, "--num-classes", "2", "--images", root, "--rule", "image-missing",
                     "--report", audit)
    # The other image problems (a truncated file, a swapped size) stay in the output: exit 1 says so.
    assert result.exit_code == 1 and "not fixed by clean (still in the output): image-unreadable" in result.stderr
    before, after = json.loads(train.read_text()), json.loads(out.read_text())
    missing_ids = {image["id"] for image in before["images"] if image["file_name"] in MISSING}
    assert after["images"] == before["images"]  # the images stay
    assert [a for a in before["annotations"] if a["image_id"] not in missing_ids] == after["annotations"]
    report = json.loads(audit.read_text())
    assert report["dropped_by_rule"] == {"image-missing": 3}
    assert {entry["image_id"] for entry in report["dropped_annotations"]} == missing_ids
    assert "dropped for image-missing: 3 annotations" in result.stderr


def test_clean_drop_images_removes_the_images_the_rules_find(dataset, tmp_path):
    root, train, _ = dataset
    out, audit = tmp_path / "out.json", tmp_path / "audit.json"
    result = run_cli("clean", train, "-o", out, "--num-classes", "2", "--images", root, "--image-check", "decode",
                     "--rule", "image-missing", "--rule", "image-unreadable", "--drop", "images", "--report", audit)
    assert result.exit_code == 1 and "not fixed by clean (still in the output): image-size-mismatch" in result.stderr
    kept = {image["file_name"] for image in json.loads(out.read_text())["images"]}
    gone = MISSING | {"truncated.jpg", "empty.jpg", "not-an-image.jpg", "png-named.jpg", "corrupt.jpg"}
    assert kept == {entry[0] for entry in make.train_images()} - gone
    report = json.loads(audit.read_text())
    assert report["dropped_images_by_rule"] == {"image-missing": 3, "image-unreadable": 5}
    assert {entry["file_name"] for entry in report["dropped_images"]} == gone


def test_clean_with_an_image_rule_needs_images(dataset, tmp_path):
    _, train, _ = dataset
    result = run_cli("clean", train, "-o", tmp_path / "out.json", "--rule", "image-missing")
    assert result.exit_code == 2
    assert "rule 'image-missing' needs --images ROOT" in result.stderr


def test_split_leakage_is_not_a_clean_rule(dataset, tmp_path):
    _, train, _ = dataset
    result = run_cli("clean", train, "-o", tmp_path / "out.json", "--rule", "split-leakage")
    assert result.exit_code == 2 and "does not point at annotations or images" in result.stderr
