"""Image checks on a Dask cluster started by the tests: the local findings exactly, a lost worker
retried, a cluster without workers or a scheduler that does not answer one clear error."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from distributed import Client, LocalCluster

import labelcheck
from labelcheck.core.errors import ExecutorError
from labelcheck.images.check import ImageOptions
from labelcheck.images.executors import DaskExecutor
from conftest import ROOT, run_cli
from imagekit import make

CONTRACT = labelcheck.resolve_contract(num_classes=2)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """The fixture images, and a file of 240 larger photos (decoding them takes long enough to kill a worker)."""
    folder = tmp_path_factory.mktemp("images")
    root, train, _ = make.build(folder)
    many = []
    for index in range(240):
        name = f"photo-{index:03d}.jpg"
        (root / name).write_bytes(make.jpeg(index, orientation=1 + index % 8, size=(320, 240)))
        many.append((name, None, None, (320, 240) if index % 5 else (240, 320)))
    many_file = folder / "many.json"
    many_file.write_text(json.dumps(make.document(many)))
    return root, train, many_file


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster


def findings(path, root, executor, **options):
    report = labelcheck.scan(str(path), CONTRACT, images=ImageOptions((str(root),), depth="decode", executor=executor,
                                                                      **options))
    return sorted((f.rule, f.path, f.severity.label, f.message) for f in report.findings)


def test_a_local_cluster_finds_exactly_what_this_machine_does(dataset, cluster):
    root, train, many = dataset
    address = cluster.scheduler_address.removeprefix("tcp://")
    for path in (train, many):
        local = findings(path, root, "local")
        assert findings(path, root, f"dask://{address}", batch_size=8) == local
        assert len(local) > 10


def test_any_concurrent_futures_executor(dataset, cluster):
    root, train, _ = dataset
    with Client(cluster.scheduler_address) as client:
        assert findings(train, root, client.get_executor(), batch_size=3) == findings(train, root, "local")


def test_the_command_line(dataset, cluster, monkeypatch):
    root, train, _ = dataset
    monkeypatch.setenv("LABELCHECK_DASK_SCHEDULER", cluster.scheduler_address.removeprefix("tcp://"))
    result = run_cli("scan", train, "--num-classes", "2", "--images", root, "--image-check", "decode",
                     "--format", "json")
    assert result.exit_code == 1
    assert "image-duplicate" in {f["rule"] for f in json.loads(result.stdout)["findings"]}


def test_a_worker_killed_mid_run_is_replaced_and_the_findings_are_whole(dataset, cluster):
    root, _, many = dataset
    expected = findings(many, root, "local")
    with Client(cluster.scheduler_address) as client:
        victim = next(iter(client.run(os.getpid).values()))
        killed = []

        def kill_once(event):
            if event.phase == "images" and not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(event.done)

        report = labelcheck.scan(str(many), CONTRACT, progress=kill_once, images=ImageOptions(
            (str(root),), depth="decode", executor=f"dask://{cluster.scheduler_address[6:]}", batch_size=4))
        assert killed and killed[0] < 240  # killed while batches were in flight
    assert sorted((f.rule, f.path, f.severity.label, f.message) for f in report.findings) == expected


def test_a_cluster_left_without_workers_is_one_error_not_a_hang(dataset):
    root, _, many = dataset
    with LocalCluster(n_workers=0, dashboard_address=":0") as scheduler_only:
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", scheduler_only.scheduler_address,
                                   "--no-nanny", "--nthreads", "1", "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with Client(scheduler_only.scheduler_address) as client:
                client.wait_for_workers(1, timeout=60)
            executor = DaskExecutor(scheduler_only.scheduler_address, no_workers_wait=2)

            def kill_worker(event):
                if worker.poll() is None:
                    worker.kill()

            started = time.monotonic()
            with pytest.raises(ExecutorError, match="has had no worker for 2 s"):
                labelcheck.scan(str(many), CONTRACT, progress=kill_worker, images=ImageOptions(
                    (str(root),), depth="decode", executor=executor, batch_size=4))
            assert time.monotonic() - started < 60
            executor.close()
        finally:
            worker.kill()
            worker.wait()


def test_a_scheduler_that_does_not_answer_is_exit_2_in_bounded_time(dataset):
    root, train, _ = dataset
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "labelcheck", "scan", str(train), "--images", str(root),
                             "--executor", f"dask://127.0.0.1:{port}"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert time.monotonic() - started < 60
    assert result.returncode == 2
    assert f"--executor dask://127.0.0.1:{port}: no Dask scheduler answered" in result.stderr
    assert result.stderr.count("\n") == 1
