"""labelcheck remap: one mapping, applied to categories and every annotation."""

from __future__ import annotations

import json

import pytest

import labelcheck
from conftest import FIXTURES, coco_document, run_cli

ONE_BASED = FIXTURES / "openimages-mlperf-1based.json"
CLEAN = FIXTURES / "openimages-mlperf-clean.json"


def small(categories, category_ids):
    return {
        "info": {"keep": "me"},
        "categories": [{"id": i, "name": n, "supercategory": "x"} for i, n in categories],
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "annotations": [
            {"id": k, "image_id": 1, "category_id": c, "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0}
            for k, c in enumerate(category_ids, start=1)
        ],
    }


@pytest.mark.parametrize("method", [["--offset", "-1"], ["--by-name"]])
def test_one_based_export_becomes_the_zero_based_file(tmp_path, method):
    out = tmp_path / "out.json"
    result = run_cli("remap", ONE_BASED, "-o", out, *method)
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text()) == json.loads(CLEAN.read_text())
    assert out.read_bytes() == CLEAN.read_bytes()  # nothing else reformatted
    assert "every id -1 (264 ids: 1..264 -> 0..263)" in result.stderr


def test_remapped_file_scans_clean(tmp_path):
    out = tmp_path / "out.json"
    labelcheck.remap(str(ONE_BASED), str(out), offset=-1)
    assert not labelcheck.scan(str(out)).failed()


def test_already_correct_file_is_a_no_op_that_says_so(tmp_path):
    out, report = tmp_path / "out.json", tmp_path / "map.json"
    result = run_cli("remap", CLEAN, "-o", out, "--by-name", "--report", report)
    assert result.exit_code == 0
    assert "already maps to itself" in result.stderr
    assert out.read_bytes() == CLEAN.read_bytes()
    assert json.loads(report.read_text())["changed"] is False


def test_map_file_json_and_csv(write_json, tmp_path):
    path = write_json(small([(10, "cat"), (20, "dog")], [10, 20, 20]))
    table_json = tmp_path / "map.json"
    table_json.write_text('{"10": 0, "20": 1}')
    table_csv = tmp_path / "map.csv"
    table_csv.write_text("old,new\n10,0\n20,1\n")
    for table in (table_json, table_csv):
        out = tmp_path / f"out-{table.suffix[1:]}.json"
        assert run_cli("remap", path, "-o", out, "--map", table).exit_code == 0
        document = json.loads(out.read_text())
        assert [c["id"] for c in document["categories"]] == [0, 1]
        assert [a["category_id"] for a in document["annotations"]] == [0, 1, 1]
        assert document["info"] == {"keep": "me"}


def test_map_file_missing_an_id_is_an_error_unless_drop_unknown(write_json, tmp_path):
    path = write_json(small([(10, "cat"), (20, "dog")], [10, 20, 20]))
    table = tmp_path / "map.json"
    table.write_text('{"10": 0}')
    out = tmp_path / "out.json"
    result = run_cli("remap", path, "-o", out, "--map", table)
    assert result.exit_code == 2
    assert "category 20 'dog' is not in the mapping table" in result.stderr
    assert not out.exists()
    result = run_cli("remap", path, "-o", out, "--map", table, "--drop-unknown")
    assert result.exit_code == 0
    document = json.loads(out.read_text())
    assert document["categories"] == [{"id": 0, "name": "cat", "supercategory": "x"}]
    assert [a["category_id"] for a in document["annotations"]] == [0]
    assert "dropped 2 annotations" in result.stderr


@pytest.mark.parametrize("text, message", [("10,zero\n", "line 1"), ('{"10": "a"}', "key '10'"), ("{", "invalid JSON")])
def test_bad_map_files(write_json, tmp_path, text, message):
    path = write_json(small([(10, "cat")], [10]))
    table = tmp_path / "map.txt"
    table.write_text(text)
    result = run_cli("remap", path, "-o", tmp_path / "out.json", "--map", table)
    assert result.exit_code == 2 and message in result.stderr


def test_by_name_unknown_name_is_named(write_json, tmp_path):
    path = write_json(small([(1, "Airplane"), (2, "Spaceship")], [1, 2]))
    out = tmp_path / "out.json"
    result = run_cli("remap", path, "-o", out, "--by-name")
    assert result.exit_code == 2
    assert "category 2 'Spaceship' is not a model class" in result.stderr
    assert run_cli("remap", path, "-o", out, "--by-name", "--drop-unknown").exit_code == 0
    assert json.loads(out.read_text())["categories"] == [{"id": 0, "name": "Airplane", "supercategory": "x"}]


def test_contiguous_with_start(write_json, tmp_path):
    path = write_json(small([(7, "a"), (3, "b"), (50, "c")], [50, 3, 7]))
    out = tmp_path / "out.json"
    assert run_cli("remap", path, "-o", out, "--contiguous", "--start", "1").exit_code == 0
    document = json.loads(out.read_text())
    assert [c["id"] for c in document["categories"]] == [2, 1, 3]
    assert [a["category_id"] for a in document["annotations"]] == [3, 1, 2]


def test_train_and_validation_share_one_mapping(tmp_path):
    for split, ids in (("train", [1, 2, 3]), ("validation", [3])):
        (tmp_path / split / "labels").mkdir(parents=True)
        document = small([(1, "Airplane"), (2, "Antelope"), (3, "Apple")], ids)
        (tmp_path / split / "labels" / "x.json").write_text(json.dumps(document))
    (tmp_path / "out").mkdir()
    result = run_cli(
        "remap", tmp_path / "train/labels/x.json", tmp_path / "validation/labels/x.json",
        "--output-dir", tmp_path / "out", "--contiguous",
    )
    assert result.exit_code == 0, result.stderr
    train = json.loads((tmp_path / "out/train/labels/x.json").read_text())
    validation = json.loads((tmp_path / "out/validation/labels/x.json").read_text())
    assert train["categories"] == validation["categories"]
    assert [a["category_id"] for a in validation["annotations"]] == [2]


def test_tables_one_mapping_cannot_fix_are_refused(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x.json").write_text(json.dumps(small([(1, "Airplane")], [1])))
    (b / "x.json").write_text(json.dumps(small([(1, "Antelope")], [1])))
    (tmp_path / "out").mkdir()
    result = run_cli("remap", a / "x.json", b / "x.json", "--output-dir", tmp_path / "out", "--by-name")
    assert result.exit_code == 2
    assert "category 1 is 'Airplane'" in result.stderr and "one mapping cannot fix both" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_mapping_must_be_one_to_one(write_json, tmp_path):
    path = write_json(small([(1, "a"), (2, "b")], [1, 2]))
    table = tmp_path / "map.json"
    table.write_text('{"1": 0, "2": 0}')
    result = run_cli("remap", path, "-o", tmp_path / "out.json", "--map", table)
    assert result.exit_code == 2 and "would both become 0" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--offset", "1", "--by-name"], "exactly one of"),
        ([], "exactly one of"),
    ],
)
def test_remap_usage_errors(tmp_path, args, message):
    result = run_cli("remap", CLEAN, "-o", tmp_path / "out.json", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_non_integer_category_ids_must_be_cleaned_first(write_json, tmp_path):
    path = write_json(small([(1, "a")], [1, "1"]))
    result = run_cli("remap", path, "-o", tmp_path / "out.json", "--offset", "1")
    assert result.exit_code == 2 and "non-integer category_id" in result.stderr


def test_ids_only_annotations_use_fail_before_anything_is_named(tmp_path):
    """Undeclared ids are met while rewriting: the error still leaves no output, no temporary file, no new folder."""
    for split, ids in (("train", [1, 2, 2]), ("validation", [1, 7])):
        (tmp_path / split / "labels").mkdir(parents=True)
        (tmp_path / split / "labels" / "x.json").write_text(json.dumps(small([(1, "a"), (2, "b")], ids)))
    (tmp_path / "out").mkdir()
    result = run_cli(
        "remap", tmp_path / "train/labels/x.json", tmp_path / "validation/labels/x.json",
        "--output-dir", tmp_path / "out", "--offset", "-1",
    )
    assert result.exit_code == 2
    assert "category 7 is used by annotations but not declared in categories" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_table_renumbers_ids_only_annotations_use(write_json, tmp_path):
    path = write_json(small([(1, "a")], [1, 9, 1]))
    table = tmp_path / "map.json"
    table.write_text('{"1": 0, "9": 5}')
    out = tmp_path / "out.json"
    result = run_cli("remap", path, "-o", out, "--map", table, "--num-classes", "6")
    assert result.exit_code == 0, result.stderr
    assert [a["category_id"] for a in json.loads(out.read_text())["annotations"]] == [0, 5, 0]


def test_annotations_that_are_not_objects_need_drop_unknown(write_json, tmp_path):
    document = small([(1, "a")], [1, 1])
    document["annotations"].insert(1, [1, 2])
    path = write_json(document)
    out = tmp_path / "out.json"
    result = run_cli("remap", path, "-o", out, "--offset", "-1")
    assert result.exit_code == 2 and "1 annotation is not a JSON object;" in result.stderr
    assert not out.exists()
    result = run_cli("remap", path, "-o", out, "--offset", "-1", "--drop-unknown")
    assert result.exit_code == 0, result.stderr
    assert [a["category_id"] for a in json.loads(out.read_text())["annotations"]] == [0, 0]
    assert "dropped 1 annotation without a category id the mapping renumbers" in result.stderr


def test_annotations_without_a_category_id_are_said_to_have_none(write_json, tmp_path):
    document = small([(1, "a")], [1, 1, 1])
    del document["annotations"][1]["category_id"]
    del document["annotations"][2]["category_id"]
    result = run_cli("remap", write_json(document), "-o", tmp_path / "out.json", "--offset", "-1")
    assert result.exit_code == 2 and "2 annotations have no category_id;" in result.stderr
    assert "non-integer" not in result.stderr


def test_remap_refuses_ids_outside_the_head(tmp_path):
    result = run_cli("remap", CLEAN, "-o", tmp_path / "x.json", "--offset", "-1")
    assert result.exit_code == 2
    assert "category 0 would become -1, outside the model's columns 0..263" in result.stderr
    assert not (tmp_path / "x.json").exists()



def test_remap_cannot_merge_an_undeclared_id_into_a_class(write_json, tmp_path):
    path = write_json(coco_document([(1, "a"), (2, "b")], [1, 2, 7]))
    table = tmp_path / "map.json"
    table.write_text('{"1": 0, "2": 1, "7": 0}')
    result = run_cli("remap", path, "-o", tmp_path / "x.json", "--map", table)
    assert result.exit_code == 2 and "would both become 0" in result.stderr


def test_offset_refuses_undeclared_ids(write_json, tmp_path):
    path = write_json(coco_document([(1, "a"), (2, "b")], [1, 2, 7]))
    result = run_cli("remap", path, "-o", tmp_path / "x.json", "--offset", "-1")
    assert result.exit_code == 2 and "category 7 is used by annotations but not declared" in result.stderr
    assert run_cli("remap", path, "-o", tmp_path / "x.json", "--offset", "-1", "--drop-unknown").exit_code == 0
    assert [a["category_id"] for a in json.loads((tmp_path / "x.json").read_text())["annotations"]] == [0, 1]


def test_constant_shift_of_sparse_ids_is_described_honestly(write_json, tmp_path):
    result = labelcheck.remap(str(write_json(coco_document([(1, "a"), (7, "b")], [1, 7]))), str(tmp_path / "x.json"), offset=-1)
    assert result.describe() == "every id -1 (2 ids)"


@pytest.mark.parametrize(
    "content, message",
    [(b"\xff\xfe1,0\n", "not UTF-8"), (b"[1, 2]", "must be a JSON object"), (b"1,0\n--2,0\n", "line 2")],
)
def test_bad_map_files_are_one_line_errors(write_json, tmp_path, content, message):
    table = tmp_path / "map.txt"
    table.write_bytes(content)
    result = run_cli("remap", write_json(coco_document([(1, "a")], [1])), "-o", tmp_path / "x.json", "--map", table)
    assert result.exit_code == 2 and message in result.stderr
    assert "internal error" not in result.stderr


def test_by_name_dropping_every_category_is_refused(write_json, tmp_path):
    """Every name unknown (the wrong contract): exit 2 and nothing written, not an empty file."""
    path = write_json(small([(1, "cat"), (2, "dog")], [1, 2]))
    out = tmp_path / "out.json"
    result = run_cli("remap", path, "-o", out, "--by-name", "--drop-unknown")
    assert result.exit_code == 2
    assert "--drop-unknown would drop all 2 categories (each is not a model class)" in result.stderr
    assert not out.exists()


def test_rename_fixes_a_typo_so_by_name_keeps_its_annotations(write_json, tmp_path):
    path = write_json(small([(1, "Airplane"), (2, "antelope")], [1, 2, 2]))
    out = tmp_path / "out.json"
    result = run_cli("remap", path, "-o", out, "--by-name", "--rename", "antelope=Antelope")
    assert result.exit_code == 0, result.stderr
    assert "renamed 'antelope' to 'Antelope'" in result.stderr
    document = json.loads(out.read_text())
    assert document["categories"] == [{"id": 0, "name": "Airplane", "supercategory": "x"},
                                      {"id": 1, "name": "Antelope", "supercategory": "x"}]
    assert [a["category_id"] for a in document["annotations"]] == [0, 1, 1]
    assert run_cli("scan", out, "--select", "class-name-mismatch").exit_code == 0


def test_rename_alone_keeps_every_id_and_every_other_byte(write_json, tmp_path):
    path = write_json(small([(1, "cat"), (2, "dgo")], [1, 2]))
    out = tmp_path / "out.json"
    result = run_cli("remap", path, "-o", out, "--rename", "dgo=dog")
    assert result.exit_code == 0, result.stderr
    assert out.read_text() == path.read_text().replace('"dgo"', '"dog"')
    assert "mapping:" not in result.stderr


@pytest.mark.parametrize("content", ['{"dgo": "dog", "kat": "cat"}', "dgo=dog\nkat=cat\n"])
def test_renames_from_a_file(write_json, tmp_path, content):
    path = write_json(small([(1, "kat"), (2, "dgo")], [1, 2]))
    renames = tmp_path / "renames.txt"
    renames.write_text(content)
    result = labelcheck.remap(str(path), str(tmp_path / "out.json"), rename=[str(renames)])
    assert result.renamed == {"dgo": "dog", "kat": "cat"}
    assert [c["name"] for c in json.loads((tmp_path / "out.json").read_text())["categories"]] == ["cat", "dog"]
    assert result.report()["renamed"] == [{"old": "dgo", "new": "dog"}, {"old": "kat", "new": "cat"}]


@pytest.mark.parametrize("renames, message", [
    (["nope=x"], "no category is named 'nope'"),
    (["cat="], "expected OLD=NEW"),
    (["cat=a", "cat=b"], "renames 'cat' twice"),
    (["missing-file"], "not OLD=NEW, and not a readable file"),
])
def test_bad_renames_are_one_line_errors(write_json, tmp_path, renames, message):
    path = write_json(small([(1, "cat")], [1]))
    args = [arg for rename in renames for arg in ("--rename", rename)]
    result = run_cli("remap", path, "-o", tmp_path / "out.json", *args)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1
