"""The real corpus as a regression suite: 105 files other projects wrote, scanned, cleaned and remapped.

The files are read in place from ``../shared/real-corpus`` (never copied here);
its MANIFEST.tsv describes each one, and that careful reading is the
expectation: a file that is not a COCO detection object is exit 2 with one
line; the others scan with exactly the findings the manifest counts
(``undefined-category 2``, ``invalid-bbox 3``, ``oor-raw 2`` for labels
outside the default 264-column head), both readers agree, ``clean`` keeps
everything it does not drop and leaves none of what it drops, and ``remap
--contiguous`` renumbers the categories and changes nothing else. Every
preset and loader profile scans every file without an internal error, and
``labelcheck loaders`` reads each one.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

import labelcheck
from labelcheck.loaders import LOADERS, PRESETS, resolve_contract
from conftest import ROOT, run_cli

CORPUS = ROOT.parent / "shared" / "real-corpus"
# The manifest counts findings by rule name; 'oor-raw' is a label outside the raw 264-column head.
RULE_ALIASES = {"oor-raw": "category-out-of-range"}
CLEANED_RULES = ("category-out-of-range", "invalid-category-id", "undefined-category", "invalid-bbox", "missing-image")
LOADER_FIELDS = ("id", "image_id", "area", "iscrowd")  # what missing-field requires under the default contract
CONTRACTS = [resolve_contract(preset=name) for name in PRESETS] + [
    resolve_contract(loader=name, num_classes=None if profile.columns else 100) for name, profile in LOADERS.items()
]


def manifest() -> list:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"the real corpus is not at {CORPUS}"))]
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as rows:
        return [pytest.param(row["file"], row["description"], id=row["file"])
                for row in csv.DictReader(rows, delimiter="\t")]


ENTRIES = manifest()
COCO_ENTRIES = [entry for entry in ENTRIES if entry.values[1] is None or "not a COCO" not in entry.values[1]]


def is_coco(description: str) -> bool:
    return "not a COCO" not in description


def canonical(value) -> str:
    """A comparable text of a JSON value (NaN compares equal to itself here)."""
    return json.dumps(value, sort_keys=True)


def one_line_error(result, name: str) -> None:
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and Path(name).name in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("name, description", ENTRIES)
def test_scan_gives_the_findings_the_manifest_states(name, description):
    path = CORPUS / name
    result = run_cli("scan", path, "--format", "json")
    if not is_coco(description):
        one_line_error(result, name)
        return
    assert result.exit_code in (0, 1), result.stderr
    findings = json.loads(result.stdout)["findings"]
    by_rule: dict[str, int] = {}
    for finding in findings:
        by_rule[finding["rule"]] = by_rule.get(finding["rule"], 0) + 1
    counted = 0
    for said, count in re.findall(r"([a-z-]+) (\d+)", description):
        rule = RULE_ALIASES.get(said, said)
        if rule in labelcheck.RULES:
            assert by_rule.get(rule, 0) == int(count), (rule, by_rule)
            counted += 1
    assert counted == len(re.findall(r"\b(?:oor-raw|[a-z]+-[a-z-]+) \d+", description))  # none misread
    if "duplicate ann ids" in description:
        assert by_rule.get("duplicate-id", 0) >= 1
    annotations = json.loads(path.read_text("utf-8"))["annotations"]
    lacking = sum(1 for a in annotations if isinstance(a, dict) and any(f not in a for f in LOADER_FIELDS))
    reported = sum(1 for f in findings if f["rule"] == "missing-field" and f["path"].startswith("$.annotations["))
    assert reported == lacking
    said_lacking = re.search(r"some anns lack ([\w/]+)", description)
    for field in said_lacking.group(1).split("/") if said_lacking else ():
        assert any(field not in a for a in annotations), field


@pytest.mark.parametrize("name, description", COCO_ENTRIES)
def test_both_readers_give_the_same_findings(name, description):
    path = str(CORPUS / name)
    assert sorted(labelcheck.scan(path, reader="stream").findings) == sorted(labelcheck.scan(path, reader="plain").findings)


@pytest.mark.parametrize("name, description", ENTRIES)
def test_clean_keeps_everything_it_does_not_drop(name, description, tmp_path):
    source, output, audit = CORPUS / name, tmp_path / "clean.json", tmp_path / "audit.json"
    result = run_cli("clean", source, "-o", output, "--report", audit)
    if not is_coco(description):
        one_line_error(result, name)
        assert not output.exists()
        return
    assert result.exit_code in (0, 1) and output.is_file(), result.stderr
    before, after = json.loads(source.read_text("utf-8")), json.loads(output.read_text("utf-8"))
    dropped = {entry["position"] for entry in json.loads(audit.read_text("utf-8"))["dropped_annotations"]}
    kept = [a for position, a in enumerate(before["annotations"]) if position not in dropped]
    assert canonical(after["annotations"]) == canonical(kept)
    assert canonical({k: v for k, v in after.items() if k != "annotations"}) == \
        canonical({k: v for k, v in before.items() if k != "annotations"})
    again = labelcheck.scan(str(output))
    assert not [f for f in again.findings if f.rule in CLEANED_RULES]


@pytest.mark.parametrize("name, description", ENTRIES)
def test_remap_contiguous_renumbers_categories_and_nothing_else(name, description, tmp_path):
    source, output = CORPUS / name, tmp_path / "remap.json"
    result = run_cli("remap", source, "-o", output, "--contiguous", "--drop-unknown")
    if not is_coco(description):
        one_line_error(result, name)
        assert not output.exists()
        return
    before = json.loads(source.read_text("utf-8"))
    declared = sorted({c["id"] for c in before["categories"] if isinstance(c.get("id"), int)})
    if result.exit_code == 2:  # a table one mapping cannot renumber: said in one line, nothing written
        one_line_error(result, name)
        assert not output.exists()
        return
    assert result.exit_code == 0, result.stderr
    after = json.loads(output.read_text("utf-8"))
    new_id = {old: new for new, old in enumerate(declared)}
    assert [c["id"] for c in after["categories"]] == [new_id[c["id"]] for c in before["categories"]]
    expected = [{**a, "category_id": new_id[a["category_id"]]} for a in before["annotations"]
                if a.get("category_id") in new_id]
    assert canonical(after["annotations"]) == canonical(expected)
    rest = ("annotations", "categories")
    assert canonical({k: v for k, v in after.items() if k not in rest}) == \
        canonical({k: v for k, v in before.items() if k not in rest})


@pytest.mark.parametrize("name, description", ENTRIES)
def test_every_profile_scans_it_without_an_internal_error(name, description):
    path = CORPUS / name
    for contract in CONTRACTS:
        try:
            labelcheck.scan(str(path), contract)
        except labelcheck.InputError as error:
            assert not is_coco(description), f"{contract.describe()}: {error}"
        else:
            assert is_coco(description)
    result = run_cli("loaders", path)
    assert result.exit_code == (0 if is_coco(description) else 2), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("name, description", COCO_ENTRIES)
def test_the_readers_agree_under_the_profiles_that_read_segmentations(name, description):
    path = str(CORPUS / name)
    for loader in ("torchvision", "detectron2"):
        contract = resolve_contract(loader=loader)
        stream = [f.to_dict() for f in labelcheck.scan(path, contract, reader="stream").findings]
        plain = [f.to_dict() for f in labelcheck.scan(path, contract, reader="plain").findings]
        assert stream == plain, loader
