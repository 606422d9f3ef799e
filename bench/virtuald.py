"""Connections per second through tcpserver on loopback, one process per connection:

  (a) the service started directly (busybox cat of the domain's hostname file),
  (b) the same service through virtuald (chroot into the domain, then exec),
  (c) through `python -c` that only execs the service: the interpreter's own floor.

Goal: b/c <= 1.15 (virtuald adds almost nothing to starting the interpreter). Needs root
(chroot) and tcpserver (Debian package ucspi-tcp).

Run: .venv/bin/python bench/virtuald.py [--connections N] [--rounds R]
"""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compiled import compile_project  # noqa: E402
from tests.jails import build_busybox_domain  # noqa: E402

VENV_BIN = Path(sys.executable).parent
ADDRESS = "127.0.0.2"
TCPSERVER_ENVIRONMENT = {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": "/nonexistent"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((ADDRESS, 0))
        return sock.getsockname()[1]


def fetch(port: int) -> bytes:
    with socket.create_connection((ADDRESS, port), timeout=10) as sock:
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        return data


def rate(port: int, connections: int, expected: bytes) -> float:
    started = time.perf_counter()
    for _ in range(connections):
        answer = fetch(port)
        if answer != expected:
            raise RuntimeError(f"unexpected answer {answer!r}")
    return connections / (time.perf_counter() - started)


def wait_listening(port: int, process: subprocess.Popen, what: str) -> subprocess.Popen:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex((ADDRESS, port)) == 0:
                return process
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


def start_dispatcher(port: int, conf: Path, argv: list[str], status_dir: Path,
                     environ: dict | None = None, options: tuple[str, ...] = ()) -> subprocess.Popen:
    """virtuald's daemon mode on ADDRESS:port for conf, serving argv (stopped with killpg)."""
    command = [str(Path(sys.executable).parent / "virtuald"), "--listen", f"{ADDRESS}:{port}",
               "--max-connections", "400", "--status-dir", str(status_dir), *options, str(conf), *argv]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True,
                               env=environ or {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": "/nonexistent"})
    return wait_listening(port, process, "virtuald --listen")


def start_tcpserver(port: int, command: list[str],
                    environment: dict[str, str] = TCPSERVER_ENVIRONMENT) -> subprocess.Popen:
    process = subprocess.Popen(["tcpserver", "-R", "-H", "-l", "0", "-c", "200", ADDRESS, str(port), *command],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env=environment)
    return wait_listening(port, process, "tcpserver")


def interleaved_rounds(starts: dict[str, Callable[[int], subprocess.Popen]], measure: Callable[[int], float],
                       rounds: int, warm: Callable[[int], object] | None = None) -> dict[str, list[float]]:
    """Each way's server started on a free port (and served once by `warm`), then `rounds`
    rounds of `measure(port)` over every way in turn, so that all see the same machine; the
    servers are stopped after. The figures by way."""
    servers, ports = [], {}
    try:
        for name, start in starts.items():
            ports[name] = free_port()
            servers.append(start(ports[name]))
            if warm is not None:
                warm(ports[name])
        figures: dict[str, list[float]] = {name: [] for name in starts}
        for _ in range(rounds):
            for name in starts:
                figures[name].append(measure(ports[name]))
        return figures
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200, help="connections per round (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (default 5)")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("tcpserver"):
        print("bench/virtuald.py needs root and tcpserver (ucspi-tcp)", file=sys.stderr)
        return 2
    compile_project()
    with tempfile.TemporaryDirectory(prefix="virttui-bench-") as scratch:
        root = Path(scratch)
        domain = build_busybox_domain(root, "d1.example")
        conf = root / "conf.bench"
        conf.write_text(f"{ADDRESS} {domain}\n")
        busybox = str(domain / "bin" / "busybox")
        hostname = str(domain / "etc" / "hostname")
        floor = f"import os; os.execv({busybox!r}, ['cat', {hostname!r}])"
        commands = {
            "a direct": [busybox, "cat", hostname],
            "b virtuald": [str(VENV_BIN / "virtuald"), str(conf), "/bin/cat", "/etc/hostname"],
            "c python -c exec": [str(VENV_BIN / "python"), "-c", floor],
        }
        starts = {name: partial(start_tcpserver, command=command) for name, command in commands.items()}
        rates = interleaved_rounds(starts, lambda port: rate(port, args.connections, b"d1.example\n"), args.rounds)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    print(f"connections per second through tcpserver on {ADDRESS}, {args.connections} per round, "
          f"{args.rounds} rounds (medians)")
    for name, value in medians.items():
        print(f"  {name:18} {value:8.1f}/s   ({1000 / value:6.2f} ms per connection)")
    per_connection = {name: 1 / value for name, value in medians.items()}
    print(f"  time ratio b/a     {per_connection['b virtuald'] / per_connection['a direct']:.2f}")
    print(f"  time ratio b/c     {per_connection['b virtuald'] / per_connection['c python -c exec']:.2f}"
          "   goal: <= 1.15")
    return 0


if __name__ == "__main__":
    sys.exit(main())
