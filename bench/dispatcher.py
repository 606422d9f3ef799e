"""virtuald's dispatcher (`virtuald --listen`) against tcpserver, on loopback, in one run:

  (a) the dispatcher: forks, chroots and execs the service itself,
  (b) tcpserver running `chroot DIR service` (the C path: no virtuald at all),
  (c) tcpserver running our virtuald per connection (chroot, then exec).

The service is busybox cat of the domain's hostname file. Latency: one client at a time,
time per connection. Throughput: CLIENTS clients at once (client processes of threads),
connections per second. Goals: latency a/b <= 0.85, throughput a/b >= 1.2. Needs root
(chroot) and tcpserver (Debian package ucspi-tcp).

Run: .venv/bin/python bench/dispatcher.py [--connections N] [--rounds R] [--clients C]
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compiled import compile_project  # noqa: E402
from bench.virtuald import ADDRESS, free_port, wait_listening  # noqa: E402
from bench.virtuald import fetch as fetch_answer  # noqa: E402
from tests.jails import build_busybox_domain  # noqa: E402

VENV_BIN = Path(sys.executable).parent
EXPECTED = b"d1.example\n"
CLIENT_PROCESSES = 4
ENV = {"PATH": "/bin:/usr/bin:/usr/sbin:/sbin", "VIRTUALD_LOG_SOCKET": "/nonexistent"}


def fetch(port: int) -> None:
    answer = fetch_answer(port)
    if answer != EXPECTED:
        raise RuntimeError(f"unexpected answer {answer!r}")


def latency(port: int, connections: int) -> float:
    """Seconds per connection, one client at a time."""
    started = time.perf_counter()
    for _ in range(connections):
        fetch(port)
    return (time.perf_counter() - started) / connections


def _client_process(port: int, threads: int, each: int) -> None:
    def work():
        for _ in range(each):
            fetch(port)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def throughput(port: int, connections: int, clients: int) -> float:
    """Connections per second with `clients` clients at once (threads in a few processes,
    so that the clients' own interpreter is not what is measured)."""
    per_process = clients // CLIENT_PROCESSES
    each = max(1, connections // clients)
    started = time.perf_counter()
    pids = []
    for _ in range(CLIENT_PROCESSES):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _client_process(port, per_process, each)
            except BaseException:  # noqa: BLE001 - reported by the status
                code = 1
            os._exit(code)
        pids.append(pid)
    failed = [pid for pid in pids if os.waitpid(pid, 0)[1] != 0]
    if failed:
        raise RuntimeError("a client process failed")
    return each * per_process * CLIENT_PROCESSES / (time.perf_counter() - started)


def start(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=ENV)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=400, help="connections per round (default 400)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (default 5)")
    parser.add_argument("--clients", type=int, default=32, help="clients at once for throughput (default 32)")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("tcpserver"):
        print("bench/dispatcher.py needs root and tcpserver (ucspi-tcp)", file=sys.stderr)
        return 2
    compile_project()
    tcpserver = ["tcpserver", "-R", "-H", "-l", "0", "-c", "400", "-b", "128"]
    virtuald = str(VENV_BIN / "virtuald")
    with tempfile.TemporaryDirectory(prefix="virttui-bench-") as scratch:
        root = Path(scratch)
        domain = build_busybox_domain(root, "d1.example")
        conf = root / "conf.bench"
        conf.write_text(f"{ADDRESS} {domain}\n")
        service = ["/bin/cat", "/etc/hostname"]
        ports = {name: free_port() for name in ("a dispatcher", "b tcpserver+chroot", "c tcpserver+virtuald")}
        commands = {
            "a dispatcher": [virtuald, "--listen", f"{ADDRESS}:{ports['a dispatcher']}", "--max-connections",
                             "400", "--status-dir", str(root / "run"), str(conf), *service],
            "b tcpserver+chroot": [*tcpserver, ADDRESS, str(ports["b tcpserver+chroot"]),
                                   shutil.which("chroot") or "/usr/sbin/chroot", str(domain), *service],
            "c tcpserver+virtuald": [*tcpserver, ADDRESS, str(ports["c tcpserver+virtuald"]),
                                     virtuald, str(conf), *service],
        }
        servers = []
        try:
            for command in commands.values():
                servers.append(start(command))
            for (name, port), server in zip(ports.items(), servers):
                wait_listening(port, server, name)
            latencies = {name: [] for name in commands}
            rates = {name: [] for name in commands}
            for _ in range(args.rounds):  # interleaved rounds: all see the same machine
                for name in commands:
                    latencies[name].append(latency(ports[name], args.connections // 2))
                    rates[name].append(throughput(ports[name], args.connections, args.clients))
        finally:
            for server in servers:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait()
    latency_ms = {name: statistics.median(values) * 1000 for name, values in latencies.items()}
    rate = {name: statistics.median(values) for name, values in rates.items()}
    print(f"tcp connections on {ADDRESS}, busybox cat in a chroot; medians of {args.rounds} rounds")
    print(f"  {'':22} {'latency (1 client)':>20} {f'throughput ({args.clients} clients)':>26}")
    for name in commands:
        print(f"  {name:22} {latency_ms[name]:14.2f} ms/conn {rate[name]:18.0f} conn/s")
    base = "b tcpserver+chroot"
    print(f"  latency    a/b {latency_ms['a dispatcher'] / latency_ms[base]:.2f}   goal: <= 0.85"
          f"   (c/b {latency_ms['c tcpserver+virtuald'] / latency_ms[base]:.2f})")
    print(f"  throughput a/b {rate['a dispatcher'] / rate[base]:.2f}   goal: >= 1.2"
          f"    (c/b {rate['c tcpserver+virtuald'] / rate[base]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
