"""An rsyslogd of the test's own: its configuration (what `virttui syslog config` prints),
its pid file and work directory, its sockets in a temporary root. Never the system's."""

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import require_program


class Rsyslogd:
    def __init__(self, base: Path, config_text: str, sockets: list[Path]):
        self.program = require_program("rsyslogd", "rsyslog")
        self.base = base
        self.sockets = sockets
        work = base / "rsyslog-work"
        work.mkdir(parents=True, exist_ok=True)
        self.config = base / "rsyslog.conf"
        self.config.write_text(f'global(workDirectory="{work}")\n' + config_text)
        self.pid_file = base / "rsyslogd.pid"
        self.process = None
        check = subprocess.run([self.program, "-N1", "-f", str(self.config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise AssertionError(f"rsyslogd refused the configuration:\n{check.stderr}\n{config_text}")

    def start(self) -> None:
        before = {path: _inode(path) for path in self.sockets}
        self.process = subprocess.Popen([self.program, "-n", "-f", str(self.config), "-i", str(self.pid_file)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if all(_inode(path) not in (None, before[path]) for path in self.sockets):
                return
            if self.process.poll() is not None:
                raise AssertionError(f"rsyslogd exited: {self.process.stderr.read().decode()}")
            time.sleep(0.05)
        raise AssertionError(f"rsyslogd made no new sockets at {self.sockets}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)

    def restart(self) -> None:
        self.stop()
        self.start()


def _inode(path: Path):
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def wait_for_text(path: Path, text: str, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    content = ""
    while time.monotonic() < deadline:
        content = path.read_text(errors="replace") if path.exists() else ""
        if text in content:
            return content
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never reached {path}:\n{content}")
