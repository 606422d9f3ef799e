"""A domain's disk use, in one run: virttui's count (virttui.domains.disk, one descriptor per
directory, links never followed, hard links once) against GNU `du -s -B1 -P -x`, the same
rules, on a tree of 200 directories of 100 files (a tenth of them hard links, a few links out).

Medians of the runs and the ratio virttui/du are printed, and the two sums must agree.

Run: .venv/bin/python bench/disk_use.py [--runs N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virttui.domains.disk import disk_use  # noqa: E402

DIRECTORIES, FILES = 200, 100


def make_tree(domain: Path) -> None:
    for d in range(DIRECTORIES):
        directory = domain / f"d{d:03d}"
        directory.mkdir(parents=True)
        for f in range(FILES):
            path = directory / f"f{f:03d}"
            if f % 10 == 9:
                os.link(directory / "f000", path)
            else:
                path.write_bytes(b"x" * (f * 97))
        (directory / "host").symlink_to("/")


def timed(function) -> tuple[float, int]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def du_bytes(domain: Path) -> int:
    done = subprocess.run(["du", "-s", "-B1", "-P", "-x", str(domain)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="virttui-bench-disk-") as scratch:
        domain = Path(scratch) / "example.com"
        make_tree(domain)
        ours, theirs = [], []
        for _ in range(args.runs):
            seconds, counted = timed(lambda: disk_use(domain).bytes)
            ours.append(seconds)
            seconds, du_counted = timed(lambda: du_bytes(domain))
            theirs.append(seconds)
            if counted != du_counted:
                print(f"disagree: virttui {counted} B, du {du_counted} B", file=sys.stderr)
                return 1
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"disk use of {DIRECTORIES * (FILES + 1)} entries ({counted} B): virttui {ours_median * 1000:.1f} ms, "
          f"du {theirs_median * 1000:.1f} ms, ratio {ours_median / theirs_median:.2f} (median of {args.runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
