"""Benchmark: ``labelcheck loaders`` (every profile and preset, one pass) against a plain scan.

    python benchmarks/bench_loaders.py                   # 1M annotations
    python benchmarks/bench_loaders.py -n 10000000       # 10M (the target: at most 1.5x the scan)

Uses bench_scan.py's seeded OpenImages-MLPerf file in bench-data/ (generated
once). Each command runs as its own process on a warm page cache, ``--runs``
times (default 3), the two taking turns:

- scan: ``labelcheck scan FILE --format json -o REPORT`` (the default contract, every rule);
- loaders: ``labelcheck loaders FILE --format json -o OUT`` (the 5 presets and 9 profiles).

It prints the median wall time, the median CPU time (user + system, the
workers included), the largest peaks of memory, and the ratio of the medians;
and checks that the loaders' mlperf-retinanet row counts as many out-of-range
labels as the scan reports. With ``--tree DIR`` (another checkout, such as the
main branch before a change), that checkout's scan runs in the same turns too.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench_scan import DATA, ROOT, Measured, data_file, measure, summary

COMMANDS = {
    "scan": ["scan", "{path}", "--format", "json", "-o", "{data}/report.json", "--quiet"],
    "loaders": ["loaders", "{path}", "--format", "json", "-o", "{data}/loaders.json", "--quiet"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--annotations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tree", type=Path, help="another checkout: its scan runs in the same turns")
    args = parser.parse_args()
    path = data_file(args.annotations)
    with open(path, "rb") as warm:
        while warm.read(64 << 20):
            pass
    print(f"{path.name}: {args.annotations:,} annotations, {path.stat().st_size / 1e6:,.0f} MB")
    turns = {name: (ROOT, arguments) for name, arguments in COMMANDS.items()}
    if args.tree:
        (DATA / "other-tree").mkdir(exist_ok=True)
        turns[f"scan ({args.tree})"] = (args.tree.resolve(), [a.replace("{data}", "{data}/other-tree")
                                                             for a in COMMANDS["scan"]])
    runs: dict[str, list[Measured]] = {name: [] for name in turns}
    for _ in range(max(args.runs, 1)):
        for name, (tree, arguments) in turns.items():
            command = [sys.executable, "-m", "labelcheck", *(a.format(path=path, data=DATA) for a in arguments)]
            runs[name].append(measure(command, tree))
            taken = runs[name][-1]
            print(f"  {name}: {taken.wall:.2f} s wall, {taken.cpu:.2f} s CPU, exit {taken.returncode}", file=sys.stderr)
    scan, loaders = summary(runs["scan"]), summary(runs["loaders"])
    print(f"{max(args.runs, 1)} runs of each, in turns: medians, largest peaks\n")
    print("| command | wall time (all runs) | CPU time | peak RSS, largest process | peak RSS, process tree |")
    print("|---|---:|---:|---:|---:|")
    for name, taken in runs.items():
        measured = summary(taken)
        walls = ", ".join(f"{run.wall:.2f}" for run in taken)
        print(f"| labelcheck {name} | {measured.wall:.2f} s ({walls}) | {measured.cpu:.2f} s | "
              f"{measured.largest_process_mb:,.0f} MB | {measured.tree_mb:,.0f} MB |")
    print(f"\nloaders / scan: {loaders.wall / scan.wall:.2f}x the wall time, {loaders.cpu / scan.cpu:.2f}x the CPU time")
    findings = json.loads((DATA / "report.json").read_text("utf-8"))["findings"]
    expected = sum(1 for finding in findings if finding["rule"] == "category-out-of-range")
    verdicts = json.loads((DATA / "loaders.json").read_text("utf-8"))["files"][0]["verdicts"]
    counted = next(v for v in verdicts if v["name"] == "mlperf-retinanet")["out_of_range"]["count"]
    print(f"out-of-range labels: scan {expected}, loaders (mlperf-retinanet) {counted}; "
          f"{'the same' if counted == expected else 'DIFFERENT'}")
    if counted != expected:
        sys.exit(1)


if __name__ == "__main__":
    main()
