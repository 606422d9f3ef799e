"""A program run on a pseudo-terminal of a fixed size, and waiting for what it paints.

The benchmarks time what a user sees: from the moment a process starts (or a key is sent)
to the moment given text appears in what the program wrote to its terminal.
"""

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time


class TerminalProgram:
    def __init__(self, argv: list[str], columns: int = 80, rows: int = 24, env: dict | None = None):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        environment = dict(os.environ if env is None else env, TERM="xterm-256color",
                           COLUMNS=str(columns), LINES=str(rows))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                        env=environment, start_new_session=True)
        os.close(slave)
        self.output = bytearray()

    def wait_for(self, pattern: bytes, since: int = 0, timeout: float = 120.0) -> float:
        """Seconds (perf_counter) at which `pattern` (a regex) showed up in the output after `since`."""
        regex = re.compile(pattern)
        deadline = time.perf_counter() + timeout
        while True:
            if regex.search(self.output, since):
                return time.perf_counter()
            left = deadline - time.perf_counter()
            if left <= 0:
                tail = bytes(self.output[-600:])
                raise TimeoutError(f"{pattern!r} never appeared; last output: {tail!r}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise RuntimeError(f"the program ended; last output: {bytes(self.output[-600:])!r}")
                self.output += chunk

    def drain(self, quiet: float = 0.3, longest: float = 3.0) -> None:
        """Read until the program has written nothing for `quiet` seconds (a blinking
        cursor never stops writing: `longest` bounds the wait)."""
        deadline = time.perf_counter() + longest
        while time.perf_counter() < deadline and select.select([self.master], [], [], quiet)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def send(self, keys: bytes) -> tuple[int, float]:
        """Send keys; returns where in the output to look for their effect, and when they left."""
        self.drain(0)
        position = len(self.output)
        os.write(self.master, keys)
        return position, time.perf_counter()

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        os.close(self.master)
