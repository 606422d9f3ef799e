"""Building a domain with the `base` profile, next to jailkit's jk_init building a jail with the
same programs and devices, in one run: wall time (medians of several builds) and disk used.
Goal: both ratios (virtfs / jk_init) <= 1.0.

Needs root and jk_init (Debian package jailkit).
Run: .venv/bin/python bench/virtfs.py [--runs N]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virttui.virtfs.closure import find_program  # noqa: E402
from virttui.virtfs.profiles import compose  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def jk_init_config(path: Path) -> None:
    """A jailkit section with base's programs and devices."""
    composition = compose(["base"])
    programs = [find_program(name) for name in composition.binaries + composition.optional_binaries]
    devices = [f"/dev/{name}" for name in composition.devices]
    path.write_text("[virttui-base]\ncomment = the programs of virtfs's base profile\n"
                    f"paths = {', '.join(p for p in programs if p)}\n"
                    f"devices = {', '.join(devices)}\n")


def disk_used(path: Path) -> int:
    """Bytes of disk the tree takes (blocks, as du counts them)."""
    out = subprocess.run(["du", "-s", "--block-size=1", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="builds of each (default 5)")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("jk_init"):
        print("bench/virtfs.py needs root and jk_init (Debian package jailkit)", file=sys.stderr)
        return 2
    times = {"virtfs": [], "jk_init": []}
    disks = {"virtfs": [], "jk_init": []}
    # jk_init refuses a jail below a directory others can write to (/tmp): build beside the project
    with tempfile.TemporaryDirectory(prefix=".bench-", dir=Path(__file__).resolve().parent.parent) as scratch:
        config = Path(scratch) / "jk_init.ini"
        jk_init_config(config)
        for run in range(args.runs):  # interleaved: both see the same machine
            root = Path(scratch) / f"root{run}"
            root.mkdir()
            times["virtfs"].append(timed([str(VENV_BIN / "virtfs"), "--root", str(root), "d.example"]))
            disks["virtfs"].append(disk_used(root / "d.example"))
            jail = Path(scratch) / f"jail{run}"
            jail.mkdir()
            times["jk_init"].append(timed(["jk_init", "-c", str(config), str(jail), "virttui-base"]))
            disks["jk_init"].append(disk_used(jail))
            shutil.rmtree(root)
            shutil.rmtree(jail)
    ours, theirs = statistics.median(times["virtfs"]), statistics.median(times["jk_init"])
    our_disk, their_disk = statistics.median(disks["virtfs"]), statistics.median(disks["jk_init"])
    print(f"building base's programs, {args.runs} builds each (medians)")
    print(f"  virtfs   {ours * 1000:8.1f} ms   {our_disk / 1e6:6.1f} MB on disk")
    print(f"  jk_init  {theirs * 1000:8.1f} ms   {their_disk / 1e6:6.1f} MB on disk")
    print(f"  time ratio virtfs/jk_init {ours / theirs:.2f}   goal <= 1.0")
    print(f"  disk ratio virtfs/jk_init {our_disk / their_disk:.2f}   goal <= 1.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
