"""`virttui log -f` across rotations: 100,000 numbered lines, the file rotated ten times,
renamed and recreated (as logrotate with a HUP to rsyslogd) and copied and truncated
(logrotate's copytruncate), alternately: every line printed once, in order."""

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from tests.conftest import VENV_BIN

LINES = 100_000
ROTATIONS = 10
LATE_LINES = 300        # lines the writer still puts in a renamed file before it reopens (the HUP delay)
PACE = 2_000            # lines between two short pauses: about 40,000 lines a second


def syslog_line(number: int) -> bytes:
    return b"2026-11-24T09:00:00.000000+00:00 host writer[42]: line %d\n" % number


class RotatingWriter:
    def __init__(self, path: Path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.rotation = 0

    def write(self, number: int) -> None:
        os.write(self.fd, syslog_line(number))

    def rotate(self, first_late_line: int) -> int:
        """One rotation, renaming on even turns, copying and truncating on odd ones; returns
        the next line number."""
        self.rotation += 1
        kept = self.path.with_name(f"{self.path.name}.{self.rotation}")
        if self.rotation % 2:
            os.rename(self.path, kept)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o644))  # logrotate's `create`
            time.sleep(0.15)  # a follower's poll sees the new, empty file before the daemon's HUP
            for number in range(first_late_line, first_late_line + LATE_LINES):
                self.write(number)  # still into the renamed file, until the daemon reopens
            os.close(self.fd)
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            return first_late_line + LATE_LINES
        shutil.copyfile(self.path, kept)  # the writer pauses meanwhile: what logrotate cannot promise
        os.truncate(self.path, 0)
        return first_late_line


def test_follow_prints_every_line_once_in_order_across_both_rotations(tmp_path):
    log = tmp_path / "virtual.log"
    writer = RotatingWriter(log)
    follower = subprocess.Popen([str(VENV_BIN / "virttui"), "--root", str(tmp_path), "log", "-f", "-n", "1",
                                 "--file", str(log)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.extend(iter(follower.stdout.readline, b"")), daemon=True)
    reader.start()
    try:
        writer.write(0)  # printed once whether the follower starts before it (follows) or after (-n 1)
        deadline = time.monotonic() + 20
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert received, "the follower never printed the first line"
        every = LINES // (ROTATIONS + 1)
        number = 1
        while number < LINES:
            writer.write(number)
            number += 1
            if number % every == 0 and writer.rotation < ROTATIONS:
                number = writer.rotate(number)
                time.sleep(0.3)  # rotations a poll apart, as on a real host (hours apart)
            elif number % PACE == 0:
                time.sleep(0.05)
        deadline = time.monotonic() + 30
        while len(received) < LINES and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        follower.terminate()
        follower.wait(timeout=10)
        os.close(writer.fd)
    assert writer.rotation == ROTATIONS
    numbers = [int(line.rsplit(b" ", 1)[1]) for line in received]
    assert numbers == list(range(LINES)), (len(numbers), follower.stderr.read()[-2000:])
