"""FTP sessions per connection on loopback: login, LIST, QUIT, in a domain built by
`virtfs --profile ftp`, with vsftpd started

  (a) without virtuald: tcpserver -> chroot DOMAIN vsftpd (the baseline: chroot only),
  (b) through virtuald per connection: tcpserver -> virtuald conf.ftp vsftpd (the catalog's argv),
  (c) through virtuald's daemon mode: virtuald --listen ADDR:PORT conf.ftp vsftpd (no tcpserver).

Each path is one function that starts its server (PATHS below). Rounds are interleaved, so
all paths see the same machine; the figures are medians of the rounds. The goal, <= 1.2 of
(a), is for the daemon mode; the per-connection ratio is reported, not a goal.

Needs root (chroot), tcpserver (ucspi-tcp) and vsftpd.
Run: .venv/bin/python bench/services.py [--sessions N] [--rounds R]
"""

import argparse
import ftplib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compiled import compile_project  # noqa: E402
from bench.virtuald import ADDRESS, interleaved_rounds, start_dispatcher, start_tcpserver  # noqa: E402
from tests.served_domains import add_user, build_domain  # noqa: E402
from virttui.services.catalog import load_services  # noqa: E402

VENV_BIN = Path(sys.executable).parent
DOMAIN = "d1.example"
USER, PASSWORD = "bob", "bench-Pa55"
FTP = load_services()["ftp"]


# One function per path: (root, port) -> the server, listening.

def chroot_only(root: Path, port: int) -> subprocess.Popen:
    return start_tcpserver(port, [shutil.which("chroot"), str(root / DOMAIN), *FTP.argv])


def virtuald_per_connection(root: Path, port: int) -> subprocess.Popen:
    return start_tcpserver(port, [str(VENV_BIN / "virtuald"), str(FTP.conf_path(root)), *FTP.argv])


def virtuald_daemon(root: Path, port: int) -> subprocess.Popen:
    return start_dispatcher(port, FTP.conf_path(root), list(FTP.argv), root / "run")


PATHS = {
    "a chroot only": chroot_only,
    "b virtuald per connection": virtuald_per_connection,
    "c virtuald --listen": virtuald_daemon,
}
GOALS = {"c virtuald --listen": 1.2}
BASELINE = "a chroot only"


def session(port: int) -> None:
    """One client's whole visit; RuntimeError when the server does not do its part."""
    with ftplib.FTP() as client:
        client.connect(ADDRESS, port, timeout=20)
        client.login(USER, PASSWORD)
        listing = []
        client.retrlines("LIST", listing.append)
        if not any(line.endswith(" listed.txt") for line in listing):
            raise RuntimeError(f"unexpected listing {listing!r}")
        client.quit()


def milliseconds_per_session(port: int, sessions: int) -> float:
    started = time.perf_counter()
    for _ in range(sessions):
        session(port)
    return (time.perf_counter() - started) * 1000 / sessions


def served_domain(root: Path) -> None:
    domain = build_domain(root, DOMAIN, FTP.profile)
    add_user(domain, USER, PASSWORD)
    (domain / "home" / USER / "listed.txt").write_text("something to list\n")
    FTP.conf_path(root).write_text(f"{ADDRESS} {domain}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=40, help="sessions per round (default 40)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each path (default 5)")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("tcpserver") or not shutil.which("vsftpd", path="/usr/sbin"):
        print("bench/services.py needs root, tcpserver (ucspi-tcp) and vsftpd", file=sys.stderr)
        return 2
    compile_project()
    with tempfile.TemporaryDirectory(prefix="virttui-bench-") as scratch:
        root = Path(scratch)
        served_domain(root)
        starts = {name: partial(start, root) for name, start in PATHS.items()}
        times = interleaved_rounds(starts, lambda port: milliseconds_per_session(port, args.sessions), args.rounds,
                                   warm=session)   # each path served once before timing
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"FTP sessions (login, LIST, QUIT) on {ADDRESS} through tcpserver, {args.sessions} per round, "
          f"{args.rounds} rounds (medians)")
    for name, value in medians.items():
        print(f"  {name:28} {value:7.2f} ms per session")
    for name in PATHS:
        if name != BASELINE:
            ratio = medians[name] / medians[BASELINE]
            goal = GOALS.get(name)
            verdict = f"goal <= {goal}: {'met' if ratio <= goal else 'missed'}" if goal else "reported, not a goal"
            print(f"  ratio {name[0]}/{BASELINE[0]}{'':20} {ratio:.2f}   ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
