"""Building a domain with the `base` profile, next to jailkit's jk_init building a jail with the
same programs and devices, in one run: wall time (medians of several builds) and disk used.
Goal: both ratios (virtfs / jk_init) <= 1.0. Beside it, jk_init given everything virtfs takes
from the host for base (the PAM and NSS pieces, the copied files and directories too).

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

from bench.compiled import compile_project  # noqa: E402
from virttui.virtfs.closure import find_program  # noqa: E402
from virttui.virtfs.plan import make_plan  # noqa: E402
from virttui.virtfs.profiles import compose  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def jk_init_config(path: Path) -> None:
    """Two jailkit sections: base's programs and devices alone (the issue's comparison), and
    everything virtfs takes from the host for base (programs, their libraries, the NSS and
    PAM pieces, the copied files, the directories), so that the two trees hold the same but
    for what virtfs generates (passwd, shadow, hosts ...) and jailkit's ld.so.cache."""
    composition = compose(["base"])
    programs = [find_program(name) for name in composition.binaries + composition.optional_binaries]
    devices = ", ".join(f"/dev/{name}" for name in composition.devices)
    plan = make_plan("d.example", composition)
    directories = ", ".join("/" + directory.path for directory in plan.directories)
    path.write_text("[virttui-base]\ncomment = the programs of virtfs's base profile\n"
                    f"paths = {', '.join(p for p in programs if p)}\n"
                    f"devices = {devices}\n"
                    "[virttui-base-same]\ncomment = what virtfs copies for base\n"
                    f"paths = {', '.join(sorted(plan.copies))}\n"   # in some orders jk_init fails to make a parent
                    f"emptydirs = {directories}\n"
                    f"devices = {devices}\n")


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
    compile_project()
    builds = {"virtfs": None, "jk_init": "virttui-base", "jk_init, same contents": "virttui-base-same"}
    times = {name: [] for name in builds}
    disks = {name: [] for name in builds}
    # jk_init refuses a jail below a directory others can write to (/tmp): build beside the project
    with tempfile.TemporaryDirectory(prefix=".bench-", dir=Path(__file__).resolve().parent.parent) as scratch:
        config = Path(scratch) / "jk_init.ini"
        jk_init_config(config)
        for run in range(args.runs):  # interleaved: all see the same machine
            for name, section in builds.items():
                tree = Path(scratch) / f"{run}-{section or 'virtfs'}"
                tree.mkdir()
                if section is None:
                    times[name].append(timed([str(VENV_BIN / "virtfs"), "--root", str(tree), "d.example"]))
                    disks[name].append(disk_used(tree / "d.example"))
                else:
                    times[name].append(timed(["jk_init", "-c", str(config), str(tree), section]))
                    disks[name].append(disk_used(tree))
                shutil.rmtree(tree)
    median = statistics.median
    print(f"building base's programs, {args.runs} builds each (medians)")
    for name in builds:
        print(f"  {name:24} {median(times[name]) * 1000:8.1f} ms   {median(disks[name]) / 1024:8.0f} KiB on disk")
    ours = "virtfs"
    for theirs in ("jk_init", "jk_init, same contents"):
        print(f"  virtfs / {theirs}: time {median(times[ours]) / median(times[theirs]):.2f},"
              f" disk {median(disks[ours]) / median(disks[theirs]):.3f}"
              + ("   goal: both <= 1.0" if theirs == "jk_init" else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
