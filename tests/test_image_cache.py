"""--image-cache: a re-run opens only what changed; the cache is named only when the scan completes."""

from __future__ import annotations

import os

import pytest

import labelcheck
from labelcheck.core.errors import InputError, UsageError
from labelcheck.images.check import ImageOptions
from conftest import run_cli
from imagekit import EXPECTED, image_findings, make

CONTRACT = labelcheck.resolve_contract(num_classes=2)


@pytest.fixture
def dataset(tmp_path):
    return make.build(tmp_path)


def scan(train, root, cache, depth="decode"):
    return labelcheck.scan(str(train), CONTRACT, images=ImageOptions((str(root),), depth=depth, cache=str(cache)))


def test_a_rerun_takes_unchanged_images_from_the_cache(dataset, tmp_path):
    root, train, _ = dataset
    cache = tmp_path / "images.cache"
    first = scan(train, root, cache)
    assert cache.is_file() and first.files[0].images_from_cache == 0
    second = scan(train, root, cache)
    files = sum(1 for _, content, elsewhere, _ in make.train_images() if content is not None and elsewhere is None)
    assert second.files[0].images_from_cache == files
    assert image_findings(second.findings) == image_findings(first.findings) == {f: 1 for f in EXPECTED["decode"]}
    assert [f.message for f in second.findings] == [f.message for f in first.findings]


def test_a_changed_file_is_checked_again(dataset, tmp_path):
    root, train, _ = dataset
    cache = tmp_path / "images.cache"
    scan(train, root, cache)
    (root / "empty.jpg").write_bytes(make.jpeg(40))  # repaired
    (root / "sound.jpg").write_bytes(b"")  # broken: same name, another size
    report = scan(train, root, cache)
    unreadable = {f.image_file for f in report.findings if f.rule == "image-unreadable"}
    assert "empty.jpg" not in unreadable and "sound.jpg" in unreadable


def test_each_depth_has_its_own_results(dataset, tmp_path):
    root, train, _ = dataset
    cache = tmp_path / "images.cache"
    scan(train, root, cache, depth="header")
    report = scan(train, root, cache, depth="decode")
    assert report.files[0].images_from_cache == 0
    assert image_findings(report.findings) == {f: 1 for f in EXPECTED["decode"]}


def test_the_cache_is_written_only_when_the_scan_completes(dataset, tmp_path, write_json):
    root, train, _ = dataset
    cache = tmp_path / "images.cache"
    broken = write_json('{"images": [', "broken.json")
    with pytest.raises(InputError):
        labelcheck.scan([str(train), str(broken)], CONTRACT, images=ImageOptions((str(root),), cache=str(cache)))
    assert not cache.exists()
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".labelcheck")]


def test_a_file_that_is_not_a_cache_is_refused_not_replaced(dataset, tmp_path):
    root, train, _ = dataset
    precious = tmp_path / "notes.txt"
    precious.write_text("my notes")
    with pytest.raises(UsageError, match="is not a labelcheck image cache"):
        scan(train, root, precious)
    assert precious.read_text() == "my notes"
    result = run_cli("scan", train, "--images", root, "--image-cache", train)
    assert result.exit_code == 2 and "is also an input" in result.stderr
