"""--executor: local (in this process, threads or processes), local:N, any concurrent.futures.Executor."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys

import pytest

import labelcheck
from labelcheck.images.check import ImageOptions
from labelcheck.images.executors import LocalExecutor, executor_for
from conftest import run_cli
from imagekit import make

CONTRACT = labelcheck.resolve_contract(num_classes=2)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return make.build(tmp_path_factory.mktemp("images"))


def findings(dataset, executor, depth="decode", batch_size=256):
    root, train, val = dataset
    options = ImageOptions((str(root),), depth=depth, executor=executor, batch_size=batch_size)
    return sorted((f.file, f.rule, f.path, f.message) for f in labelcheck.scan([str(train), str(val)], CONTRACT,
                                                                                 images=options).findings)


@pytest.mark.parametrize("depth", ["exists", "header", "decode"])
def test_every_way_of_running_finds_the_same(dataset, depth):
    alone = findings(dataset, "local", depth)  # one batch: in this process
    assert findings(dataset, "local:2", depth, batch_size=2) == alone  # processes (threads for exists)
    assert findings(dataset, "local:1", depth, batch_size=2) == alone
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        assert findings(dataset, pool, depth, batch_size=3) == alone


def test_names_choose_the_executor():
    executor, owned = executor_for("local:3")
    assert isinstance(executor, LocalExecutor) and executor.workers == 3 and owned
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert executor_for(pool)[1] is False  # the caller's: not shut down by the scan


@pytest.mark.parametrize(("spec", "says"), [("local:0", "N must be a whole number"), ("local:x", "N must be"),
                                            ("threads", "unknown executor"), ("dask://", "give the scheduler")])
def test_a_bad_executor_is_exit_2(dataset, spec, says):
    root, train, _ = dataset
    result = run_cli("scan", train, "--images", root, "--executor", spec)
    assert result.exit_code == 2 and says in result.stderr


def test_image_options_need_images(dataset):
    _, train, _ = dataset
    result = run_cli("scan", train, "--image-check", "decode")
    assert result.exit_code == 2 and "--image-check needs --images ROOT" in result.stderr


@pytest.mark.parametrize("environ, expected", [({}, "4"), ({"PILLOW_BLOCKS_MAX": "1"}, "1")])
def test_decoding_keeps_a_few_freed_pillow_blocks_unless_the_user_says(environ, expected):
    """Without the pool, a Dask worker (MALLOC_TRIM_THRESHOLD_ set) decodes at half the rate."""
    code = ("from PIL import Image; from labelcheck.images.probe import decode; decode(b'');"
            "print(Image.core.get_blocks_max())")
    env = {k: v for k, v in os.environ.items() if k != "PILLOW_BLOCKS_MAX"} | environ
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == expected
