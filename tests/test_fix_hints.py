"""The fix a finding names: its own "How to fix" block, each command on one line to copy,
one command for the files that need the same fix (train and validation together)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys

import labelcheck
from conftest import FIXTURES, coco_document, run_cli

ONE_BASED = FIXTURES / "openimages-mlperf-1based.json"


def fix_block(output: str) -> list[str]:
    block = output.split("How to fix:\n")[1].split("\n\n")[0]
    return [line.strip() for line in block.splitlines() if line.startswith("  labelcheck ")]


def test_one_file_gets_one_copyable_command_outside_the_examples(tmp_path):
    train = tmp_path / "train.json"
    shutil.copy(ONE_BASED, train)
    shown = run_cli("scan", train).stdout
    assert fix_block(shown) == [f"labelcheck remap {train} -o {tmp_path / 'train.fixed.json'} --offset -1"]
    assert "labelcheck remap" not in shown.split("Examples")[1].split("How to fix")[0]


def test_train_and_validation_get_one_command_that_fixes_both(tmp_path):
    (tmp_path / "a-long-folder-name-for-the-training-split").mkdir()
    (tmp_path / "validation").mkdir()
    train = tmp_path / "a-long-folder-name-for-the-training-split" / "labels.json"
    validation = tmp_path / "validation" / "labels.json"
    shutil.copy(ONE_BASED, train)
    document = json.loads(ONE_BASED.read_text("utf-8"))
    for image in document["images"]:  # other images than train's: the same ones would be split-leakage
        image["file_name"] = "val-" + image["file_name"]
    validation.write_text(json.dumps(document), "utf-8")
    shown = run_cli("scan", train, validation).stdout
    (command,) = fix_block(shown)
    assert len(command) > 80  # printed whole, not wrapped at the table's width
    assert command == f"labelcheck remap {train} {validation} --output-dir fixed --offset -1"
    # It works as printed, and the files it writes pass.
    arguments = shlex.split(command)[1:]
    result = subprocess.run([sys.executable, "-m", "labelcheck", *arguments], cwd=tmp_path, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    fixed = sorted((tmp_path / "fixed").rglob("labels.json"))
    assert len(fixed) == 2 and not labelcheck.scan([str(path) for path in fixed]).failed()


def test_the_json_finding_carries_its_command(tmp_path):
    train = tmp_path / "train.json"
    shutil.copy(ONE_BASED, train)
    document = json.loads(run_cli("scan", train, "--format", "json").stdout)
    (shift,) = [finding for finding in document["findings"] if finding["rule"] == "class-name-mismatch"]
    assert shift["fix"] == f"labelcheck remap {train} -o {tmp_path / 'train.fixed.json'} --offset -1"
    assert "--offset -1" in shift["message"]


def test_the_command_repeats_a_contract_that_is_not_the_default(tmp_path, write_json):
    classes = tmp_path / "classes.txt"
    classes.write_text("cat\ndog\nbird\n", encoding="utf-8")
    path = write_json(coco_document([(1, "cat"), (2, "dog"), (3, "bird")], [2]), "pets.json")
    raw = fix_block(run_cli("scan", path, "--num-classes", "3", "--classes", classes).stdout)
    assert raw == [f"labelcheck remap {path} -o {tmp_path / 'pets.fixed.json'} --offset -1 --num-classes 3"]
    # Sorted ranks 0, 1, 2 for classes at 1, 2, 3 of the model's list: remap by name, with the list.
    classes.write_text("fish\ncat\ndog\nbird\n", encoding="utf-8")
    by_name = fix_block(run_cli("scan", path, "--mapping", "sorted", "--classes", classes).stdout)
    assert by_name == [f"labelcheck remap {path} -o {tmp_path / 'pets.fixed.json'} --by-name --classes {classes}"]


def test_a_misspelt_class_name_gets_the_rename_that_keeps_its_annotations(tmp_path, write_json):
    names = (FIXTURES.parent / "labelcheck" / "core" / "data" / "mlperf_264_classes.txt").read_text("utf-8").splitlines()
    column = names.index("Motorcycle")
    misspelt = [(i, "Motorcyle" if i == column else name) for i, name in enumerate(names)]
    path = write_json(coco_document(misspelt, [column]), "bikes.json")
    document = json.loads(run_cli("scan", path, "--format", "json").stdout)
    (finding,) = [finding for finding in document["findings"] if finding["rule"] == "class-name-mismatch"]
    assert f"closest model class: 'Motorcycle' (column {column})" in finding["message"]
    shown = run_cli("scan", path).stdout
    (command,) = fix_block(shown)
    assert command == f"labelcheck remap {path} -o {tmp_path / 'bikes.fixed.json'} --rename Motorcyle=Motorcycle"
    result = subprocess.run([sys.executable, "-m", "labelcheck", *shlex.split(command)[1:]], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert not labelcheck.scan(str(tmp_path / "bikes.fixed.json")).failed()
