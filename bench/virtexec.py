"""virtexec's cost, in one run:

  (a) `chroot d1 cat /etc/hostname`: the floor, chroot(8) and a busybox cat;
  (b) `virtcat --domain d1 /etc/hostname`: the link to virtexec, which finds the domain,
      chroots, cleans the environment, logs one line and execs the same cat;
  (c) the picker's first frame: `virtcat /etc/hostname` on an 80x24 pseudo-terminal with no
      domain given, until the picker's title is painted.

Medians and the ratio b/a are printed. Needs root (chroot) and busybox-static.

Run: .venv/bin/python bench/virtexec.py [--runs N]
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

from bench.compiled import compile_project  # noqa: E402
from bench.terminal import TerminalProgram  # noqa: E402
from tests.jails import build_busybox_root  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def elapsed(command: list[str], environment: dict, expected: bytes) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env=environment)
    seconds = time.perf_counter() - started
    if result.stdout != expected:
        raise RuntimeError(f"{command} printed {result.stdout!r} {result.stderr!r}")
    return seconds


def picker_frame(command: list[str], environment: dict) -> float:
    program = TerminalProgram(command, env=environment)
    try:
        return program.wait_for(rb"Pick a domain") - program.started
    finally:
        program.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of a and b (default 30; the picker a third)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/virtexec.py needs root (chroot)", file=sys.stderr)
        return 2
    compile_project()
    with tempfile.TemporaryDirectory(prefix="virttui-bench-virtexec-") as scratch:
        root = build_busybox_root(Path(scratch) / "root")
        links = Path(scratch) / "bin"
        links.mkdir()
        (links / "virtcat").symlink_to(VENV_BIN / "virtexec")
        environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "VIRT_ROOT": str(root),
                       "VIRTEXEC_LOG_SOCKET": "/nonexistent", "TERM": "xterm-256color"}
        expected = b"d1.example\n"
        floor, ours, frames = [], [], []
        for _ in range(args.runs):  # interleaved: both see the same machine
            floor.append(elapsed(["chroot", str(root / "d1.example"), "/bin/cat", "/etc/hostname"],
                                 environment, expected))
            ours.append(elapsed([str(links / "virtcat"), "--domain", "d1.example", "/etc/hostname"],
                                environment, expected))
        for _ in range(max(3, args.runs // 3)):
            frames.append(picker_frame([str(links / "virtcat"), "/etc/hostname"], environment))
    a, b, c = statistics.median(floor), statistics.median(ours), statistics.median(frames)
    print(f"virtexec, {args.runs} runs (medians)")
    print(f"  a chroot d1 cat /etc/hostname           {a * 1000:7.2f} ms")
    print(f"  b virtcat --domain d1 /etc/hostname     {b * 1000:7.2f} ms")
    print(f"  c the picker's first frame (80x24)      {c * 1000:7.2f} ms")
    print(f"  time ratio b/a                          {b / a:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
