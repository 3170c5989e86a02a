"""Loader profiles: each index rule, drop and error, built from the quoted source lines.

Each test names the file and line of the framework it reproduces (the snapshots
in ../shared/reference/LOADERS.md). Where pycocotools is the code the loader
runs (getCatIds' order, getAnnIds on a missing iscrowd, loadAnns on repeated
ids, frPyObjects on bad polygons), the test calls it; the frameworks that do
not install here are reproduced from the quoted lines.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO

import labelcheck
from labelcheck.rules import STATISTICS_RULES
from labelcheck import resolve_contract
from labelcheck.core.columns import mask_outcome, polygon_outcome
from labelcheck.core.contract import COCO91_TO_80, Mapping, coco80_class_names, coco91_class_names, declared_columns
from labelcheck.core.dataset import Category, MaskOutcome, PolygonOutcome
from labelcheck.loaders import LOADERS, PRESETS

IMAGE = {"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}


def annotation(number, category=1, bbox=(10, 10, 50, 40), **extra):
    return {"id": number, "image_id": 1, "category_id": category, "bbox": list(bbox), "area": 2000, "iscrowd": 0,
            "segmentation": [[10, 10, 60, 10, 60, 50, 10, 50]], **extra}


def document(annotations, categories=((1, "cat"), (2, "dog")), images=(IMAGE,)):
    return {"images": list(images), "categories": [{"id": i, "name": n} for i, n in categories],
            "annotations": list(annotations)}


def findings(write_json, doc, loader=None, **contract):
    """The findings under the loader's contract; the dataset-statistics rules, which fire on any tiny sample, left out."""
    path = write_json(doc)
    contract = resolve_contract(loader=loader, **contract) if loader or contract else None
    return labelcheck.scan(str(path), contract, policy=labelcheck.Policy(ignore=STATISTICS_RULES)).findings


def loader_findings(write_json, doc, loader, **contract):
    """(rule, reason, path) of the three loader rules."""
    rules = {"crashes-loader", "relabelled-by-loader", "dropped-by-loader"}
    return sorted((f.rule, f.reason, f.path) for f in findings(write_json, doc, loader, **contract) if f.rule in rules)


def test_the_registry_has_the_issue_s_profiles_and_presets():
    assert list(LOADERS) == ["mlperf", "torchvision", "torchvision-v2", "detectron2", "mmdet", "yolox", "dali",
                             "hf-detr", "ultralytics-convert"]
    assert list(PRESETS) == ["mlperf-retinanet", "torchvision-coco", "detectron2-coco", "mmdet-coco", "yolox-coco"]
    assert [PRESETS[name].contract().num_classes for name in PRESETS] == [264, 91, 80, 80, 80]


def test_coco_class_lists_match_torchvision_and_ultralytics():
    # torchvision/models/_meta.py L1011: 91 entries, 0 background, "N/A" at the 10 unused ids.
    coco91 = coco91_class_names()
    assert len(coco91) == 91 and coco91[0] == "__background__"
    assert [i for i, name in enumerate(coco91) if name == "N/A"] == [12, 26, 29, 30, 45, 66, 68, 69, 71, 83]
    assert coco80_class_names() == tuple(name for name in coco91[1:] if name != "N/A")
    # ultralytics converter.py L39 ff.: 91 entries, None for 12, 26, 29, 30, 45, 66, 68, 69, 71, 83 and 91.
    assert len(COCO91_TO_80) == 91
    assert [i + 1 for i, column in enumerate(COCO91_TO_80) if column is None] == [12, 26, 29, 30, 45, 66, 68, 69, 71,
                                                                                   83, 91]
    assert [column for column in COCO91_TO_80 if column is not None] == list(range(80))
    assert all(coco80_class_names()[COCO91_TO_80[i - 1]] == coco91[i] for i in range(1, 91) if coco91[i] != "N/A")


def _categories(pairs):
    return [Category(position, number, name, True, True) for position, (number, name) in enumerate(pairs)]


def test_mmdet_numbers_by_pycocotools_file_order_filtered_by_name(tmp_path):
    """mmdet/datasets/coco.py L70-72: cat_ids = get_cat_ids(cat_names=classes); cat2label = {id: i}."""
    pairs = [(5, "b"), (3, "a"), (9, "z"), (7, "c")]
    classes = ("a", "b", "c")
    path = tmp_path / "cats.json"
    path.write_text(json.dumps(document([], categories=pairs)))
    coco = COCO(str(path))
    cat_ids = coco.getCatIds(catNms=list(classes))  # pycocotools keeps file order: [5, 3, 7]
    assert cat_ids == [5, 3, 7]
    expected = {cat_id: i for i, cat_id in enumerate(cat_ids)}
    contract = resolve_contract(loader="mmdet", classes=classes)
    assert {k: v for k, v in declared_columns(contract, _categories(pairs)).items() if v is not None} == expected
    assert declared_columns(contract, _categories(pairs))[9] is None  # 'z' is not listed: skipped (L148)


def test_detectron2_and_yolox_number_by_the_sorted_ids(tmp_path):
    """detectron2 data/datasets/coco.py L81, L102; YOLOX coco.py L67, L112: sorted(getCatIds()).index(id)."""
    pairs = [(5, "b"), (3, "a"), (9, "z")]
    path = tmp_path / "cats.json"
    path.write_text(json.dumps(document([], categories=pairs)))
    class_ids = sorted(COCO(str(path)).getCatIds())
    for loader in ("detectron2", "yolox"):
        columns = declared_columns(resolve_contract(loader=loader, num_classes=3), _categories(pairs))
        assert columns == {cat_id: class_ids.index(cat_id) for cat_id in class_ids}


def test_dali_numbers_one_plus_the_file_position_first_declaration_keeps_it():
    """coco_loader.cc ParseCategories: new_id = 1; category_ids.emplace(id, new_id); new_id++."""
    columns = declared_columns(resolve_contract(loader="dali", num_classes=5), _categories([(9, "a"), (2, "b"),
                                                                                             (9, "c"), (4, "d")]))
    assert columns == {9: 1, 2: 2, 4: 4}


def test_ultralytics_convert_maps_coco91_to_80():
    """converter.py L323: coco91_to_coco80_class()[category_id - 1]."""
    columns = declared_columns(resolve_contract(loader="ultralytics-convert"), _categories([(1, "person"),
                                                                                             (13, "stop sign"),
                                                                                             (12, "N/A")]))
    assert columns == {1: 0, 13: 11, 12: None}


# pycocotools' frPyObjects (mask.py), called as torchvision's convert_coco_poly_to_mask does (coco_utils.py L68).
SEGMENTATIONS = [
    [], [[]], [[1, 2, 3]], [[1, 2, 3, 4]], [[1, 2, 3, 4, 5]], [[1, 2, 3, 4, 5, 6]], [[1, 2, 3, 4, 5, 6], [1, 2]],
    [1, 2, 3, 4, 5, 6], {"counts": [10, 90], "size": [10, 10]}, {"counts": "PPYo0", "size": [10, 10]}, None, 5,
    "abc", [{"counts": [100], "size": [10, 10]}], [[1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]],
]
RAISES = {IndexError: MaskOutcome.INDEX_ERROR, ValueError: MaskOutcome.COMPRESSED_RLE}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pycocotools and numpy 2
@pytest.mark.parametrize("segmentation", SEGMENTATIONS, ids=repr)
def test_mask_outcome_is_what_pycocotools_does(segmentation):
    try:
        coco_mask.decode(coco_mask.frPyObjects(segmentation, 10, 10))
    except TypeError as error:
        expected = MaskOutcome.BBOX_TYPE_ERROR if "'bb'" in str(error) else MaskOutcome.NO_LENGTH
    except Exception as error:  # noqa: BLE001 - pycocotools raises a bare Exception for unsupported input
        expected = RAISES.get(type(error), MaskOutcome.UNSUPPORTED)
        assert type(error) in RAISES or str(error) == "input type is not supported."
    else:
        expected = MaskOutcome.OK
    assert mask_outcome(segmentation) == expected


@pytest.mark.parametrize("segmentation, outcome", [
    ([[1, 2, 3, 4, 5, 6]], PolygonOutcome.KEPT),  # even, >= 6
    ([[1, 2, 3, 4, 5]], PolygonOutcome.DROPPED),  # odd
    ([[1, 2, 3, 4]], PolygonOutcome.DROPPED),  # < 6
    ([[1, 2, 3, 4], [1, 2, 3, 4, 5, 6]], PolygonOutcome.KEPT),  # one valid polygon is enough
    ([], PolygonOutcome.KEPT), (None, PolygonOutcome.KEPT),  # `if segm:` skips the filter
    ({"counts": "x", "size": [1, 1]}, PolygonOutcome.KEPT),  # an RLE dict
    ([1, 2, 3, 4, 5, 6], PolygonOutcome.TYPE_ERROR),  # len() of a number
])
def test_polygon_outcome_is_detectron2_s_filter(segmentation, outcome):
    """detectron2 data/datasets/coco.py L185-197, run here as written."""
    def detectron2(segm):
        if segm:
            if not isinstance(segm, dict):
                segm = [poly for poly in segm if len(poly) % 2 == 0 and len(poly) >= 6]
                if len(segm) == 0:
                    return PolygonOutcome.DROPPED
        return PolygonOutcome.KEPT

    try:
        assert detectron2(segmentation) == outcome
    except TypeError:
        assert outcome == PolygonOutcome.TYPE_ERROR
    assert polygon_outcome(segmentation) == outcome


def test_torchvision_crashes_on_the_polygons_pycocotools_cannot_rasterise(write_json):
    doc = document([annotation(1, segmentation=[]), annotation(2, segmentation=[[1, 2, 3, 4]]),
                    annotation(3, segmentation=[[]]), annotation(4, segmentation=[], iscrowd=1), annotation(5)])
    assert loader_findings(write_json, doc, "torchvision") == [
        ("crashes-loader", "mask-bbox-type-error", "$.annotations[1]"),
        ("crashes-loader", "mask-index-error", "$.annotations[0]"),
        ("crashes-loader", "mask-unsupported", "$.annotations[2]"),
        ("dropped-by-loader", "crowd", "$.annotations[3]"),  # crowd first (L56): its mask is never built
    ]
    messages = {f.reason: f.message for f in findings(write_json, doc, "torchvision") if f.rule == "crashes-loader"}
    assert "IndexError: list index out of range" in messages["mask-index-error"]
    assert "Exception: input type is not supported." in messages["mask-unsupported"]
    # detectron2 never rasterises box-only: [] is skipped, [[1, 2, 3, 4]] drops the instance (L185-197).
    assert ("dropped-by-loader", "no-valid-polygon", "$.annotations[1]") in loader_findings(write_json, doc,
                                                                                             "detectron2")


def test_torchvision_id_zero_is_background_and_v1_clamps_what_v2_drops(write_json):
    """coco_utils.py L58-63, L79 (V1: clamp, keep x2 > x1); SanitizeBoundingBoxes (V2: no clamp)."""
    doc = document([annotation(1, category=0), annotation(2, bbox=(630, 10, 30, 40)),
                    annotation(3, bbox=(700, 10, 30, 40)), annotation(4)], categories=((0, "bg"), (1, "cat")))
    assert loader_findings(write_json, doc, "torchvision") == [
        ("dropped-by-loader", "empty-after-clamp", "$.annotations[2]"),  # starts past x = 640: empty once clamped
        ("relabelled-by-loader", "background", "$.annotations[0].category_id"),
    ]
    assert loader_findings(write_json, doc, "torchvision-v2") == [
        ("dropped-by-loader", "sanitized", "$.annotations[1]"),  # overhangs: dropped, not clamped
        ("dropped-by-loader", "sanitized", "$.annotations[2]"),
        ("relabelled-by-loader", "background", "$.annotations[0].category_id"),
    ]


def test_torchvision_drops_images_without_annotations_or_with_only_tiny_boxes(write_json):
    """coco_utils.py L103-139, L105: any(o <= 1 for o in obj["bbox"][2:]) for every annotation, crowd included."""
    images = [IMAGE, {**IMAGE, "id": 2}, {**IMAGE, "id": 3}, {**IMAGE, "id": 4}]
    doc = document([annotation(1, bbox=(1, 1, 1, 30), image_id=2), annotation(2, image_id=3, iscrowd=1),
                    annotation(3, image_id=4)], images=images)
    found = loader_findings(write_json, doc, "torchvision")
    assert ("dropped-by-loader", "no-annotations", "$.images[0]") in found
    assert ("dropped-by-loader", "only-tiny-boxes", "$.images[1]") in found
    assert not any(path == "$.images[2]" for *_, path in found)  # a crowd-only image is kept (inference)


def test_detectron2_asserts_on_ignore_and_repeated_ids_and_raises_for_undeclared(write_json):
    """data/datasets/coco.py L176, L140-147, L211-219."""
    doc = document([annotation(1, ignore=1), annotation(2, category=7), annotation(3), annotation(3)])
    found = findings(write_json, doc, "detectron2", num_classes=2)
    crashes = {f.reason: f.message for f in found if f.rule == "crashes-loader"}
    assert crashes["ignore"] == ('detectron2 raises AssertionError: "ignore" in COCO json file is not supported. '
                                 "(data/datasets/coco.py L176)")
    assert ("KeyError: \"Encountered category_id=7 but this id does not exist in 'categories' of the json file.\""
            in crashes["undeclared-category"])
    assert "Annotation ids in" in crashes["duplicate-ids"] and "are not unique!" in crashes["duplicate-ids"]
    assert "1 annotation reuses an earlier annotation's id (first: id 3 at $.annotations[3])" in crashes[
        "duplicate-ids"]


def test_detectron2_label_equal_to_num_classes_is_background(write_json):
    """fast_rcnn.py L236, roi_heads.py L204-210: background is column NUM_CLASSES (inference)."""
    doc = document([annotation(1, category=0), annotation(2, category=3)],
                   categories=((0, "pieces"), (1, "a"), (2, "b"), (3, "c")))
    found = findings(write_json, doc, "detectron2", num_classes=3)
    assert [(f.rule, f.path) for f in found if f.rule in ("relabelled-by-loader", "category-out-of-range")] == [
        ("relabelled-by-loader", "$.annotations[1].category_id")]
    with_room = findings(write_json, doc, "detectron2", num_classes=4)
    assert not [f for f in with_room if f.rule == "relabelled-by-loader"]


def test_detectron2_drops_images_with_no_usable_annotation(write_json):
    """data/build.py L46-74: an image is kept only with some annotation whose iscrowd == 0 (after loading)."""
    images = [IMAGE, {**IMAGE, "id": 2}, {**IMAGE, "id": 3}]
    doc = document([annotation(1, iscrowd=1), annotation(2, image_id=2, segmentation=[[1, 2, 3, 4]]),
                    annotation(3, image_id=3)], images=images)
    found = loader_findings(write_json, doc, "detectron2")
    assert [path for rule, reason, path in found if reason == "no-usable-annotation"] == ["$.images[0]",
                                                                                           "$.images[1]"]


def test_mmdet_drops_in_parse_data_info_order_and_filters_images(write_json):
    """mmdet/datasets/coco.py L139 (ignore), L142-144 (no overlap), L146 (area, w, h), L152-155 (crowd),
    filter_data L166-201 with min_size=32 on the image."""
    small = {"id": 2, "file_name": "s.jpg", "width": 31, "height": 400}
    doc = document([annotation(1, ignore=1, iscrowd=1), annotation(2, bbox=(650, 10, 30, 30)),
                    annotation(3, bbox=(10, 10, 0.5, 30)), annotation(4, area=0), annotation(5, iscrowd=1),
                    annotation(6), annotation(7, image_id=2)], images=[IMAGE, small])
    assert loader_findings(write_json, doc, "mmdet", num_classes=2) == [
        ("dropped-by-loader", "crowd", "$.annotations[4]"),
        ("dropped-by-loader", "ignore", "$.annotations[0]"),
        ("dropped-by-loader", "outside-image", "$.annotations[1]"),
        ("dropped-by-loader", "small-box", "$.annotations[2]"),
        ("dropped-by-loader", "small-box", "$.annotations[3]"),
        ("dropped-by-loader", "small-image", "$.images[1]"),
    ]


def test_mmdet_leaves_out_unlisted_names_and_their_only_images(write_json):
    """coco.py L148 (category not in cat_ids) and filter_empty_gt over the raw catToImgs."""
    images = [IMAGE, {**IMAGE, "id": 2}]
    doc = document([annotation(1, category=2), annotation(2, category=1, image_id=2)],
                   categories=((1, "cat"), (2, "fish")), images=images)
    found = findings(write_json, doc, "mmdet", classes=("cat",))
    assert [(f.rule, f.path) for f in found if f.rule == "category-out-of-range"] == [
        ("category-out-of-range", "$.annotations[0].category_id")]
    assert "MMDetection leaves it out silently" in next(f.message for f in found if f.rule == "category-out-of-range")
    assert [(f.reason, f.path) for f in found if f.rule == "dropped-by-loader"] == [("no-listed-class", "$.images[0]")]


def test_mmdet_and_dali_relabel_categories_written_out_of_the_class_list_s_order(write_json):
    doc = document([annotation(1, category=1), annotation(2, category=2)], categories=((1, "dog"), (2, "cat")))
    found = findings(write_json, doc, "mmdet", classes=("cat", "dog"))
    relabelled = [f for f in found if f.rule == "relabelled-by-loader"]
    assert [f.path for f in relabelled] == ["$.categories[0]", "$.categories[1]"]
    assert "category 1 'dog' gets label 0, which the model calls 'cat'" in relabelled[0].message
    assert not [f for f in found if f.rule == "class-name-mismatch"]  # reported once, by the loader rule
    assert not [f for f in findings(write_json, doc, "mmdet", classes=("dog", "cat")) if f.rule != "unused-category"]
    # detectron2 sorts by id: the same class list is a plain name mismatch there, not a file-order relabel.
    sorted_found = findings(write_json, doc, "detectron2", classes=("cat", "dog"))
    assert {f.rule for f in sorted_found} == {"class-name-mismatch"}
    dali = findings(write_json, doc, "dali", classes=("background", "cat", "dog"))
    assert [f.path for f in dali if f.rule == "relabelled-by-loader"] == ["$.categories[0]", "$.categories[1]"]


def test_file_order_without_class_names_is_one_finding_when_not_in_id_order(write_json):
    doc = document([annotation(1)], categories=((2, "dog"), (1, "cat")))
    found = [f for f in findings(write_json, doc, "mmdet", num_classes=2) if f.rule == "relabelled-by-loader"]
    assert [(f.reason, f.path) for f in found] == [("file-order", "$.categories")]


def test_dali_undeclared_id_becomes_the_background(write_json):
    """coco_loader.cc ParseJsonAnnotations: category_ids[annotation.category_id_] (std::map, inference)."""
    doc = document([annotation(1, category=7), annotation(2, bbox=(1, 1, 0.05, 30)), annotation(3)])
    found = findings(write_json, doc, "dali", num_classes=3)
    assert [(f.rule, f.reason, f.path) for f in found if f.rule.endswith("-loader")] == [
        ("relabelled-by-loader", "background", "$.annotations[0].category_id"),
        ("dropped-by-loader", "too-small", "$.annotations[1]"),
    ]
    relabelled = next(f for f in found if f.rule == "relabelled-by-loader")
    assert "category_id 7 is not declared in categories: DALI gives it label 0, the background" in relabelled.message


def test_dali_raises_on_a_category_without_id_and_a_bbox_of_three(write_json):
    doc = document([annotation(1, bbox=(1, 2, 3))])
    doc["categories"].append({"name": "no id"})
    found = findings(write_json, doc, "dali", num_classes=4)
    assert sorted((f.reason, f.path) for f in found if f.rule == "crashes-loader") == [
        ("bbox-not-four", "$.annotations[0]"), ("category-without-id", "$.categories[2]")]


def test_yolox_needs_iscrowd_like_pycocotools_get_ann_ids_and_raises_for_undeclared(write_json, tmp_path):
    """pycocotools coco.py L149-150: getAnnIds(iscrowd=False) reads ann['iscrowd']; YOLOX coco.py L96, L112."""
    doc = document([{k: v for k, v in annotation(1).items() if k != "iscrowd"}, annotation(2, category=9)])
    path = tmp_path / "yolox.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyError, match="iscrowd"):
        COCO(str(path)).getAnnIds(imgIds=[1], iscrowd=False)
    found = findings(write_json, doc, "yolox")
    assert [f.message for f in found if f.rule == "missing-field"] == [
        "annotation lacks 'iscrowd'; YOLOX reads it unconditionally"]
    assert [f.message for f in found if f.rule == "crashes-loader"] == [
        "YOLOX raises ValueError: 9 is not in list (self.class_ids.index, coco.py L112)"]


def test_yolox_keeps_zero_width_boxes_and_drops_those_past_the_edge(write_json):
    """coco.py L100-104: x2 from the clamped x1; keep area > 0 and x2 >= x1 and y2 >= y1."""
    doc = document([annotation(1, bbox=(10, 10, 0, 30)), annotation(2, bbox=(700, 10, 30, 30)),
                    annotation(3, area=0), annotation(4, bbox=(-10, 10, 30, 30))])
    assert [(reason, path) for _, reason, path in loader_findings(write_json, doc, "yolox")] == [
        ("rejected-box", "$.annotations[1]"), ("rejected-box", "$.annotations[2]")]


def test_ultralytics_convert_raises_on_coco_ids_without_a_coco80_class(write_json):
    """converter.py L323 (coco91_to_coco80_class()[id - 1]), written at L369: TypeError for None; IndexError past 91."""
    doc = document([annotation(1, category=12), annotation(2, category=92), annotation(3, category=1),
                    annotation(4, category=1, image_id=9)], categories=((1, "person"), (12, "N/A"), (92, "x")))
    found = [(f.reason, f.path) for f in findings(write_json, doc, "ultralytics-convert") if f.rule == "crashes-loader"]
    assert sorted(found) == [("not-coco80", "$.annotations[0]"), ("orphan", "$.annotations[3]"),
                             ("past-coco91", "$.annotations[1]")]


def test_hf_detr_label_equal_to_num_labels_is_no_object(write_json):
    """modeling_detr.py L1317 (num_labels + 1 logits); loss L134-140: num_classes is no-object (inference)."""
    doc = document([annotation(1, category=2), annotation(2, category=1)], categories=((1, "a"), (2, "b")))
    found = findings(write_json, doc, "hf-detr", num_classes=2)
    assert [(f.rule, f.path) for f in found if f.rule in ("relabelled-by-loader", "category-out-of-range")] == [
        ("relabelled-by-loader", "$.annotations[0].category_id")]


@pytest.mark.parametrize("loader, outcome", [
    ("torchvision", "repeats"), ("mlperf", "repeats"), ("yolox", "repeats"),
    ("detectron2", "asserts"), ("mmdet", "asserts"),
])
def test_repeated_annotation_ids(write_json, tmp_path, loader, outcome):
    """pycocotools createIndex/loadAnns: anns[ann['id']] keeps the last, getAnnIds lists the id twice."""
    doc = document([annotation(7), annotation(7, bbox=(100, 100, 20, 20))])
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(doc))
    coco = COCO(str(path))
    assert coco.getAnnIds(imgIds=1) == [7, 7]
    assert [a["bbox"] for a in coco.loadAnns(coco.getAnnIds(imgIds=1))] == [[100, 100, 20, 20]] * 2
    found = {(f.rule, f.reason) for f in findings(write_json, doc, loader, num_classes=3)}
    rule = "relabelled-by-loader" if outcome == "repeats" else "crashes-loader"
    assert (rule, "duplicate-ids") in found
    assert ("relabelled-by-loader" if outcome == "asserts" else "crashes-loader", "duplicate-ids") not in found


def test_a_class_that_loses_all_its_annotations_is_called_out(write_json):
    doc = document([annotation(1, category=2, iscrowd=1), annotation(2, category=1)])
    found = [f for f in findings(write_json, doc, "torchvision", classes=("bg", "cat", "dog"))
             if f.reason == "class-lost"]
    assert [f.message for f in found] == [
        "class 2 'dog' loses its only annotation to torchvision's drops: the model never sees it"]


def test_profile_fields_drive_missing_field(write_json):
    """detectron2 never reads area (L160-163, L144, L212); torchvision reads segmentation (coco_utils.py L68)."""
    bare = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 20, 20]}
    doc = document([bare], images=[{"id": 1, "file_name": "a.jpg"}])
    by_loader = {loader: sorted(f.message for f in findings(write_json, doc, loader) if f.rule == "missing-field")
                 for loader in ("detectron2", "torchvision", "mlperf")}
    assert by_loader["detectron2"] == [
        "image lacks a numeric 'height', a numeric 'width'; detectron2 reads it unconditionally"]
    assert "annotation lacks 'area', 'iscrowd', 'segmentation'; torchvision reads it unconditionally" in by_loader[
        "torchvision"]
    assert by_loader["mlperf"] == ["annotation lacks 'area', 'iscrowd'; MLPerf RetinaNet reads it unconditionally"]


def test_the_default_contract_is_mlperf_s_loader_and_reports_as_before(write_json):
    contract = resolve_contract()
    assert (contract.preset, contract.loader, contract.mapping) == ("mlperf-retinanet", "mlperf", Mapping.RAW)
    doc = document([annotation(1, category=264), annotation(2, category=-1)],
                   categories=[(i, n) for i, n in enumerate(contract.class_names)])
    messages = [f.message for f in findings(write_json, doc) if f.rule == "category-out-of-range"]
    assert messages == [
        "category_id 264 >= num_classes 264: training crashes with 'index out of bounds'; valid columns are 0..263",
        "category_id -1 is negative: the loss counts it from the end and silently trains column 263; "
        "valid columns are 0..263",
    ]


def test_a_loader_plus_a_head_is_a_contract_and_contradictions_are_errors():
    assert resolve_contract(loader="detectron2", num_classes=3).mapping == Mapping.SORTED
    assert resolve_contract(loader="mmdet").num_classes == 80
    assert resolve_contract(loader="mmdet", classes=("a", "b")).num_classes == 2
    for kwargs, message in [({"loader": "hf-detr"}, "has no default head"),
                            ({"loader": "mmdet", "mapping": "sorted"}, "maps ids by file-order"),
                            ({"preset": "detectron2-coco", "loader": "mmdet"}, "contradicts loader='mmdet'"),
                            ({"loader": "nope"}, "unknown loader")]:
        with pytest.raises(labelcheck.ContractError, match=message):
            resolve_contract(**kwargs)


def test_one_pass_counts_are_the_scan_s_findings_for_each_contract():
    """labelcheck loaders counts, from masks, what scan reports finding by finding under the same contract."""
    from labelcheck.scanning.evaluation import loader_verdicts
    from conftest import FIXTURES

    for fixture in sorted(FIXTURES.glob("*.json")):
        for verdict in loader_verdicts(str(fixture))[0].verdicts:
            report = labelcheck.scan(str(fixture), verdict.contract)
            found = Counter((f.rule, f.reason) for f in report.findings)
            counted = Counter()
            for tallies in verdict.tallies.values():
                for (rule, reason), tally in tallies.items():
                    counted[rule, reason if rule in ("crashes-loader", "relabelled-by-loader",
                                                     "dropped-by-loader") else None] += tally.count
            expected = Counter({key: count for key, count in found.items()
                                if key[0] in {"missing-field", "crashes-loader", "category-out-of-range",
                                              "relabelled-by-loader", "dropped-by-loader", "class-name-mismatch"}
                                and not (verdict.head_from_file and key[0] == "category-out-of-range")})
            assert counted == expected, (fixture.name, verdict.name)


def test_reader_columns_agree_on_segmentations(tmp_path):
    """The stream reader classifies raw segmentation bytes as the plain reader does the decoded value."""
    from labelcheck.core.columns import annotation_batch
    from labelcheck.readers.rundecode import annotation_batch_of

    rows = [annotation(i, segmentation=s) for i, s in enumerate(SEGMENTATIONS)] + [annotation(99)]
    del rows[-1]["segmentation"]
    for indent in (None, 2):
        decoded = annotation_batch_of(json.dumps(rows, indent=indent).encode())
        plain = annotation_batch(0, rows)
        assert np.array_equal(decoded.mask, plain.mask) and np.array_equal(decoded.polygons, plain.polygons)
        assert decoded.mask[-1] == MaskOutcome.MISSING


def test_a_repeated_image_id_is_one_image_to_the_loader(write_json):
    """pycocotools imgs[img['id']] keeps the last: the earlier entry is no image the loader could drop."""
    images = [IMAGE, {**IMAGE, "file_name": "again.jpg"}]
    found = loader_findings(write_json, document([annotation(1)], images=images), "torchvision")
    assert not [path for *_, path in found if path.startswith("$.images")]
