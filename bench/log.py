"""The shared log at 1 MiB and at 1 GiB, measured in one run:

  1. the last screen: `load_page` of the last 1,000 lines (what the log screen shows first),
     in-process (the median of 5 calls in each round, the two files in turn), and the whole
     `virttui log -n 40` command; goal: the 1 GiB time within 1.5x of the 1 MiB time;
  2. `virttui log --domain D` (its last 10 lines) over the 1 GiB file next to `grep -cF D`
     of the same file; goal: at least half grep's throughput; `virttui log --domain D
     --count` (grep -c's own question) beside it;
  3. the peak memory (max RSS, of the largest of its processes) of those commands at both
     sizes: goal, flat.

The files are in rsyslog's per-domain format (every line's host is its domain), 50 domains,
with virtuald's lines of the shared mode mixed in (1 in 200 lines). They are generated in a
scratch directory of the repository and read through before each timed scan (page cache warm).

Run: .venv/bin/python bench/log.py [--rounds R]
"""

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compiled import compile_project  # noqa: E402
from virttui.syslog.needle_lines import COMPILED  # noqa: E402
from virttui.syslog.page import load_page  # noqa: E402
from virttui.syslog.query import LogQuery  # noqa: E402

VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
DOMAINS = [f"d{n:02d}.example" for n in range(50)]
WANTED = "d07.example"
BLOCK = 8 << 20
GIB = 1 << 30


def block_of_lines(seed: int) -> bytes:
    rng = random.Random(seed)
    lines = []
    size = 0
    while size < BLOCK:
        pid = rng.randint(100, 60000)
        minute, second = rng.randint(0, 59), rng.randint(0, 59)
        stamp = f"2026-11-24T10:{minute:02d}:{second:02d}.{rng.randint(0, 999999):06d}+00:00"
        domain = rng.choice(DOMAINS)
        if rng.random() < 0.005:
            line = f"{stamp} host virtuald[{pid}]: Chroot dir: /virtual/{domain}"
        else:
            program = rng.choice(["httpd", "popd", "ftpd", "smtpd", "cron"])
            text = " ".join(rng.choice(["GET", "/index.html", "200", "login", "user", "from", "127.0.0.2",
                                        "session", "closed", "bytes", str(rng.randint(0, 99999))])
                            for _ in range(rng.randint(3, 14)))
            line = f"{stamp} {domain} {program}[{pid}]: {text}"
        lines.append(line)
        size += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


def write_log(path: Path, size: int) -> None:
    blocks = [block_of_lines(seed) for seed in range(4)]
    with open(path, "wb") as f:
        written = 0
        while written < size:
            block = blocks[(written // BLOCK) % len(blocks)][:size - written]
            block = block[:block.rfind(b"\n") + 1] or block
            f.write(block)
            written += len(block)


def warm(path: Path) -> None:
    """Reads the file through, so that the command timed next finds it in the page cache
    (the kernel may drop pages of it between two commands)."""
    with open(path, "rb") as f:
        while f.read(8 << 20):
            pass


# The command is started from a small Python process of its own: Linux keeps the peak RSS of
# the process that forks across exec, so a command started from this one (which made the
# files) would report this one's peak, whatever it used itself.
LAUNCHER = """import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{time.perf_counter() - started} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def timed_command(command: list[str]) -> tuple[float, int, str]:
    """Seconds, peak RSS in KiB (of the command and the processes it starts, the largest),
    and stdout of one run."""
    with tempfile.NamedTemporaryFile("r") as figures:
        output = subprocess.run([sys.executable, "-c", LAUNCHER, figures.name, *command], check=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
        seconds, peak, status = figures.read().split()
    if int(status) not in (0, 1):
        raise RuntimeError(f"{command} exited {status}")
    return float(seconds), int(peak), output


def timed_pages(files: dict[str, Path], calls: int = 5) -> dict[str, float]:
    """The median of a few calls for each file, the files' calls taken in turn: one call takes
    a few milliseconds, where one interruption of the process weighs as much as the whole, and
    this machine's speed drifts over seconds (in turn, both files meet the same drift)."""
    times = {name: [] for name in files}
    for _ in range(calls):
        for name, path in files.items():
            started = time.perf_counter()
            page = load_page(path, LogQuery(), 1000)
            times[name].append(time.perf_counter() - started)
            assert len(page.lines) == 1000
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def spread(numerators: list[float], denominators: list[float]) -> str:
    """The lowest and highest of the rounds' own ratios (both figures of a ratio are taken in
    the same round): how far one run's figure can be trusted on this machine."""
    ratios = [top / bottom for top, bottom in zip(numerators, denominators)]
    return f"{min(ratios):.2f}-{max(ratios):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (default 5)")
    args = parser.parse_args()
    compile_project()
    grep = shutil.which("grep")
    scratch = Path(tempfile.mkdtemp(prefix=".bench-log-", dir=REPO))
    try:
        files = {"1 MiB": scratch / "small.log", "1 GiB": scratch / "big.log"}
        write_log(files["1 MiB"], 1 << 20)
        write_log(files["1 GiB"], 1 << 30)
        virttui = [str(VENV_BIN / "virttui"), "--root", str(scratch)]
        page_times = {name: [] for name in files}
        tail_times = {name: [] for name in files}
        domain_commands = {"lines": ["log", "--domain", WANTED], "count": ["log", "--domain", WANTED, "--count"]}
        domain_times = {(kind, name): [] for kind in domain_commands for name in files}
        rss = {(kind, name): [] for kind in domain_commands for name in files}
        grep_times, outputs = [], {}
        for _ in range(args.rounds):
            for name, seconds in timed_pages(files).items():
                page_times[name].append(seconds)
            for name, path in files.items():
                tail_times[name].append(timed_command([*virttui, "log", "-n", "40", "--file", str(path)])[0])
                for kind, command in domain_commands.items():
                    warm(path)
                    seconds, peak, output = timed_command([*virttui, *command, "--file", str(path)])
                    domain_times[kind, name].append(seconds)
                    rss[kind, name].append(peak)
                    outputs[kind, name] = output
            warm(files["1 GiB"])
            seconds, _, output = timed_command([grep, "-cF", WANTED, str(files["1 GiB"])])
            grep_times.append(seconds)
            outputs["grep"] = output
    finally:
        shutil.rmtree(scratch)
    median = statistics.median
    print(f"the shared log at 1 MiB and 1 GiB, {args.rounds} rounds (medians)")
    print("  the search's compiled part:", "built" if COMPILED else "not built (the Python twin ran: see the README)")
    print("  1. the last screen")
    for name in files:
        print(f"     {name}: load_page (last 1,000 lines) {median(page_times[name]) * 1000:8.2f} ms;"
              f" `virttui log -n 40` {median(tail_times[name]) * 1000:7.1f} ms")
    print(f"     ratio 1 GiB / 1 MiB: load_page {median(page_times['1 GiB']) / median(page_times['1 MiB']):.2f}"
          f" (rounds {spread(page_times['1 GiB'], page_times['1 MiB'])}),"
          f" command {median(tail_times['1 GiB']) / median(tail_times['1 MiB']):.2f}"
          f" (rounds {spread(tail_times['1 GiB'], tail_times['1 MiB'])})   goal: <= 1.5")
    last_lines = outputs["lines", "1 GiB"].splitlines()
    assert len(last_lines) == 10 and all(WANTED in line for line in last_lines), last_lines
    theirs = GIB / median(grep_times)
    print(f"  2. --domain {WANTED} over 1 GiB: grep -cF {median(grep_times):.2f} s ({theirs / 1e6:.0f} MB/s,"
          f" {outputs['grep'].strip()} lines)")
    for kind, label in (("lines", "virttui log --domain (last 10 lines)"), ("count", "virttui log --domain --count")):
        ours = GIB / median(domain_times[kind, "1 GiB"])
        counted = f", {outputs['count', '1 GiB'].strip()} lines" if kind == "count" else ""
        goal = "   goal: >= 0.5" if kind == "lines" else ""
        print(f"     {label}: {median(domain_times[kind, '1 GiB']):.2f} s ({ours / 1e6:.0f} MB/s{counted});"
              f" throughput ratio virttui/grep {ours / theirs:.2f}"
              f" (rounds {spread(grep_times, domain_times[kind, '1 GiB'])}){goal}")
    print("  3. peak memory, 1 MiB and 1 GiB")
    for kind, label in (("lines", "--domain"), ("count", "--domain --count")):
        small, big = median(rss[kind, "1 MiB"]), median(rss[kind, "1 GiB"])
        print(f"     {label}: {small / 1024:.1f} MiB, {big / 1024:.1f} MiB; ratio {big / small:.2f}"
              f"   goal: flat (about 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
