"""Benchmark: labelcheck scan against pycocotools and json.load on one synthetic file.

    python benchmarks/bench_scan.py                      # 1M annotations
    python benchmarks/bench_scan.py -n 10000000          # 10M (about 2.3 GB)
    python benchmarks/bench_scan.py -n 1000000 --only labelcheck

Generates (once, seeded) an OpenImages-MLPerf-format file in bench-data/ (git
ignored): the keys and layout of fixtures/make_fixtures.py, about 9 boxes per
image, 0.1% of labels out of range, boxes within their image and at most 8
times as wide as high (or the reverse). Then runs, each as its own process, after
one untimed read of the file so the page cache is warm, ``--runs`` times each
(default 3, the tools taking turns; the median wall time and the largest peaks
are shown, each run's time on stderr):

- labelcheck: ``labelcheck scan FILE --format json -o REPORT`` (all rules);
- pycocotools: ``COCO(FILE)`` plus the range check 0 <= category_id < 264;
- json.load: ``json.load`` plus the same check.

It prints wall time, peak memory and the ratios, and checks that all three
found the same out-of-range annotations. Then it times the rewriting commands
on the same file, against the scan's time:

- clean: ``labelcheck clean FILE -o OUT`` (drops the out-of-range annotations);
- remap: ``labelcheck remap FILE -o OUT --offset 0 --drop-unknown`` (rewrites
  every annotation's category_id, drops the undeclared ones);

and checks that each dropped exactly the out-of-range annotations. And it
times two variants of the scan, against it:

- no-statistics: ``--no-statistics --ignore`` the statistics rules (what the
  scan cost before the dataset statistics; the target is at most 1.15x);
- html: ``--format html -o report.html`` (the audit report), with its size.

With
``--tree DIR`` (another checkout, such as the main branch before a change),
that checkout's scan, clean and remap run in the same turns, each from its own
tree, and are printed beside this tree's. Peak memory is measured two ways:
the largest single process (getrusage of the waited child and its
descendants) and the whole process tree (labelcheck runs worker processes):
the sum of VmRSS over the tree, sampled every 20 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data"
CLASSES = (ROOT / "labelcheck" / "core" / "data" / "mlperf_264_classes.txt").read_text("utf-8").splitlines()
NUM_CLASSES = len(CLASSES)
BOXES_PER_IMAGE = 9
OUT_OF_RANGE_RATE = 0.001
OUT_OF_RANGE_LABELS = (264, 265, 300, 600, -1)
MAX_ASPECT = 8
SIZES = ((1024, 768), (768, 1024), (1024, 683), (800, 600), (1024, 1024), (683, 1024))

RANGE_CHECK = f"""
import json, sys
ids = [a["id"] for a in annotations if not 0 <= a["category_id"] < {NUM_CLASSES}]
json.dump(sorted(ids), open(sys.argv[2], "w"))
"""
CONTENDERS = {
    "pycocotools": "import sys\nfrom pycocotools.coco import COCO\nannotations = COCO(sys.argv[1]).dataset['annotations']"
    + RANGE_CHECK,
    "json.load": "import json, sys\nannotations = json.load(open(sys.argv[1]))['annotations']" + RANGE_CHECK,
}


def generate(path: Path, count: int, seed: int = 264, out_of_range_rate: float = OUT_OF_RANGE_RATE) -> None:
    """Write ``count`` annotations in the OpenImages-MLPerf export format, one array element per line."""
    rng = random.Random(seed)
    images = max(1, round(count / BOXES_PER_IMAGE))
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        out.write('{\n"info": {"description": "labelcheck benchmark, OpenImages-MLPerf export format", "version": "1.0"},\n')
        out.write('"licenses": [],\n"categories": [\n')
        out.write(",\n".join(json.dumps({"id": i, "name": n, "supercategory": "none"}) for i, n in enumerate(CLASSES)))
        out.write('\n],\n"images": [\n')
        sizes = []
        for image_id in range(1, images + 1):
            width, height = rng.choice(SIZES)
            sizes.append((width, height))
            key = f"{rng.getrandbits(64):016x}"
            separator = ",\n" if image_id < images else "\n"
            out.write(
                f'{{"id": {image_id}, "file_name": "{key}.jpg", "height": {height}, "width": {width}, '
                f'"license": null, "coco_url": "https://storage.googleapis.com/openimages/v6/train/{key}.jpg"}}{separator}'
            )
        out.write('],\n"annotations": [\n')
        for annotation_id in range(1, count + 1):
            image_id = min(images, 1 + (annotation_id - 1) * images // count)
            out.write(_annotation(rng, annotation_id, image_id, sizes[image_id - 1], out_of_range_rate))
            out.write(",\n" if annotation_id < count else "\n")
        out.write("]\n}\n")
    temporary.replace(path)


def _annotation(rng: random.Random, annotation_id: int, image_id: int, size: tuple[int, int], bad_rate: float) -> str:
    width, height = size
    x_min, y_min = rng.uniform(0, 0.8), rng.uniform(0, 0.8)
    x_max, y_max = rng.uniform(x_min + 0.02, 1.0), rng.uniform(y_min + 0.02, 1.0)
    w, h = (x_max - x_min) * width, (y_max - y_min) * height
    # Real boxes are seldom more than 8 times as wide as high or the reverse (extreme-aspect-ratio flags 20).
    w, h = min(max(w, h / MAX_ASPECT), (1 - x_min) * width), min(max(h, w / MAX_ASPECT), (1 - y_min) * height)
    w, h = round(w, 2), round(h, 2)
    if rng.random() < bad_rate:
        category = rng.choice(OUT_OF_RANGE_LABELS)
    else:
        category = rng.randrange(NUM_CLASSES)
    group = int(rng.random() < 0.05)
    return (
        f'{{"id": {annotation_id}, "image_id": {image_id}, "category_id": {category}, '
        f'"bbox": [{round(x_min * width, 2)}, {round(y_min * height, 2)}, {w}, {h}], "area": {round(w * h, 2)}, '
        f'"iscrowd": {group}, "IsOccluded": {rng.choice((0, 1, -1))}, "IsTruncated": {rng.choice((0, 1))}, '
        f'"IsGroupOf": {group}, "IsDepiction": 0, "IsInside": 0}}'
    )


def data_file(count: int) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"openimages-mlperf-{count}.json"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        generate(path, count)
    return path


@dataclass
class Measured:
    wall: float
    largest_process_mb: float
    tree_mb: float
    returncode: int
    cpu: float = 0.0  # user + system seconds of the process and the descendants it waited for


def measure(command: list[str], tree: Path = ROOT) -> Measured:
    """Run ``command``; wall time and peak memory of it and its descendants."""
    os.sync()  # the disk writes of an earlier run (a 2 GB output) are not this run's to wait for
    start = time.perf_counter()
    # The tree's labelcheck: first on the path (python -m puts the working folder first), whatever is installed.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env, cwd=tree)
    sampler = _TreeSampler(process.pid)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(wall, usage.ru_maxrss / 1024, sampler.peak / 2**20, process.returncode,
                    usage.ru_utime + usage.ru_stime)


def summary(runs: list[Measured]) -> Measured:
    """The median wall time and the largest peaks of several runs."""
    walls = sorted(run.wall for run in runs)
    cpus = sorted(run.cpu for run in runs)
    return Measured(
        walls[len(walls) // 2], max(run.largest_process_mb for run in runs), max(run.tree_mb for run in runs),
        max(run.returncode for run in runs), cpus[len(cpus) // 2],
    )


class _TreeSampler(threading.Thread):
    """Peak of the summed resident memory of a process and its descendants."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, sum(_rss(pid) for pid in _tree(self.pid)))
            self._done.wait(0.02)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(root: int) -> list[int]:
    """The process and its descendants, from the kernel's list of each thread's
    children: cheap enough to sample every 20 ms without taking CPU from a
    process that uses every core."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                todo.extend(int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split())
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task"):
                continue  # the process has ended
            return _tree_by_parents(root)  # a kernel without the children lists
        except OSError:
            continue
    return found


def _tree_by_parents(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


LABELCHECK_COMMANDS = ("labelcheck", "clean", "remap")
STATISTICS_RULES = "few-annotations,class-missing-in-split,tiny-box,extreme-aspect-ratio,duplicate-box"
SCAN_VARIANTS = {
    "no-statistics": ["scan", "{path}", "--format", "json", "-o", "{data}/report-no-statistics.json", "--quiet",
                      "--no-statistics", "--ignore", STATISTICS_RULES],
    "html": ["scan", "{path}", "--format", "html", "-o", "{data}/report.html", "--quiet"],
}
REWRITES = {
    "clean": ["clean", "{path}", "-o", "{data}/clean.json", "--force", "--report", "{data}/clean-audit.json"],
    "remap": ["remap", "{path}", "-o", "{data}/remap.json", "--offset", "0", "--drop-unknown", "--force",
              "--report", "{data}/remap-report.json"],
}


def command(name: str, path: Path, data: Path = DATA) -> list[str]:
    if name in REWRITES or name in SCAN_VARIANTS:
        arguments = REWRITES.get(name) or SCAN_VARIANTS[name]
        return [sys.executable, "-m", "labelcheck", *(a.format(path=path, data=data) for a in arguments)]
    if name == "labelcheck":
        report = data / "report.json"
        return [sys.executable, "-m", "labelcheck", "scan", str(path), "--format", "json", "-o", str(report), "--quiet"]
    return [sys.executable, "-c", CONTENDERS[name], str(path), str(DATA / f"found-{name}.json")]


def out_of_range_found(name: str) -> list[int]:
    if name == "clean":
        dropped = json.loads((DATA / "clean-audit.json").read_text("utf-8"))["dropped_annotations"]
        return sorted(a["annotation_id"] for a in dropped)
    if name in ("labelcheck", "no-statistics"):
        report = "report.json" if name == "labelcheck" else "report-no-statistics.json"
        findings = json.loads((DATA / report).read_text("utf-8"))["findings"]
        return sorted(f["annotation_id"] for f in findings if f["rule"] == "category-out-of-range")
    return json.loads((DATA / f"found-{name}.json").read_text("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--annotations", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["labelcheck", *CONTENDERS, *REWRITES, *SCAN_VARIANTS], action="append")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each tool, taken in turns; the median wall time and the largest peaks are shown")
    parser.add_argument("--tree", type=Path,
                        help="another checkout of labelcheck: its scan, clean and remap run in the same turns "
                             "(from TREE, first on the path) and are compared with this tree's, side by side")
    args = parser.parse_args()
    path = data_file(args.annotations)
    with open(path, "rb") as warm:
        while warm.read(64 << 20):
            pass
    size = path.stat().st_size
    print(f"{path.name}: {args.annotations:,} annotations, {size / 1e6:,.0f} MB")
    names = args.only or ["labelcheck", *CONTENDERS, *REWRITES, *SCAN_VARIANTS]
    runs: dict[str, list[Measured]] = {name: [] for name in names}
    # Every run first: a child's peak counts the memory of this process when it
    # started, so nothing is loaded here until all have run. The tools take
    # turns, so a slow spell of the machine does not fall on one of them.
    other_tree = {name: [] for name in names if name in LABELCHECK_COMMANDS} if args.tree else {}
    (DATA / "other-tree").mkdir(exist_ok=True)
    for _ in range(max(args.runs, 1)):
        for name in names:
            runs[name].append(measure(command(name, path)))
            print(f"  {name}: {runs[name][-1].wall:.2f} s, exit {runs[name][-1].returncode}", file=sys.stderr)
            if name in other_tree:
                other_tree[name].append(measure(command(name, path, DATA / "other-tree"), args.tree.resolve()))
                print(f"  {name} ({args.tree}): {other_tree[name][-1].wall:.2f} s", file=sys.stderr)
    measured_runs = {name: summary(taken) for name, taken in runs.items()}
    if other_tree:
        print_trees({name: summary(runs[name]) for name in other_tree},
                    {name: summary(taken) for name, taken in other_tree.items()}, args.tree)
    print(f"{max(args.runs, 1)} runs of each: median wall time, largest peaks")
    rewrites = {name: measured_runs.pop(name) for name in REWRITES if name in measured_runs}
    variants = {name: (measured_runs.pop(name), runs[name]) for name in SCAN_VARIANTS if name in measured_runs}
    results = {name: (measured, out_of_range_found(name)) for name, measured in measured_runs.items()}
    print()
    print("| tool | wall time | peak RSS, largest process | peak RSS, process tree | MB/s |")
    print("|---|---:|---:|---:|---:|")
    for name, (measured, _) in results.items():
        print(
            f"| {name} | {measured.wall:.2f} s | {measured.largest_process_mb:,.0f} MB | {measured.tree_mb:,.0f} MB "
            f"| {size / 1e6 / measured.wall:,.0f} |"
        )
    if "labelcheck" in results:
        mine = results["labelcheck"][0]
        for name, (measured, _) in results.items():
            if name != "labelcheck":
                print(
                    f"\nlabelcheck vs {name}: {measured.wall / mine.wall:.1f}x faster, "
                    f"{measured.largest_process_mb / mine.tree_mb:.0f}x less memory (their largest process / our tree)"
                )
    found = {name: ids for name, (_, ids) in results.items()}
    agree = len({tuple(ids) for ids in found.values()}) == 1
    print(f"\nout-of-range annotations: {', '.join(f'{name} {len(ids)}' for name, ids in found.items())}; "
          f"{'all the same' if agree else 'DIFFERENT'}")
    if rewrites:
        print_rewrites(rewrites, results, size)
    if variants:
        print_variants(variants, results, runs.get("labelcheck"))
    if not agree:
        sys.exit(1)


def print_trees(here: dict[str, Measured], there: dict[str, Measured], tree: Path) -> None:
    """This tree's labelcheck commands beside another checkout's, from the same turns."""
    print(f"\n| command | this tree: wall time, peak RSS (tree) | {tree}: wall time, peak RSS (tree) | ratio |")
    print("|---|---:|---:|---:|")
    for name, mine in here.items():
        theirs = there[name]
        print(f"| {name} | {mine.wall:.2f} s, {mine.tree_mb:,.0f} MB | {theirs.wall:.2f} s, {theirs.tree_mb:,.0f} MB "
              f"| {mine.wall / theirs.wall:.2f} |")
    print()


def print_variants(variants: dict[str, tuple[Measured, list[Measured]]], results: dict,
                   scan_runs: list[Measured] | None) -> None:
    """The scan without its statistics, and the HTML report, against the scan (all rules, JSON report)."""
    scan = results.get("labelcheck")
    spread = lambda taken: f"{min(r.wall for r in taken):.2f}-{max(r.wall for r in taken):.2f}"  # noqa: E731
    print("\n| scan | wall time: median (all runs) | CPU time: median | peak RSS, largest process "
          "| peak RSS, process tree |")
    print("|---|---:|---:|---:|---:|")
    rows = ([("--format json (statistics on)", scan[0], scan_runs)] if scan and scan_runs else [])
    rows += [(name, measured, taken) for name, (measured, taken) in variants.items()]
    for name, measured, taken in rows:
        print(f"| {name} | {measured.wall:.2f} s ({spread(taken)}) | {measured.cpu:.2f} s "
              f"| {measured.largest_process_mb:,.0f} MB | {measured.tree_mb:,.0f} MB |")
    if "html" in variants:
        print(f"\nHTML report: {(DATA / 'report.html').stat().st_size / 1e6:.2f} MB")
    if scan and "no-statistics" in variants:
        off = variants["no-statistics"][0]
        same = out_of_range_found("no-statistics") == scan[1]
        print(f"statistics on / off: {scan[0].wall / off.wall:.2f}x wall time, {scan[0].cpu / off.cpu:.2f}x CPU time; "
              f"the same out-of-range annotations: {same}")


def print_rewrites(rewrites: dict[str, Measured], results: dict, size: int) -> None:
    """The rewriting commands against the scan, and whether each dropped exactly the out-of-range annotations."""
    scan = results.get("labelcheck")
    print("\n| command | wall time | peak RSS, largest process | peak RSS, process tree | MB/s | vs scan |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, measured in rewrites.items():
        ratio = f"{measured.wall / scan[0].wall:.1f}x" if scan else "-"
        print(
            f"| labelcheck {name} | {measured.wall:.2f} s | {measured.largest_process_mb:,.0f} MB "
            f"| {measured.tree_mb:,.0f} MB | {size / 1e6 / measured.wall:,.0f} | {ratio} |"
        )
    if scan:
        expected = scan[1]
        clean_ok = "clean" not in rewrites or out_of_range_found("clean") == expected
        remap = json.loads((DATA / "remap-report.json").read_text("utf-8")) if "remap" in rewrites else None
        remap_ok = remap is None or remap["dropped_annotations"] == len(expected)
        print(f"\nclean dropped exactly the out-of-range annotations: {clean_ok}; "
              f"remap dropped as many: {remap_ok}")


if __name__ == "__main__":
    main()
