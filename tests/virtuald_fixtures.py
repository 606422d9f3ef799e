"""What the virtuald tests share: a root of two busybox domains, a syslog socket to read,
free ports, daemons started and stopped, a client, and a running dispatcher."""

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_root
from tests.jails import build_busybox_root


class SyslogCatcher:
    """A datagram socket standing in for /dev/log, read continuously (a full queue would
    make senders fail or wait); `lines()` returns what arrived."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.received: list[str] = []
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                self.received.append(self.sock.recv(65536).decode(errors="replace"))
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return

    def lines(self, wait_for: str | None = None, timeout: float = 5.0) -> list[str]:
        """What arrived; with `wait_for`, first wait (up to `timeout`) for a line holding it."""
        deadline = time.monotonic() + timeout
        while wait_for is not None and time.monotonic() < deadline:
            if any(wait_for in line for line in self.received):
                break
            time.sleep(0.02)
        if wait_for is None:
            time.sleep(0.2)
        return list(self.received)

    def close(self) -> None:
        self._stop.set()
        self._reader.join()
        self.sock.close()


@pytest.fixture
def stuck_syslog(tmp_path):
    """The path of a syslog socket whose queue is full and that nobody reads."""
    path = tmp_path / "stuck.sock"
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stuck.bind(str(path))
    filler = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    filler.connect(str(path))
    with stuck, filler:
        try:
            while True:
                filler.send(b"x" * 100, socket.MSG_DONTWAIT)
        except BlockingIOError:
            pass
        yield path


@pytest.fixture
def syslog(tmp_path):
    catcher = SyslogCatcher(tmp_path / "syslog.sock")
    yield catcher
    catcher.close()


@pytest.fixture
def two_domains(tmp_path) -> Path:
    """root/d1.example and root/d2.example, each answering with its own /etc/hostname."""
    return build_busybox_root(tmp_path / "root")


class Daemons:
    """Servers a test starts, each in a session of its own, all stopped (with their children) at the end."""

    def __init__(self):
        self.processes = []

    def start(self, argv, env):
        process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(process)
        return process

    def stop(self):
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)


@pytest.fixture
def daemons():
    running = Daemons()
    yield running
    running.stop()


def free_port(address: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def ask(address: str, port: int, timeout: float = 10.0) -> bytes:
    """Connect, send nothing, read until the server closes."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect((address, port))
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def wait_for_listener(address: str, port: int, timeout: float = 10.0) -> None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((address, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {address} port {port}")


VIRTUALD = str(VENV_BIN / "virtuald")
SERVED = ["/bin/cat", "/etc/hostname"]  # each domain answers with its own name


class Dispatcher:
    """A running `virtuald --listen` on 127.0.0.2 and 127.0.0.3 (one port), logging to the
    test's syslog socket, its status file in tmp_path/run."""

    def __init__(self, tmp_path, syslog, conf, program=SERVED, options=(), preexec_fn=None,
                 addresses=("127.0.0.2", "127.0.0.3")):
        require_root()
        self.port = free_port("127.0.0.2")
        self.addresses = addresses
        self.run_dir = tmp_path / "run"
        listen = [arg for address in addresses
                  for arg in ("--listen", f"[{address}]:{self.port}" if ":" in address else f"{address}:{self.port}")]
        self.process = subprocess.Popen(
            [VIRTUALD, *listen, "--status-dir", str(self.run_dir), *options, str(conf), *program],
            env={"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(syslog.path)},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=preexec_fn)
        try:
            for address in addresses:
                wait_for_listener(address, self.port)
            self.probes = len(addresses)  # wait_for_listener's connections, served or refused
            self.wait_status("refused", check=lambda refused: sum(refused.values()) + self.status()["served"]
                             == self.probes)
            self.wait_status("connections", 0)
        except BaseException:
            self.stop()  # a dispatcher that did not start as it should is not left running
            raise

    @property
    def pid(self) -> int:
        return self.process.pid

    def status(self) -> dict:
        return json.loads((self.run_dir / f"virtuald-{self.pid}.json").read_text())

    def wait_status(self, key: str, value=None, timeout: float = 10.0, check=None) -> dict:
        """The status file once its `key` is `value` (or passes `check`): it is written at
        most once a second."""
        check = check or (lambda found: found == value)
        deadline = time.monotonic() + timeout
        current = {key: "no status file"}
        while time.monotonic() < deadline:
            try:
                current = self.status()
            except FileNotFoundError:  # listening already, the file not yet written
                time.sleep(0.05)
                continue
            if check(current[key]):
                return current
            time.sleep(0.05)
        raise AssertionError(f"status {key} is {current[key]!r}, not {value!r}: {current}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)
        self.process.stderr.close()
