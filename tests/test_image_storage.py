"""ROOT anywhere fsspec reaches: memory://, and S3 through a real S3 protocol server (moto's) on localhost.

The same generated images give the same findings as from a local folder.
Bad ROOTs are one line on stderr and exit 2.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import fsspec
import pytest

import labelcheck
from labelcheck.images import probe
from labelcheck.images.check import ImageOptions
from conftest import ROOT, run_cli
from imagekit import EXPECTED, image_findings, make

CONTRACT = labelcheck.resolve_contract(num_classes=2)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return make.build(tmp_path_factory.mktemp("images"))


@pytest.fixture(autouse=True)
def fresh_filesystems(monkeypatch):
    """Each test's filesystems made anew: credentials and endpoints are read when one is made."""
    monkeypatch.setattr(probe, "_STORAGES", {})
    fsspec.AbstractFileSystem.clear_instance_cache()
    yield
    fsspec.AbstractFileSystem.clear_instance_cache()


def without_hints(expected):
    return {finding: 1 for finding in expected}


@pytest.mark.parametrize("depth", ["exists", "header", "decode"])
def test_memory_filesystem_finds_what_the_folder_does(dataset, depth):
    root, train, _ = dataset
    memory = fsspec.filesystem("memory")
    memory.put(str(root) + "/", f"/images-{depth}/", recursive=True)
    report = labelcheck.scan(str(train), CONTRACT, images=ImageOptions((f"memory://images-{depth}",), depth=depth))
    assert image_findings(report.findings) == without_hints(EXPECTED[depth])


S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
          "AWS_EC2_METADATA_DISABLED": "true"}  # never ask an instance-metadata address for credentials


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server on a free localhost port, for this module's tests."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, dataset, monkeypatch, tmp_path):
    """The generated images in s3://images/data on the local server, with test credentials."""
    for name, value in {**S3_ENV, "AWS_ENDPOINT_URL": s3_server}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    fs = fsspec.filesystem("s3")
    if not fs.exists("images"):
        fs.mkdir("images")
        fs.put(str(dataset[0]) + "/", "images/data/", recursive=True)
    fsspec.AbstractFileSystem.clear_instance_cache()
    return s3_server


@pytest.mark.parametrize("depth", ["exists", "header", "decode"])
def test_s3_finds_what_the_folder_does(dataset, s3, depth):
    _, train, _ = dataset
    report = labelcheck.scan(str(train), CONTRACT, images=ImageOptions(("s3://images/data",), depth=depth))
    assert image_findings(report.findings) == without_hints(EXPECTED[depth])
    (missing,) = [f for f in report.findings if f.rule == "image-missing" and f.image_file == "shot.jpg"]
    assert "no file at 's3://images/data/shot.jpg'; there is other extension: shot.png" in missing.message


def test_s3_through_the_command(dataset, s3):
    _, train, _ = dataset
    result = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(train), "--num-classes", "2", "--images", "s3://images/data",
         "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1, result.stderr
    assert '"image-size-mismatch"' in result.stdout


def test_s3_without_credentials_is_one_line_and_exit_2(dataset, s3, tmp_path):
    _, train, _ = dataset
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_ACCESS_KEY")
                   and not key.startswith("AWS_SECRET")}
    result = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(train), "--num-classes", "2", "--images", "s3://images/data"],
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "--images s3://images/data: cannot be read (NoCredentialsError" in result.stderr
    assert "credentials" in result.stderr and "Traceback" not in result.stderr


def test_s3_bucket_that_does_not_exist(dataset, s3):
    _, train, _ = dataset
    result = run_cli("scan", train, "--num-classes", "2", "--images", "s3://no-such-bucket/data")
    assert result.exit_code == 2
    assert "--images s3://no-such-bucket/data:" in result.stderr


@pytest.mark.parametrize(
    ("root", "says"),
    [("missing-folder", "no such folder"), ("a-file.txt", "is a file, not a folder")],
)
def test_a_bad_local_root_is_one_line_and_exit_2(dataset, tmp_path, root, says):
    _, train, _ = dataset
    (tmp_path / "a-file.txt").write_text("x")
    result = run_cli("scan", train, "--images", tmp_path / root)
    assert result.exit_code == 2
    assert says in result.stderr and result.stderr.count("\n") == 1


def test_roots_one_for_all_or_one_per_file(dataset, tmp_path):
    root, train, val = dataset
    result = run_cli("scan", train, val, "--num-classes", "2", "--images", root, "--images", root, "--images", root)
    assert result.exit_code == 2
    assert "--images is given 3 times for 2 files" in result.stderr
    per_file = run_cli("scan", train, val, "--num-classes", "2", "--images", root, "--images", tmp_path,
                       "--format", "json")
    files = {f["file"] for f in __import__("json").loads(per_file.stdout)["findings"] if f["rule"] == "image-missing"}
    assert files == {str(train), str(val)}  # val's images looked for under tmp_path: all missing
