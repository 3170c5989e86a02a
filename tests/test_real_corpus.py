"""The real corpus (../shared/real-corpus: 105 files from 28 projects) is a regression suite.

Every file scans under every preset and loader profile without an internal
error: a COCO detection file gives findings or none (exit 0 or 1), a file that
is not one (a results list, captions, labelme) is a one-line input error (exit
2), exactly the files MANIFEST.tsv describes so. The stream reader gives the
plain reader's findings under the profiles that read segmentations, and
``labelcheck loaders`` reads each file.
"""

from __future__ import annotations

import csv

import pytest

import labelcheck
from labelcheck.loaders import LOADERS, PRESETS, resolve_contract
from conftest import ROOT, run_cli

CORPUS = ROOT.parent / "shared" / "real-corpus"
FILES = sorted(CORPUS.rglob("*.json")) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/real-corpus is not beside the repository")
CONTRACTS = [resolve_contract(preset=name) for name in PRESETS] + [
    resolve_contract(loader=name, num_classes=None if profile.columns else 100) for name, profile in LOADERS.items()
]


def not_coco(path) -> bool:
    """Whether MANIFEST.tsv describes the file as no COCO detection object."""
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as handle:
        rows = {row["file"]: row["description"] for row in csv.DictReader(handle, delimiter="\t")}
    return "not a COCO" in rows[str(path.relative_to(CORPUS))]


def test_the_corpus_is_all_there():
    assert len(FILES) == 105


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(CORPUS)))
def test_every_profile_scans_it_without_an_internal_error(path):
    for contract in CONTRACTS:
        try:
            labelcheck.scan(str(path), contract)
        except labelcheck.InputError as error:
            assert not_coco(path), f"{contract.describe()}: {error}"
        else:
            assert not not_coco(path)
    result = run_cli("loaders", path)
    assert result.exit_code == (2 if not_coco(path) else 0), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("path", [path for path in FILES if CORPUS.is_dir() and not not_coco(path)],
                         ids=lambda path: str(path.relative_to(CORPUS)))
def test_the_readers_agree_under_the_profiles_that_read_segmentations(path):
    for loader in ("torchvision", "detectron2"):
        contract = resolve_contract(loader=loader)
        stream = [f.to_dict() for f in labelcheck.scan(str(path), contract, reader="stream").findings]
        plain = [f.to_dict() for f in labelcheck.scan(str(path), contract, reader="plain").findings]
        assert stream == plain, loader
