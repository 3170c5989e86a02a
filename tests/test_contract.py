"""Resolving the model contract from options: defaults, presets and contradictions."""

from __future__ import annotations

import pytest

from labelcheck import ContractError, ContractWarning, Mapping, resolve_contract
from labelcheck.core.contract import mlperf_class_names
from conftest import FIXTURES, run_cli

CLEAN = FIXTURES / "openimages-mlperf-clean.json"


def test_default_is_the_mlperf_preset():
    contract = resolve_contract()
    assert (contract.preset, contract.num_classes, contract.mapping) == ("mlperf-retinanet", 264, Mapping.RAW)
    names = mlperf_class_names()
    assert len(names) == 264 and names[0] == "Airplane" and names[-1] == "Zucchini"
    assert "Kitchen & dining room table" in names and "Egg (Food)" in names


def test_explicit_options_replace_the_default():
    contract = resolve_contract(num_classes=91)
    assert (contract.preset, contract.num_classes, contract.mapping, contract.class_names) == (
        None, 91, Mapping.RAW, None,
    )


def test_class_file_sets_the_count(tmp_path):
    path = tmp_path / "classes.txt"
    path.write_text("cat\ndog\n\n", encoding="utf-8")
    contract = resolve_contract(classes=path, mapping="class-list")
    assert contract.num_classes == 2 and contract.class_names == ("cat", "dog")


def test_preset_with_agreeing_options_is_fine():
    assert resolve_contract(preset="mlperf-retinanet", num_classes=264, mapping="raw").num_classes == 264


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"preset": "mlperf-retinanet", "num_classes": 91}, "contradicts num_classes=91"),
        ({"preset": "mlperf-retinanet", "mapping": "sorted"}, "contradicts mapping='sorted'"),
        ({"mapping": "sorted"}, "give num_classes=N or classes=FILE"),
        ({"mapping": "class-list", "num_classes": 3}, "mapping='class-list' needs the class names"),
        ({"mapping": "names", "classes": ("a",)}, "mapping='names' was renamed: 'class-list'"),
        ({"preset": "no-such"}, "unknown preset"),
    ],
)
def test_contradictions(kwargs, message):
    with pytest.raises(ContractError, match=message):
        resolve_contract(**kwargs)


def test_class_file_length_must_match(tmp_path):
    path = tmp_path / "classes.txt"
    path.write_text("cat\ndog\n", encoding="utf-8")
    with pytest.raises(ContractError, match="2 names but num_classes is 3"):
        resolve_contract(classes=path, num_classes=3)


@pytest.mark.parametrize("text, message", [("", "empty"), ("cat\n\ndog\n", "line 2: empty class name")])
def test_bad_class_files(tmp_path, text, message):
    path = tmp_path / "classes.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractError, match=message):
        resolve_contract(classes=path)


@pytest.mark.parametrize(
    "args",
    [
        ["--preset", "mlperf-retinanet", "--num-classes", "91"],
        ["--classes", "/nonexistent/classes.txt"],
        ["--mapping", "class-list", "--num-classes", "3"],
        ["--mapping", "names", "--num-classes", "3"],
        ["--num-classes", "0"],
    ],
)
def test_cli_contract_errors_exit_2(args):
    result = run_cli("scan", CLEAN, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_mlperf_file_against_coco_sized_head_fails():
    """The same file means something else to a 91-class head: every id >= 91 is out of range."""
    result = run_cli("scan", CLEAN, "--num-classes", "91", "--format", "json")
    assert result.exit_code == 1
    assert '"category-out-of-range"' in result.stdout


@pytest.mark.parametrize("where", ["option", "config"])
def test_the_renamed_names_mapping_says_what_to_use(tmp_path, where):
    if where == "option":
        result = run_cli("scan", CLEAN, "--mapping", "names", "--num-classes", "3")
    else:
        config = tmp_path / "labelcheck.toml"
        config.write_text('mapping = "names"\nnum-classes = 3\n')
        result = run_cli("scan", CLEAN, "--config", config)
    assert result.exit_code == 2
    assert "--mapping names was renamed: 'class-list' is what it did" in result.stderr
    assert "use --loader mmdet or --mapping file-order" in result.stderr
@pytest.mark.parametrize("line", ["cat, dog, bird", "cat\tdog\tbird", "['cat', 'dog']", "cat;dog"])
def test_a_class_list_on_one_line_is_warned_about(tmp_path, line):
    path = tmp_path / "classes.txt"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.warns(ContractWarning, match="one line"):
        contract = resolve_contract(classes=path)
    assert contract.num_classes == 1


def test_a_single_class_is_not_warned_about(tmp_path, recwarn):
    path = tmp_path / "classes.txt"
    path.write_text("traffic light\n", encoding="utf-8")
    assert resolve_contract(classes=path).class_names == ("traffic light",)
    assert not recwarn.list


def test_the_cli_prints_the_warning_in_one_line(tmp_path):
    path = tmp_path / "classes.txt"
    path.write_text("cat, dog, bird\n", encoding="utf-8")
    result = run_cli("scan", FIXTURES / "openimages-mlperf-clean.json", "--classes", path)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("labelcheck: warning: ")]
    assert len(warnings) == 1 and "one line" in warnings[0] and str(path) in warnings[0]


@pytest.mark.parametrize("count", ["9223372036854775807", "100000000", "1" * 400])
def test_a_head_larger_than_any_is_one_line(count, tmp_path):
    """9223372036854775807 was 'internal error: ValueError'; 100000000 a MemoryError past 3.5 GB."""
    result = run_cli("scan", FIXTURES / "openimages-mlperf-bad.json", "--num-classes", count)
    assert result.exit_code == 2 and "--num-classes must be 1 to 1,000,000" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    config = tmp_path / "labelcheck.toml"
    config.write_text(f"num-classes = {count}\n")
    result = run_cli("scan", FIXTURES / "openimages-mlperf-bad.json", "--config", config)
    assert result.exit_code == 2 and "--num-classes must be 1 to 1,000,000" in result.stderr

