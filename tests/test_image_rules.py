"""The image rules on generated images: each problem found at the depth that shows it, through the library and the CLI."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

import labelcheck
from labelcheck.images import probe
from labelcheck.images.check import ImageOptions
from labelcheck.images.results import Depth, Status
from conftest import json_report, run_cli
from imagekit import EXPECTED, image_findings, image_row, make

CONTRACT = labelcheck.resolve_contract(num_classes=2)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return make.build(tmp_path_factory.mktemp("images"))


@pytest.mark.parametrize("depth", ["exists", "header", "decode"])
def test_library_finds_each_problem_at_its_depth(dataset, depth):
    root, train, _ = dataset
    report = labelcheck.scan(str(train), CONTRACT, images=ImageOptions((str(root),), depth=depth))
    assert image_findings(report.findings) == {finding: 1 for finding in EXPECTED[depth]}
    assert report.files[0].images_checked == len(make.train_images())


@pytest.mark.parametrize("depth", ["exists", "header", "decode"])
def test_cli_json_report_matches(dataset, depth):
    root, train, _ = dataset
    result = run_cli("scan", train, "--num-classes", "2", "--images", root, "--image-check", depth, "--format", "json")
    assert result.exit_code == 1, result.stderr
    report = json_report(result)
    assert image_findings(report["findings"]) == {finding: 1 for finding in EXPECTED[depth]}
    assert report["files"][0]["counts"]["image_files_checked"] == len(make.train_images())


def test_without_images_no_image_rule_runs_but_split_leakage_by_name(dataset):
    _, train, val = dataset
    report = labelcheck.scan([str(train), str(val)], CONTRACT)
    assert image_findings(report.findings) == {("split-leakage", "$.images[1].file_name", "error"): 1}
    assert report.files[0].images_checked is None


def test_split_leakage_by_name_and_by_content_at_decode(dataset):
    root, train, val = dataset
    report = labelcheck.scan([str(train), str(val)], CONTRACT, images=ImageOptions((str(root),), depth="decode"))
    leaks = {f.path: f for f in report.findings if f.rule == "split-leakage"}
    assert set(leaks) == {"$.images[1].file_name", "$.images[2].file_name"}
    assert all(f.file == str(val) for f in leaks.values())
    assert "'sound.jpg' is also image 1 of" in leaks["$.images[1].file_name"].message
    assert "same content as image 5 of" in leaks["$.images[2].file_name"].message
    again = labelcheck.scan([str(train), str(train)], CONTRACT)  # a file given twice is not two splits
    assert not [f for f in again.findings if f.rule == "split-leakage"]


def messages(dataset, depth="header"):
    root, train, _ = dataset
    report = labelcheck.scan(str(train), CONTRACT, images=ImageOptions((str(root),), depth=depth))
    return {(f.rule, f.image_file): f.message for f in report.findings}


def test_messages_say_what_is_wrong_and_what_is_there_instead(dataset):
    found = messages(dataset)
    assert "there is other case: Photo.JPG" in found["image-missing", "photo.jpg"]
    assert "there is other extension: shot.png" in found["image-missing", "shot.jpg"]
    assert "there is" not in found["image-missing", "absent.jpg"]
    assert "width and height are swapped" in found["image-size-mismatch", "swapped.jpg"]
    assert "scaled by 2" in found["image-size-mismatch", "resized.jpg"]
    assert "is empty (0 bytes)" in found["image-unreadable", "empty.jpg"]
    assert "is truncated" in found["image-unreadable", "truncated.jpg"]
    assert "holds PNG data but is named .jpg" in found["image-unreadable", "png-named.jpg"]
    rotated = found["image-exif-rotated", "rotated.jpg"]
    assert "detectron2, mmcv and Ultralytics apply it and see 48x64" in rotated
    assert "torchvision and MLPerf RetinaNet read the stored 64x48 pixels" in rotated
    assert "the JSON size is the stored size" in rotated
    assert "the boxes fit only the displayed image" in rotated


def test_corrupt_data_behind_a_sound_header_shows_only_at_decode(dataset):
    assert ("image-unreadable", "corrupt.jpg") not in messages(dataset, "header")
    assert "corrupt data the header did not show" in messages(dataset, "decode")["image-unreadable", "corrupt.jpg"]


def jpeg_bytes(size, orientation=None, progressive=False, exif=None, xmp=None):
    out = io.BytesIO()
    options = {"progressive": progressive}
    if orientation is not None:
        tags = Image.Exif()
        tags[0x0112] = orientation
        options["exif"] = tags.tobytes()
    if exif is not None:
        options["exif"] = exif
    if xmp is not None:
        options["xmp"] = xmp
    make.picture(3, size).save(out, "JPEG", **options)
    return out.getvalue()


def big_endian_exif(orientation):
    """An EXIF block in Motorola byte order (Pillow writes Intel order)."""
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    return b"Exif\x00\x00MM\x00\x2a" + struct.pack(">I", 8) + ifd


def png_bytes(size, orientation=None):
    out = io.BytesIO()
    options = {}
    if orientation is not None:
        tags = Image.Exif()
        tags[0x0112] = orientation
        options["exif"] = tags.tobytes()
    make.picture(4, size).save(out, "PNG", **options)
    return out.getvalue()


SAMPLES = {
    **{f"jpeg-orientation-{o}": jpeg_bytes((40, 30), o) for o in range(1, 9)},
    **{f"png-orientation-{o}": png_bytes((40, 30), o) for o in (1, 6, 8)},
    "jpeg-no-exif": jpeg_bytes((33, 17)),
    "jpeg-progressive": jpeg_bytes((120, 90), 3, progressive=True),
    "jpeg-big-endian-exif": jpeg_bytes((50, 20), exif=big_endian_exif(8)),
    "jpeg-xmp-orientation": jpeg_bytes((50, 20), xmp=b'<x:xmpmeta><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'),
    "png-plain": png_bytes((7, 300)),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_header_reader_reads_what_pillow_reads(name):
    """The fast JPEG and PNG header reader against Pillow itself (size, orientation, format)."""
    data = SAMPLES[name]
    found = probe.header(data, data, len(data), lambda: data)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        expected = (image.format, *image.size, int(image.getexif().get(0x0112) or 0))
    assert (found.status, found.format, found.width, found.height, found.orientation) == (Status.OK, *expected)
    assert probe.jpeg_header(data, data, len(data)) or probe.png_header(data, data, len(data))  # not Pillow's


def test_a_file_cut_short_is_truncated_at_header_depth():
    data = jpeg_bytes((400, 300))  # the header is whole in the first half
    cut = data[: len(data) * 2 // 3]
    assert probe.jpeg_header(cut, cut, len(cut)) is not None
    assert probe.header(cut, cut, len(cut), lambda: cut).status == Status.UNREADABLE
    png = png_bytes((400, 300))[:-20]
    assert probe.header(png, png, len(png), lambda: png).status == Status.UNREADABLE


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("depth", ["header", "decode"])
def test_every_orientation(tmp_path, write_json, orientation, depth):
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes((40, 30), orientation))
    shown = (30, 40) if orientation >= 5 else (40, 30)
    document = {"categories": [{"id": 0, "name": "a"}], "images": [{"id": 1, "file_name": "a.jpg", "width": shown[0],
                "height": shown[1]}], "annotations": [{"id": 1, "image_id": 1, "category_id": 0, "bbox": [1, 1, 5, 5]}]}
    report = labelcheck.scan(str(write_json(document)), CONTRACT,
                             images=ImageOptions((str(tmp_path),), depth=depth))
    rules = [f.rule for f in report.findings if f.rule.startswith("image-")]
    assert rules == ([] if orientation == 1 else ["image-exif-rotated"])  # the displayed size is no mismatch
    if orientation >= 5:
        (finding,) = [f for f in report.findings if f.rule == "image-exif-rotated"]
        assert "the JSON size is the displayed size" in finding.message


def test_results_are_columns_not_objects(dataset):
    root, train, _ = dataset
    from labelcheck.images.check import ImageCheck

    check = ImageCheck(ImageOptions((str(root),), depth="decode"), 1)
    try:
        from labelcheck.readers.plain import PlainReader

        table = PlainReader().read(str(train)).images
        results = check.run(0, table)
    finally:
        check.close()
    assert results.status.dtype == np.uint8 and results.width.dtype == np.int32
    assert results.digest.shape == (len(table), 16)
    assert results.status[image_row("absent.jpg")] == Status.MISSING
    assert results.depth == Depth.DECODE


def test_the_shipped_fixture_folder_is_what_the_generator_writes(tmp_path):
    from conftest import FIXTURES

    root, train, val = make.build(tmp_path)
    shipped = FIXTURES / "images"
    assert sorted(p.name for p in shipped.iterdir()) == sorted(p.name for p in root.iterdir())
    for path in root.iterdir():
        assert (shipped / path.name).read_bytes() == path.read_bytes(), path.name
    assert (FIXTURES / train.name).read_text() == train.read_text()
    assert (FIXTURES / val.name).read_text() == val.read_text()


def test_the_readme_command_scans_the_fixture_folder_and_finds_each_problem():
    import re
    import shlex

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text("utf-8")
    command = re.search(r"^    labelcheck (scan fixtures/images-train\.json .*)$", readme, flags=re.M).group(1)
    args = [str(ROOT / a) if a.startswith("fixtures/") else a for a in shlex.split(command)]
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 1
    rules = {f["rule"] for f in json_report(result)["findings"]}
    assert rules >= {"image-missing", "image-unreadable", "image-size-mismatch", "image-exif-rotated",
                     "image-duplicate", "split-leakage"}
