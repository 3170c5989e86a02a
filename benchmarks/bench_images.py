"""Benchmark: labelcheck's image checks against a plain loop, and a Dask cluster of 1 and 2 workers.

    python benchmarks/bench_images.py                  # everything below
    python benchmarks/bench_images.py --only header    # one part: header, decode, memory, thumbnails

Generates (once, seeded) small JPEGs in bench-data/images/ (git ignored): 64x48
to 160x120, one in eight with an EXIF orientation, one in fifty with a JSON
size that differs, and a COCO file per count. Each run is a separate process
(or, for Dask, a scan in this process against a ``distributed.LocalCluster``
started here), on a warm page cache, ``--runs`` times (the median is shown):

- header: ``labelcheck scan FILE --images DIR`` (``--image-check header``, two
  worker processes) against a one-process loop doing what the issue measured:
  Pillow's open, size and EXIF orientation per image, and ``os.stat``; the
  image rate excludes the scan of the JSON (measured alone and subtracted).
- decode: 640x480 photos (bench-data/photos/), on a LocalCluster with 1
  worker, then 2 (one thread each), each ``--image-check decode``; the
  findings must equal the local run's.
- memory: peak RSS of the header scan (all processes) at 10k, 100k and 1M
  images, against the scan without ``--images``. Past the distinct files,
  images are hard links to them (1M distinct files would take 4 GB of disk).
- thumbnails: the HTML report of bench_scan.py's synthetic files (9 boxes an
  image) with ``--images`` (``--image-check exists``), with its thumbnails and
  without them (the same command with ``HtmlReporter.thumbnails`` set to 0),
  and without ``--images``; the images are photo-like JPEGs of the sizes the
  JSON gives (``PHOTOS`` distinct, then hard links) in bench-data/mlperf-photos/.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data"
IMAGES = DATA / "images"
DISTINCT = 20_000
SIZES = ((64, 48), (96, 64), (128, 96), (160, 120), (48, 64))


def make_images(count: int, folder: Path = IMAGES, sizes: tuple = SIZES) -> None:
    """``count`` files in ``folder``: DISTINCT distinct JPEGs, then hard links to them."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    have = len(os.listdir(folder))
    rng = random.Random(13)
    for index in range(have, count):
        path = folder / f"{index:07d}.jpg"
        if index >= DISTINCT:
            os.link(folder / f"{index % DISTINCT:07d}.jpg", path)
            continue
        size = sizes[index % len(sizes)]
        image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        image.paste((rng.randrange(256),) * 3, (0, 0, size[0] // 2, size[1] // 2))
        exif = Image.Exif()
        exif[0x0112] = 6 if index % 8 == 0 else 1
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, exif=exif.tobytes())
        path.write_bytes(out.getvalue())


def coco_file(count: int, folder: Path = IMAGES, sizes: tuple = SIZES) -> Path:
    path = DATA / f"{folder.name}-{count}.json"
    if path.exists():
        return path
    make_images(count, folder, sizes)
    images, annotations = [], []
    for index in range(count):
        width, height = sizes[index % len(sizes)]
        if index % 50 == 0:
            width, height = height, width
        images.append({"id": index + 1, "file_name": f"{index:07d}.jpg", "width": width, "height": height})
        annotations.append({"id": index + 1, "image_id": index + 1, "category_id": 0, "bbox": [1, 1, 10, 10],
                            "area": 100, "iscrowd": 0})
    document = {"categories": [{"id": 0, "name": "thing"}], "images": images, "annotations": annotations}
    path.write_text(json.dumps(document))
    return path


def labelcheck(*args: str) -> list[str]:
    return [sys.executable, "-m", "labelcheck", "scan", *args, "--num-classes", "1", "--format", "json", "--quiet"]


def timed(command: list[str]) -> tuple[float, int]:
    """Wall time and the peak RSS summed over the process tree (sampled every 20 ms), in MB."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    sampler.join()
    return time.perf_counter() - started, peak[0] // 1024


def _tree_rss(pid: int) -> int:
    """kB of VmRSS of ``pid`` and its descendants."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            with open(f"/proc/{current}/task/{current}/children") as children:
                todo += [int(child) for child in children.read().split()]
        except (OSError, StopIteration):
            continue
    return total


PLAIN_LOOP = """
import os, sys, time
from PIL import Image
names = sorted(os.listdir(sys.argv[1]))[: int(sys.argv[2])]
started = time.perf_counter()
for name in names:
    with Image.open(os.path.join(sys.argv[1], name)) as image:
        image.size, image.getexif().get(0x0112)
pillow = time.perf_counter() - started
started = time.perf_counter()
for name in names:
    os.stat(os.path.join(sys.argv[1], name))
print(len(names) / pillow, len(names) / (time.perf_counter() - started))
"""


def median_of(runs: int, command: list[str]) -> tuple[float, int]:
    results = [timed(command) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def header(runs: int, count: int) -> None:
    path = coco_file(count)
    timed(labelcheck(str(path), "--images", str(IMAGES), "--image-check", "exists"))  # warm the page cache
    labels, _ = median_of(runs, labelcheck(str(path)))
    exists, _ = median_of(runs, labelcheck(str(path), "--images", str(IMAGES), "--image-check", "exists"))
    checked, _ = median_of(runs, labelcheck(str(path), "--images", str(IMAGES)))
    loop = [subprocess.run([sys.executable, "-c", PLAIN_LOOP, str(IMAGES), str(count)], capture_output=True,
                           text=True, check=True).stdout.split() for _ in range(runs)]
    pillow = statistics.median(float(r[0]) for r in loop)
    stat = statistics.median(float(r[1]) for r in loop)
    print(f"\n{count:,} images, warm cache, {os.cpu_count()} cores (medians of {runs})")
    print("| what | wall time | images per second |")
    print("|---|---:|---:|")
    print(f"| labelcheck scan, no --images (the JSON alone) | {labels:.2f} s | |")
    print(f"| labelcheck scan --image-check exists | {exists:.2f} s | {count / max(exists - labels, 1e-9):,.0f} |")
    print(f"| labelcheck scan --image-check header | {checked:.2f} s | {count / max(checked - labels, 1e-9):,.0f} |")
    print(f"| Pillow open + size + EXIF, one process | | {pillow:,.0f} |")
    print(f"| os.stat, one process | | {stat:,.0f} |")


def decode(runs: int, count: int) -> None:
    from distributed import LocalCluster

    sys.path.insert(0, str(ROOT))
    import labelcheck as library
    from labelcheck.images.check import ImageOptions

    photos = DATA / "photos"
    path = coco_file(count, photos, ((640, 480), (480, 640)))
    contract = library.resolve_contract(num_classes=1)

    def scan(executor: str) -> tuple[float, list]:
        started = time.perf_counter()
        report = library.scan(str(path), contract, images=ImageOptions((str(photos),), depth="decode",
                                                                      executor=executor, batch_size=16))
        return time.perf_counter() - started, sorted((f.rule, f.path, f.message) for f in report.findings)

    _, local = scan("local")
    rates = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster:
            address = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
            scan(address)  # the workers import Pillow once
            times = []
            for _ in range(runs):
                seconds, found = scan(address)
                assert found == local, "the cluster's findings differ from the local run's"
                times.append(seconds)
            rates[workers] = count / statistics.median(times)
    print(f"\ndecode, {count:,} images on a distributed.LocalCluster (medians of {runs}; findings = the local run's)")
    print("| workers | images per second |")
    print("|---:|---:|")
    for workers, rate in rates.items():
        print(f"| {workers} | {rate:,.0f} |")
    print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")


def memory(counts: list[int]) -> None:
    print("\npeak RSS, all processes, --image-check header")
    print("| images | scan without --images | with --images | difference |")
    print("|---:|---:|---:|---:|")
    for count in counts:
        path = coco_file(count)
        _, labels = timed(labelcheck(str(path)))
        _, checked = timed(labelcheck(str(path), "--images", str(IMAGES)))
        print(f"| {count:,} | {labels} MB | {checked} MB | {checked - labels} MB |")


PHOTOS = 200
NO_THUMBNAILS = ("from labelcheck.reporters.html import HtmlReporter\nHtmlReporter.thumbnails = 0\n"
                 "from labelcheck.__main__ import run\nrun()\n")


def photo(rng: random.Random, size: tuple[int, int]) -> bytes:
    """A JPEG that compresses like a photo: a tinted gradient, a dozen shapes, a little noise."""
    from PIL import Image, ImageDraw

    image = Image.merge("RGB", [Image.linear_gradient("L").rotate(rng.randrange(360)).resize(size) for _ in range(3)])
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        box = (x, y, x + rng.randrange(20, size[0] // 2), y + rng.randrange(20, size[1] // 2))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    image = Image.blend(image, Image.effect_noise(size, 40).convert("RGB"), 0.08)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def mlperf_photos(path: Path, folder: Path) -> None:
    """A file for each image of bench_scan's ``path`` (one element a line), of the size its JSON gives."""
    folder.mkdir(parents=True, exist_ok=True)
    rng, distinct = random.Random(7), {}
    pattern = re.compile(r'"file_name": "([0-9a-f]+\.jpg)", "height": (\d+), "width": (\d+)')
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.startswith('"annotations"'):
                break
            found = pattern.search(line)
            if found is None or (folder / found[1]).exists():
                continue
            size = (int(found[3]), int(found[2]))
            kept = distinct.setdefault(size, [])
            if len(kept) < PHOTOS // 6:
                (folder / found[1]).write_bytes(photo(rng, size))
                kept.append(found[1])
            else:
                os.link(folder / kept[rng.randrange(len(kept))], folder / found[1])


def thumbnails(runs: int, counts: list[int]) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_scan

    folder = DATA / "mlperf-photos"
    print(f"\nthe HTML report with --images (exists), medians of {runs} taken in turns (CPU: user + system, with "
          "workers)")
    print("| annotations (images) | report | wall time: median (all runs) | CPU time | peak RSS, all processes | "
          "report size |")
    print("|---|---|---:|---:|---:|---:|")
    for count in counts:
        path = bench_scan.data_file(count)
        mlperf_photos(path, folder)
        images = round(count / bench_scan.BOXES_PER_IMAGE)
        out = DATA / "report-thumbnails.html"
        scan = ["scan", str(path), "--format", "html", "-o", str(out), "--quiet"]
        with_images = [*scan, "--images", str(folder), "--image-check", "exists"]
        variants = {
            "with thumbnails": [sys.executable, "-m", "labelcheck", *with_images],
            "without thumbnails": [sys.executable, "-c", NO_THUMBNAILS, *with_images],
            "no --images": [sys.executable, "-m", "labelcheck", *scan],
        }
        sizes, times = {}, {name: [] for name in variants}
        for turn in range(runs + 1):  # in turns, the first one to warm the page cache
            for name, command in variants.items():
                measured = bench_scan.measure(command)
                assert measured.returncode in (0, 1), name
                sizes[name] = out.stat().st_size
                if turn:
                    times[name].append(measured)
        for name, runs_of in times.items():
            measured = bench_scan.summary(runs_of)
            walls = sorted(run.wall for run in runs_of)
            print(f"| {count:,} ({images:,}) | {name} | {measured.wall:.2f} s ({walls[0]:.2f}-{walls[-1]:.2f}) | "
                  f"{measured.cpu:.2f} s | {measured.tree_mb:.0f} MB | {sizes[name] / 1e6:.2f} MB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["header", "decode", "memory", "thumbnails"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-n", type=int, default=100_000, help="images for the header part")
    parser.add_argument("--decode-n", type=int, default=2_000, help="photos for the decode part")
    parser.add_argument("--memory", default="10000,100000,1000000", help="image counts for the memory part")
    parser.add_argument("--thumbnails", default="9000,1000000", help="annotation counts for the thumbnails part")
    options = parser.parse_args()
    if options.only in (None, "header"):
        header(options.runs, options.n)
    if options.only in (None, "decode"):
        decode(options.runs, options.decode_n)
    if options.only in (None, "memory"):
        memory([int(count) for count in options.memory.split(",")])
    if options.only in (None, "thumbnails"):
        thumbnails(options.runs, [int(count) for count in options.thumbnails.split(",")])


if __name__ == "__main__":
    main()
