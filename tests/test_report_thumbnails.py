"""The audit report's thumbnails (``--images`` with ``--format html``): which images, their boxes, the bounds.

Images are generated with Pillow in a temporary folder; the thumbnails are
decoded again to check what is drawn on them. The browser tests open such a
report in Chromium (``test_report_browser.py``).
"""

from __future__ import annotations

import base64
import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ci_support import html_report_data
from PIL import Image

import labelcheck
from labelcheck.images import thumbnails as drawing
from labelcheck.images.storage import LocalStorage
from labelcheck.scanning import gallery
from conftest import ROOT, json_report, run_cli
from imagekit import BAD_BOX, PICTURE, SOUND_BOX, labelled_images, make

CONTRACT = labelcheck.resolve_contract(num_classes=2)


def html_data(*args, input=None) -> dict:
    result = run_cli("scan", *map(str, args), "--num-classes", "2", "--format", "html", input=input)
    assert result.exit_code in (0, 1), result.stderr
    return html_report_data(result.stdout)


def picture(src: str) -> Image.Image:
    assert src.startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    assert image.format == "JPEG"
    return image.convert("RGB")


def is_red(pixel) -> bool:
    red, green, blue = pixel
    return red > 150 and green < 90 and blue < 90


def test_each_image_with_findings_is_pictured_with_its_boxes(tmp_path):
    root, path = labelled_images(tmp_path, 6, bad={1, 4})
    data = html_data(path, "--images", root)
    thumbs = data["thumbnails"]
    assert sorted(t["image_file"] for t in thumbs) == ["img-001.jpg", "img-004.jpg"]
    for thumb in thumbs:
        assert {row["rule"] for row in thumb["rules"]} >= {"category-out-of-range"}
        assert thumb["rules"][0]["severity"] == "error"
        assert thumb["boxes"] == {"total": 2, "marked": 1, "drawn": 2, "drawn_marked": 1}
        assert thumb["json_size"] == list(PICTURE) and thumb["image_size"] == list(PICTURE)
        assert thumb["problem"] is None
        image = picture(thumb["src"])
        assert image.size == (thumb["width"], thumb["height"]) == PICTURE  # 160 px: not enlarged, not shrunk
        x, y, w, h = BAD_BOX  # the box with a finding: a red line (2 px) on its left side
        assert all(is_red(image.getpixel((x, y + h // 2 + dy))) for dy in range(-5, 6))
        x, y, w, h = SOUND_BOX  # the sound box: a white line (1 px), brighter than its dark edge
        line = [image.getpixel((x, y + h // 2 + dy)) for dy in range(-5, 6)]
        assert not any(map(is_red, line)) and min(min(pixel) for pixel in line) > 150
    assert data["thumbnail_limits"]["images"] == gallery.THUMBNAILS == 24


def test_more_images_with_findings_than_the_cap(tmp_path):
    root, path = labelled_images(tmp_path, 40, bad=set(range(0, 37)), outside={37, 38, 39})
    data = html_data(path, "--images", root)
    thumbs = data["thumbnails"]
    assert len(thumbs) == gallery.THUMBNAILS
    assert thumbs[0]["rules"][0]["severity"] == "error"
    # Spread over the rules: every image of the warning rule is among the 24, though 37 have errors.
    warned = [t["image_file"] for t in thumbs if {r["rule"] for r in t["rules"]} == {"bbox-outside-image"}]
    assert warned == ["img-037.jpg", "img-038.jpg", "img-039.jpg"]
    assert len({t["image_file"] for t in thumbs}) == len(thumbs)
    sizes = [len(t["src"]) for t in thumbs]
    assert max(sizes) < drawing.MAX_JPEG_BYTES * 4 / 3 + 30


def test_a_small_image_is_enlarged_and_a_large_one_shrunk(tmp_path):
    root = tmp_path / "images"
    root.mkdir()
    (root / "small.jpg").write_bytes(make.jpeg(1, size=(64, 48)))
    smooth = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")  # a photo's detail, not noise
    out = io.BytesIO()
    smooth.save(out, "JPEG")
    (root / "large.jpg").write_bytes(out.getvalue())
    boxes, marked = np.array([[4, 4, 20, 16]], np.float32), np.array([True])
    small = drawing.draw_thumbnail(LocalStorage(str(root)), "small.jpg", boxes, marked)
    large = drawing.draw_thumbnail(LocalStorage(str(root)), "large.jpg", boxes * 25, marked)
    assert (small.width, small.height, small.image_size) == (192, 144, (64, 48))  # 3x, pixels kept square
    assert (large.width, large.height, large.image_size) == (200, 150, (1600, 1200))
    for drawn, at in ((small, (4 * 3, 10 * 3)), (large, (100 // 8, 250 // 8))):
        image = Image.open(io.BytesIO(drawn.jpeg)).convert("RGB")
        assert is_red(image.getpixel(at)), drawn
        assert len(drawn.jpeg) <= drawing.MAX_JPEG_BYTES


def test_boxes_that_are_not_boxes_do_not_stop_the_drawing(tmp_path):
    root = tmp_path / "images"
    root.mkdir()
    (root / "a.jpg").write_bytes(make.jpeg(4, size=(160, 120)))
    boxes = np.array([[np.nan, 1, 2, 3], [1e30, 0, 5, 5], [50, 50, -40, -30], [-np.inf, 0, np.inf, 10]], np.float32)
    drawn = drawing.draw_thumbnail(LocalStorage(str(root)), "a.jpg", boxes, np.array([True, True, True, False]))
    assert drawn.problem is None and drawn.jpeg is not None
    image = Image.open(io.BytesIO(drawn.jpeg)).convert("RGB")
    assert is_red(image.getpixel((10, 35)))  # the negative box, drawn over its extent: x 10..50, y 20..50


def test_exif_orientation_is_not_applied(tmp_path):
    root = tmp_path / "images"
    root.mkdir()
    (root / "turned.jpg").write_bytes(make.jpeg(3, orientation=6, size=(160, 120)))
    drawn = drawing.draw_thumbnail(LocalStorage(str(root)), "turned.jpg", np.empty((0, 4), np.float32),
                                   np.empty(0, bool))
    assert (drawn.width, drawn.height, drawn.image_size) == (160, 120, (160, 120))  # the stored pixels


def test_a_missing_or_undecodable_image_is_a_labelled_placeholder(tmp_path):
    root, path = labelled_images(tmp_path, 5, bad={0, 1, 2, 3, 4})
    (root / "img-004.jpg").write_bytes(b"")
    (root / "img-000.jpg").unlink()
    (root / "img-001.jpg").write_bytes(b"these are not pixels\n")
    whole = (root / "img-002.jpg").read_bytes()
    (root / "img-002.jpg").write_bytes(whole[: len(whole) // 2])
    data = html_data(path, "--images", root)
    thumbs = {t["image_file"]: t for t in data["thumbnails"]}
    assert set(thumbs) == {"img-000.jpg", "img-001.jpg", "img-002.jpg", "img-003.jpg", "img-004.jpg"}
    assert thumbs["img-004.jpg"]["problem"] == f"{root / 'img-004.jpg'} is empty (0 bytes)"
    assert thumbs["img-000.jpg"]["problem"] == f"no file at {root / 'img-000.jpg'}"
    assert thumbs["img-001.jpg"]["problem"] == "not an image Pillow can identify"
    assert thumbs["img-002.jpg"]["problem"].startswith("cannot be drawn (Pillow: ")
    assert "truncated" in thumbs["img-002.jpg"]["problem"]
    for name in ("img-000.jpg", "img-001.jpg", "img-002.jpg"):
        assert thumbs[name]["src"] is None and thumbs[name]["boxes"]["total"] == 2
    assert {"image-missing", "category-out-of-range"} <= {r["rule"] for r in thumbs["img-000.jpg"]["rules"]}
    assert thumbs["img-003.jpg"]["src"] is not None


def test_hostile_file_names_stay_data(tmp_path):
    hostile = '</script><img src=x onerror="window.pwned=1">.jpg'
    root, path = labelled_images(tmp_path, 2, bad={0, 1})
    document = json.loads(path.read_text("utf-8"))
    document["images"][0]["file_name"] = hostile  # no such file: its placeholder names it
    path.write_text(json.dumps(document), encoding="utf-8")
    result = run_cli("scan", path, "--num-classes", "2", "--images", root, "--format", "html")
    data_element = result.stdout.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data_element and ">" not in data_element
    thumbs = {t["image_file"]: t for t in html_report_data(result.stdout)["thumbnails"]}
    assert thumbs[hostile]["problem"] == f"no file at {root / hostile}"


def test_without_images_there_are_no_thumbnails(tmp_path):
    root, path = labelled_images(tmp_path, 3, bad={0})
    assert html_data(path)["thumbnails"] is None
    assert labelcheck.scan(str(path), CONTRACT).thumbnails is None
    json_result = run_cli("scan", path, "--num-classes", "2", "--images", root, "--format", "json")
    assert "thumbnails" not in json_result.stdout  # only the HTML report asks for them


def test_the_library_pictures_on_request(tmp_path):
    root, path = labelled_images(tmp_path, 5, bad={0, 2, 3})
    report = labelcheck.scan(str(path), CONTRACT, images=str(root), thumbnails=2)
    assert [t.image_file for t in report.thumbnails] == ["img-000.jpg", "img-002.jpg"]
    first = report.thumbnails[0]
    assert first.severity == "error" and first.rules["category-out-of-range"][1] == 1
    assert first.marked.tolist() == [True, False]  # the box with a finding first
    assert first.boxes.tolist() == [BAD_BOX, SOUND_BOX]
    assert first.drawn.jpeg.startswith(b"\xff\xd8") and first.drawn.problem is None
    assert labelcheck.scan(str(path), CONTRACT, images=str(root)).thumbnails is None
    assert labelcheck.scan(str(path), CONTRACT, images=str(root), thumbnails=5).thumbnails[2].image_row == 3
    with pytest.raises(labelcheck.UsageError, match="pass images="):
        labelcheck.scan(str(path), CONTRACT, thumbnails=2)
    with pytest.raises(labelcheck.UsageError, match="0 or more"):
        labelcheck.scan(str(path), CONTRACT, images=str(root), thumbnails=-1)


def test_boxes_are_found_anywhere_in_the_file_and_capped(tmp_path, write_json):
    """An image's boxes before another image's and after, its bad one last: all counted, the bad one drawn."""
    root, path = labelled_images(tmp_path, 3)
    document = json.loads(path.read_text("utf-8"))
    document["annotations"] += [{"id": 1000 + number, "image_id": 2, "category_id": 0,
                                 "bbox": [number % 100, 5 + number // 100 * 20, 10, 10], "area": 100, "iscrowd": 0}
                                for number in range(250)]
    document["annotations"].append({"id": 9999, "image_id": 2, "category_id": 5, "bbox": BAD_BOX, "area": 1200,
                                    "iscrowd": 0})
    report = labelcheck.scan(str(write_json(document)), CONTRACT, images=str(root), thumbnails=4)
    (thumb,) = report.thumbnails
    assert thumb.image_file == "img-001.jpg"
    assert (thumb.box_count, thumb.marked_count) == (252, 1)
    assert len(thumb.boxes) == gallery.MAX_BOXES and thumb.marked.tolist() == [True] + [False] * 99
    assert thumb.boxes[0].tolist() == BAD_BOX and thumb.boxes[1].tolist() == SOUND_BOX  # then in file order


def test_from_standard_input(tmp_path):
    root, path = labelled_images(tmp_path, 4, bad={3})
    data = html_data("-", "--images", root, input=path.read_bytes())
    assert [t["image_file"] for t in data["thumbnails"]] == ["img-003.jpg"]
    assert data["thumbnails"][0]["boxes"]["marked"] == 1


def test_a_file_read_again_another_way_pictures_each_image_once(tmp_path):
    """A key repeated after the annotations: the single pass gives up and the file is read again."""
    root, path = labelled_images(tmp_path, 3, bad={1})
    text = path.read_text("utf-8")
    document = json.loads(text)
    again = text[:-1] + ', "images": ' + json.dumps(document["images"]) + "}"
    path.write_text(again, encoding="utf-8")
    report = labelcheck.scan(str(path), CONTRACT, images=str(root), thumbnails=24)
    assert [t.image_file for t in report.thumbnails] == ["img-001.jpg"]
    assert report.thumbnails[0].box_count == 2


def test_without_a_temporary_folder_the_images_are_drawn_without_boxes(tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise OSError(28, "No space left on device")

    root, path = labelled_images(tmp_path, 2, bad={0})
    monkeypatch.setattr(gallery.tempfile, "TemporaryFile", refused)
    report = labelcheck.scan(str(path), CONTRACT, images=str(root), thumbnails=24)
    (thumb,) = report.thumbnails
    assert thumb.boxes_problem == "no temporary file for them (No space left on device)"
    assert thumb.drawn.jpeg is not None and len(thumb.boxes) == 0


def test_choose_takes_one_of_each_rule_a_round_errors_first():
    def candidate(order, *buckets):
        made = gallery.Thumbnail("f.json", order, order, f"{order}.jpg", order=order)
        made.buckets = list(buckets)
        return made

    error, warning = (-3, "category-out-of-range"), (-2, "tiny-box")
    pool = [candidate(0, error), candidate(1, error), candidate(2, warning), candidate(3, error, warning),
            candidate(4, warning)]
    assert [c.order for c in gallery.choose(pool, 4)] == [0, 2, 1, 3]
    assert [c.order for c in gallery.choose(pool, 10)] == [0, 2, 1, 3, 4]
    assert gallery.choose(pool, 0) == []


def test_a_plain_scan_does_not_import_pillow():
    code = ("import sys, labelcheck\n"
            "import labelcheck.reporters.html\n"
            "labelcheck.scan('fixtures/openimages-mlperf-bad.json')\n"
            "print('PIL' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "False"


def test_the_readme_audit_command_pictures_every_image_with_findings_in_the_fixture_folder(tmp_path):
    readme = (ROOT / "README.md").read_text("utf-8")
    command = re.search(r"^    labelcheck (scan fixtures/images-train\.json .* --format html .*)$", readme, flags=re.M)
    args = [str(ROOT / a) if a.startswith("fixtures/") else a for a in shlex.split(command.group(1))]
    args[args.index("-o") + 1] = str(tmp_path / "report.html")
    assert run_cli(*args).exit_code == 1
    data = html_report_data((tmp_path / "report.html").read_text("utf-8"))
    pictured = {(data["files"][t["file"]]["file"], t["path"]) for t in data["thumbnails"]}
    plain = args[: args.index("--format")]  # the same scan as JSON: every finding, to count the images it names
    expected = set()
    for finding in json_report(run_cli(*plain, "--format", "json"))["findings"]:
        image = re.match(r"\$\.images\[\d+\]", finding["path"])
        if image:
            expected.add((finding["file"], image.group(0)))
        elif "image_file" in finding:  # an annotation's: its image by id
            ids = [entry["id"] for entry in json.loads(Path(finding["file"]).read_text("utf-8"))["images"]]
            expected.add((finding["file"], f"$.images[{ids.index(finding['image_id'])}]"))
    assert pictured == expected and 0 < len(expected) <= gallery.THUMBNAILS
    drawn = [t for t in data["thumbnails"] if t["src"] is not None]
    assert drawn and len(drawn) < len(data["thumbnails"])  # the fixture's broken files are placeholders
    assert all(t["width"] == 192 for t in drawn)  # 64x48 images, enlarged 3x
