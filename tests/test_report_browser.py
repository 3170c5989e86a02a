"""The HTML report in a real browser: headless Chromium (the system's; ``.ci/run`` installs it).

Each shipped fixture's report, two files scanned together, a generated
1M-annotation file, a file of hostile names and a report with thumbnails
(``--images``) are opened: nothing may be written to the console, no request
may leave the page, the class chart and the findings table must have the right
number of bars and rows, filtering by rule must work, the thumbnails must load,
and a screenshot must show something. These run in CI, not skipped.
"""

from __future__ import annotations

import io
import json

import pytest
from browser import browser, visit
from ci_support import html_report_data
from PIL import Image

from labelcheck.reporters.html import FINDINGS_PER_RULE
from labelcheck.scanning.gallery import THUMBNAILS
from conftest import FIXTURES, load_benchmark, run_cli
from imagekit import labelled_images

HOSTILE = '</script><script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


@pytest.fixture(scope="module")
def chromium():
    with browser() as context:
        yield context


def write_report(paths, target, *options):
    result = run_cli("scan", *map(str, paths), "--format", "html", "-o", str(target), *options)
    assert result.exit_code in (0, 1), result.stderr
    return html_report_data(target.read_text("utf-8"))


def open_clean(chromium, target):
    """The page, after checking that it wrote nothing to the console, raised nothing and requested nothing."""
    seen = visit(chromium, target)
    assert (seen.console, seen.errors, seen.requests) == ([], [], [])
    return seen.page


def expected_rows(data, file=0):
    counts = {}
    for row in data["files"][file]["by_rule"]:
        counts[row["rule"]] = counts.get(row["rule"], 0) + row["count"]
    return {rule: min(count, FINDINGS_PER_RULE) for rule, count in counts.items()}


def visible_rows(page):
    return page.locator("#findings-table tbody tr:not([hidden])")


def assert_not_blank(page):
    image = Image.open(io.BytesIO(page.screenshot(full_page=False))).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    white = next((count for count, colour in colours if colour == (255, 255, 255)), 0)
    assert len(colours) > 20 and white < 0.97 * image.width * image.height


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.json")), ids=lambda path: path.name)
def test_each_fixture_report(chromium, tmp_path, fixture):
    data = write_report([fixture], tmp_path / "report.html")
    page = open_clean(chromium, tmp_path / "report.html")
    assert page.locator("svg.class-chart").count() == 1
    assert page.locator('.panel[data-file="0"] svg.class-chart rect.bar').count() == 264
    assert page.locator("svg.histogram").count() == 5
    rows = expected_rows(data)
    assert visible_rows(page).count() == sum(rows.values())
    for rule in sorted(rows):
        page.select_option("#filter-rule", value=json.dumps(rule))
        assert visible_rows(page).count() == rows[rule]
        assert set(visible_rows(page).locator("td:nth-child(2)").all_inner_texts()) <= {rule}
    page.select_option("#filter-rule", value="")
    assert visible_rows(page).count() == sum(rows.values())
    verdict = page.locator("#verdict strong").inner_text()
    assert verdict == ("FAILED" if data["verdict"]["failed"] else "PASSED")
    assert page.locator("#thumbnails").count() == 0  # no --images: no section
    assert_not_blank(page)


def test_train_and_validation_side_by_side(chromium, tmp_path):
    files = [FIXTURES / "openimages-mlperf-clean.json", FIXTURES / "openimages-mlperf-1based.json"]
    data = write_report(files, tmp_path / "report.html")
    page = open_clean(chromium, tmp_path / "report.html")
    for file in (0, 1):
        assert page.locator(f'.panel[data-file="{file}"] svg.class-chart rect.bar').count() == 264
    # The 1-based file's 264s reach no column: drawn outside the head.
    assert page.locator('.panel[data-file="1"] .outside-id').count() == 1
    unused = data["files"][0]["statistics"]["classes"]["annotations_per_column"].count(0)
    unused += 264 - len(data["files"][0]["statistics"]["classes"]["annotations_per_column"])
    assert page.locator('.panel[data-file="0"] rect.unused').count() == unused
    page.select_option("#filter-file", value="1")
    assert visible_rows(page).count() == sum(expected_rows(data, 1).values())


def test_a_generated_million_annotations(chromium, tmp_path_factory):
    folder = tmp_path_factory.mktemp("million")
    path = folder / "openimages-mlperf-1000000.json"
    load_benchmark().generate(path, 1_000_000)
    target = folder / "report.html"
    data = write_report([path], target)
    assert target.stat().st_size < 5 * 2**20
    page = open_clean(chromium, target)
    assert page.locator('.panel[data-file="0"] svg.class-chart rect.bar').count() == 264
    assert visible_rows(page).count() == sum(expected_rows(data).values()) == 2 * FINDINGS_PER_RULE
    page.select_option("#filter-rule", value=json.dumps("undefined-category"))
    assert visible_rows(page).count() == FINDINGS_PER_RULE
    assert_not_blank(page)


def test_hostile_names_are_shown_as_text(chromium, tmp_path):
    names = [HOSTILE, "\x1b[31mred\u202e & <b>bold</b>", "x" * 5000]
    classes = tmp_path / "classes.txt"
    classes.write_text("\n".join(name.replace("\x1b", "") for name in names) + "\n", encoding="utf-8")
    document = {
        "categories": [{"id": i, "name": name} for i, name in enumerate(names)],
        "images": [{"id": 1, "file_name": HOSTILE + ".jpg", "width": 10, "height": 10}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0},
                        {"id": 2, "image_id": 1, "category_id": 0, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}],
    }
    path = tmp_path / "<b onclick=x>labels.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    write_report([path], tmp_path / "report.html", "--classes", str(classes))
    page = open_clean(chromium, tmp_path / "report.html")  # a blocked script would log a CSP violation
    assert page.evaluate("() => [window.pwned, document.scripts.length, document.images.length]") == [None, 2, 0]
    assert page.locator("b").count() == 0
    table = page.locator("#findings-table").inner_text()
    assert HOSTILE + ".jpg" in table and str(path) in page.locator("#files").inner_text()
    titles = page.locator('.panel[data-file="0"] g.column title').all_text_contents()
    assert any(json.dumps(HOSTILE) in title for title in titles)
    assert_not_blank(page)


def test_a_report_with_thumbnails(chromium, tmp_path):
    root, path = labelled_images(tmp_path, 30, bad=set(range(28)), outside={28, 29})
    document = json.loads(path.read_text("utf-8"))
    document["images"][0]["file_name"] = HOSTILE + ".jpg"  # no such file: a placeholder that names it
    path.write_text(json.dumps(document), encoding="utf-8")
    (root / "img-003.jpg").write_bytes(b"not pixels")  # an image that cannot be decoded: a placeholder too
    target = tmp_path / "report.html"
    data = write_report([path], target, "--num-classes", "2", "--images", str(root))
    assert len(data["thumbnails"]) == THUMBNAILS
    page = open_clean(chromium, target)  # the images are data: URLs, allowed by the policy, fetched from nowhere
    tiles = page.locator("#thumbnails figure.thumb")
    assert tiles.count() == THUMBNAILS
    assert page.locator("#thumbnails .placeholder").count() == 2
    loaded = page.evaluate("() => Array.from(document.querySelectorAll('#thumbnails img'), "
                           "image => [image.complete, image.naturalWidth, image.naturalHeight])")
    assert len(loaded) == THUMBNAILS - 2 and all(loaded_ == [True, 160, 120] for loaded_ in loaded)
    assert page.evaluate("() => [window.pwned, document.scripts.length, document.images.length]") == [
        None, 2, THUMBNAILS - 2]
    first = tiles.first.inner_text()  # the first image found with an error comes first
    assert HOSTILE + ".jpg" in first and "category-out-of-range" in first and "no file at" in first
    assert page.locator("#thumbnails .legend .swatch.marked").count() == 1
    assert page.locator("#thumbnails figure.thumb.edge-warning").count() == 2  # the two warnings among them
    page.emulate_media(media="print")
    assert page.locator("#thumbnails img").first.is_visible()
    assert_not_blank(page)


def test_the_harness_sees_requests_console_errors_and_blank_pages(chromium, tmp_path):
    """The checks above can fail: a page that fetches, logs an error and shows nothing is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
                    '<script>console.error("boom")</script></body></html>', encoding="utf-8")
    seen = visit(chromium, page)
    assert seen.requests == ["http://127.0.0.1:9/x.png"]
    assert "error: boom" in seen.console
    with pytest.raises(AssertionError):
        assert_not_blank(seen.page)


def test_a_head_of_many_columns_is_drawn_in_ranges(chromium, write_json, tmp_path):
    document = {"categories": [{"id": 4321, "name": "far"}], "images": [{"id": 1, "file_name": "a.jpg"}],
                "annotations": [{"id": 1, "image_id": 1, "category_id": 4321, "bbox": [1, 1, 2, 2], "area": 4,
                                 "iscrowd": 0}]}
    write_report([write_json(document)], tmp_path / "report.html", "--num-classes", "5000")
    page = open_clean(chromium, tmp_path / "report.html")
    bars = page.locator('.panel[data-file="0"] svg.class-chart rect.bar')
    assert bars.count() == 1000  # 5 columns a bar
    assert page.locator('.panel[data-file="0"] g.column[data-column="4320"] title').text_content().startswith(
        "columns 4320-4324: 1 annotation")
