"""The command line for loader profiles: --loader everywhere a contract is taken, `labelcheck loaders`,
and scan's hint when the default contract does not fit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from ci_support import ci_env  # noqa: F401 (autouse: no CI variables leak in)

from labelcheck.loaders import LOADERS, PRESETS
from conftest import FIXTURES, ROOT, json_report, run_cli

COCO80 = FIXTURES / "coco80-sample.json"
ROBOFLOW = FIXTURES / "roboflow-superclass.json"
PETS = FIXTURES / "pets-file-order.json"


def test_loaders_lists_every_profile_and_preset_with_its_source():
    result = run_cli("loaders")
    assert result.exit_code == 0
    for name, profile in LOADERS.items():
        assert name in result.stdout and profile.title.split()[0] in result.stdout
    for name in PRESETS:
        assert name in result.stdout
    assert "facebookresearch/detectron2 @ 02b5c4e2" in result.stdout


def test_loaders_file_json_has_a_verdict_per_preset_and_profile(tmp_path):
    out = tmp_path / "loaders.json"
    result = run_cli("loaders", ROBOFLOW, PETS, "--format", "json", "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    document = json.loads(out.read_text())
    assert document["schema_version"] == 1
    roboflow, pets = document["files"]
    assert [v["name"] for v in roboflow["verdicts"]] == [*PRESETS, *LOADERS]
    by_name = {v["name"]: v for v in roboflow["verdicts"]}
    assert by_name["torchvision"]["verdict"] == "crashes"
    crash = by_name["torchvision"]["crashes"]["reasons"][0]
    assert (crash["rule"], crash["reason"], crash["count"]) == ("crashes-loader", "mask-index-error", 24)
    assert "IndexError: list index out of range" in crash["example"]["message"]
    assert by_name["detectron2"]["verdict"] == "trains"
    assert {v["name"]: v["verdict"] for v in pets["verdicts"]}["mmdet-coco"] == "relabels"


def test_loaders_on_unreadable_input_is_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [')
    result = run_cli("loaders", bad)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("labelcheck: error: ") and result.stderr.count("\n") == 1


def test_loaders_reads_each_file_once(monkeypatch):
    """One pass whatever the number of profiles: the reader is asked for the file once."""
    from labelcheck.readers.stream import StreamReader
    from labelcheck.scanning.evaluation import loader_verdicts

    reads = []
    original = StreamReader.read
    monkeypatch.setattr(StreamReader, "read", lambda self, source: reads.append(source) or original(self, source))
    loader_verdicts([str(COCO80)])
    assert reads == [str(COCO80)]


@pytest.mark.parametrize("how", ["option", "environment", "config"])
def test_the_loader_comes_from_the_option_the_environment_or_the_config(tmp_path, monkeypatch, how):
    args = ["scan", str(ROBOFLOW), "--num-classes", "3", "--format", "json"]
    if how == "option":
        args += ["--loader", "detectron2"]
    elif how == "environment":
        monkeypatch.setenv("LABELCHECK_LOADER", "detectron2")
    else:
        config = tmp_path / "labelcheck.toml"
        config.write_text('loader = "detectron2"\n')
        args += ["--config", str(config)]
    result = run_cli(*args)
    assert result.exit_code == 1
    report = json_report(result)
    assert report["contract"]["loader"] == "detectron2"
    assert {f["rule"] for f in report["findings"] if f["severity"] == "error"} == {"relabelled-by-loader"}


def test_a_higher_layer_s_loader_drops_a_configured_mapping(tmp_path):
    config = tmp_path / "labelcheck.toml"
    config.write_text('mapping = "sorted"\nnum-classes = 3\n')
    result = run_cli("scan", ROBOFLOW, "--config", config, "--loader", "mmdet", "--format", "json")
    assert json_report(result)["contract"]["mapping"] == "file-order"


@pytest.mark.parametrize("args, message", [
    (["--loader", "hf-detr"], "--loader hf-detr has no default head"),
    (["--loader", "mmdet", "--mapping", "sorted"], "--loader mmdet maps ids by file-order"),
    (["--preset", "detectron2-coco", "--loader", "mmdet"], "contradicts --loader mmdet"),
    (["--loader", "nope"], "Invalid value for '--loader'"),
])
def test_contract_contradictions_are_exit_2(args, message):
    result = run_cli("scan", ROBOFLOW, *args)
    assert result.exit_code == 2 and message in result.stderr


@pytest.mark.parametrize("command", ["clean", "remap"])
def test_clean_and_remap_take_the_loader(tmp_path, command):
    out = tmp_path / "out.json"
    extra = ["--rule", "crashes-loader"] if command == "clean" else ["--contiguous"]
    result = run_cli(command, ROBOFLOW, "-o", out, "--loader", "torchvision", *extra)
    assert result.exit_code == 0, result.stderr
    if command == "clean":  # every annotation has segmentation [], which torchvision's masks cannot take
        assert "kept 0 of 24 annotations" in result.stderr
        assert json.loads(out.read_text())["annotations"] == []


def test_scan_hints_the_presets_a_coco80_file_fits():
    result = run_cli("scan", COCO80)
    assert result.exit_code == 1
    hints = [line for line in result.stderr.splitlines() if line.startswith("labelcheck: hint: ")]
    assert hints == [f"labelcheck: hint: {COCO80}: the default contract (mlperf-retinanet) does not fit these "
                     "categories; --preset torchvision-coco, detectron2-coco, mmdet-coco or yolox-coco does "
                     f"('labelcheck loaders {COCO80}' compares every loader)"]
    assert run_cli("scan", COCO80, "--preset", "detectron2-coco").exit_code == 0


def test_scan_hints_options_for_one_based_ids_with_their_own_names():
    result = run_cli("scan", PETS)
    assert ("try --loader NAME --num-classes 3 (detectron2, yolox, mmdet; add --classes FILE to check names) or "
            "--loader torchvision --num-classes 4") in result.stderr


@pytest.mark.parametrize("args", [["--preset", "mlperf-retinanet"], ["--num-classes", "264"]])
def test_no_hint_with_a_contract_given_or_for_a_file_made_for_the_default(args):
    assert "hint" not in run_cli("scan", COCO80, *args).stderr
    assert "hint" not in run_cli("scan", FIXTURES / "openimages-mlperf-1based.json").stderr


def shown_in_readme(command: str) -> list[str]:
    """The output lines the README shows under ``$ labelcheck COMMAND``."""
    readme = (ROOT / "README.md").read_text("utf-8")
    return readme.split(f"$ labelcheck {command}\n", 1)[1].split("\n```", 1)[0].split("\n$ ", 1)[0].splitlines()


@pytest.mark.parametrize("command", [
    "scan fixtures/roboflow-superclass.json --loader detectron2 --num-classes 3",
    "scan fixtures/pets-file-order.json --loader mmdet --classes fixtures/pets-classes.txt",
])
def test_the_readme_shows_what_the_worked_examples_print(command, monkeypatch):
    monkeypatch.chdir(ROOT)
    printed = [line.rstrip() for line in run_cli(*command.split()).stdout.splitlines()]
    shown = shown_in_readme(command)
    start = printed.index(shown[0])
    assert printed[start : start + len(shown)] == shown


def test_worked_examples_in_the_readme(tmp_path):
    """detectron2: the Roboflow superclass pushes 'knight' onto the background column; MMDetection: file order."""
    result = run_cli("scan", ROBOFLOW, "--loader", "detectron2", "--num-classes", "3")
    assert result.exit_code == 1
    table = tmp_path / "classes.csv"
    table.write_text("1,0\n2,1\n3,2\n")
    fixed = tmp_path / "fixed.json"
    remapped = run_cli("remap", ROBOFLOW, "-o", fixed, "--map", table, "--drop-unknown")
    assert "mapping: 4 ids: 0->dropped, 1->0, 2->1, 3->2" in remapped.stderr
    assert run_cli("scan", fixed, "--loader", "detectron2", "--num-classes", "3").exit_code == 0
    result = run_cli("scan", PETS, "--loader", "mmdet", "--classes", FIXTURES / "pets-classes.txt", "--format", "json")
    assert [f["path"] for f in json_report(result)["findings"] if f["severity"] != "info"] == \
        ["$.categories[0]", "$.categories[1]"]
    file_order = tmp_path / "classes.txt"
    file_order.write_text("dog\ncat\nbird\n")
    assert run_cli("scan", PETS, "--loader", "mmdet", "--classes", file_order).exit_code == 0


def test_table_report_groups_loader_findings_by_reason():
    result = run_cli("scan", ROBOFLOW, "--loader", "torchvision")
    assert "crashes-loader, by reason" in result.stdout
    assert "mask-index-error" in result.stdout


def test_loaders_in_a_real_process():
    result = subprocess.run([sys.executable, "-m", "labelcheck", "loaders", str(COCO80)], capture_output=True,
                            text=True, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    assert "mlperf-retinanet      264  names differ" in result.stdout


def test_loaders_json_without_files_is_the_registry():
    document = json.loads(run_cli("loaders", "--format", "json").stdout)
    assert [loader["name"] for loader in document["loaders"]] == list(LOADERS)
    detectron2 = document["loaders"][3]
    assert (detectron2["mapping"], detectron2["columns"], detectron2["duplicate_ids"]) == ("sorted", 80, "asserts")
    assert "ignore" in [crash["reason"] for crash in detectron2["crashes"]]
    assert [(p["name"], p["num_classes"]) for p in document["presets"]] == [
        ("mlperf-retinanet", 264), ("torchvision-coco", 91), ("detectron2-coco", 80), ("mmdet-coco", 80),
        ("yolox-coco", 80)]
