"""`virttui check` on a root of 1,000 domains built from the base profile, next to
`find ROOT -type f -newer X` over the same tree (the cost of walking it), in one run.
Goal: check / find <= 3.

One domain is built with virtfs; the others are `cp -al` copies of it: hard links between the
domains (never to a host file), so that 1,000 domains take the disk of one (13 MB, not 13 GB).
Every file of the copies then has 1,000 links, which the check's hard-link test looks up for
each: the figure is, if anything, pessimistic. Both commands are run with a warm cache, in
turns, and the medians compared.

Needs root (virtfs). Run: .venv/bin/python bench/check.py [--domains N] [--runs N]
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def build_root(root: Path, count: int) -> None:
    root.mkdir()
    log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    log.bind(str(root / "log"))   # the log socket stays as a file once this process ends
    log.close()
    first = "d0000.example"
    subprocess.run([str(VENV_BIN / "virtfs"), "--root", str(root), first], check=True, capture_output=True)
    for number in range(1, count):
        subprocess.run(["cp", "-al", str(root / first), str(root / f"d{number:04d}.example")], check=True)


def timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    return time.perf_counter() - start, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/check.py: needs root (virtfs builds the domains)", file=sys.stderr)
        return 77
    work = Path(tempfile.mkdtemp(prefix="virttui-bench-check-"))
    try:
        root = work / "root"
        started = time.perf_counter()
        build_root(root, args.domains)
        print(f"root: {args.domains} domains built in {time.perf_counter() - started:.1f} s")
        marker = work / "marker"
        marker.touch()
        check = [str(VENV_BIN / "virttui"), "--root", str(root), "check"]
        find = ["find", str(root), "-type", "f", "-newer", str(marker)]
        timed(check), timed(find)   # warm the caches
        checks, finds = [], []
        for _ in range(args.runs):
            seconds, done = timed(check)
            checks.append(seconds)
            assert done.returncode == 0, done.stdout + done.stderr
            seconds, done = timed(find)
            finds.append(seconds)
        files = int(subprocess.run(["sh", "-c", f"find {root} -type f | wc -l"], capture_output=True,
                                   text=True).stdout)
        check_median, find_median = statistics.median(checks), statistics.median(finds)
        print(f"files in the tree: {files}")
        print(f"virttui check:             median {check_median:.3f} s  (runs: "
              f"{', '.join(f'{s:.3f}' for s in checks)})")
        print(f"find -type f -newer X:     median {find_median:.3f} s  (runs: "
              f"{', '.join(f'{s:.3f}' for s in finds)})")
        ratio = check_median / find_median
        print(f"ratio check / find: {ratio:.2f}  (goal <= 3): {'met' if ratio <= 3 else 'NOT met'}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
