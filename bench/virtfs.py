"""Building a domain with the `base` profile, next to jailkit's jk_init building a jail with the
same programs and devices, in one run: wall time (medians of several builds) and disk used.
Goal: both ratios (virtfs / jk_init) <= 1.0. Beside it, jk_init given everything virtfs takes
from the host for base (the PAM and NSS pieces, the copied files and directories too). Then,
in one more build of each, the steps of the integration test (tests/test_virtfs.py): which
of them each tree can do.

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


# The integration test's steps, each a command run in the tree (and its input).
STEPS = {
    "sh": (["sh", "-c", "echo $((6 * 7))"], None),
    "useradd": (["useradd", "-m", "-s", "/bin/sh", "bob"], None),
    "chpasswd": (["chpasswd"], "bob:Corr3ct-horse\n"),
    "passwd -S": (["passwd", "-S", "bob"], None),
    "id": (["id", "bob"], None),
    "vi": (["vi", "-E", "-s", "-c", "normal Ayz", "-c", "wq", "/tmp/note.txt"], None),
}


def steps_done(tree: Path) -> list[str]:
    """The steps that succeed in `tree`, run in order (each may need the ones before)."""
    (tree / "tmp").mkdir(exist_ok=True)
    (tree / "tmp" / "note.txt").write_text("x\n")
    done = []
    for name, (argv, stdin) in STEPS.items():
        result = subprocess.run(["chroot", str(tree), *argv], input=stdin, capture_output=True, text=True,
                                timeout=60, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "xterm"})
        if result.returncode == 0:
            done.append(name)
    return done


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
                times[name].append(timed(build_command(tree, config, section)))
                disks[name].append(disk_used(built_tree(tree, section)))
                shutil.rmtree(tree)
        done = {}
        for name, section in builds.items():
            tree = Path(scratch) / f"steps-{section or 'virtfs'}"
            tree.mkdir()
            subprocess.run(build_command(tree, config, section), check=True, capture_output=True)
            done[name] = steps_done(built_tree(tree, section))
    median = statistics.median
    print(f"building base's programs, {args.runs} builds each (medians)")
    for name in builds:
        print(f"  {name:24} {median(times[name]) * 1000:8.1f} ms   {median(disks[name]) / 1024:8.0f} KiB on disk")
    ours = "virtfs"
    for theirs in ("jk_init", "jk_init, same contents"):
        print(f"  virtfs / {theirs}: time {median(times[ours]) / median(times[theirs]):.2f},"
              f" disk {median(disks[ours]) / median(disks[theirs]):.3f}"
              + ("   goal: both <= 1.0" if theirs == "jk_init" else ""))
    print(f"the integration test's steps ({', '.join(STEPS)}) each tree can do")
    for name in builds:
        missing = [step for step in STEPS if step not in done[name]]
        print(f"  {name:24} {len(done[name])} of {len(STEPS)}" + (f" (not: {', '.join(missing)})" if missing else ""))
    return 0


def build_command(tree: Path, config: Path, section: str | None) -> list[str]:
    """virtfs building d.example under `tree` (section None), or jk_init building `section` in `tree`."""
    if section is None:
        return [str(VENV_BIN / "virtfs"), "--root", str(tree), "d.example"]
    return ["jk_init", "-c", str(config), str(tree), section]


def built_tree(tree: Path, section: str | None) -> Path:
    return tree / "d.example" if section is None else tree


if __name__ == "__main__":
    sys.exit(main())
