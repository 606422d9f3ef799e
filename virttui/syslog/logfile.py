"""Reading a log file: its last lines at once, whatever its size, and following it as it
grows and is rotated (renamed and recreated, or copied and truncated), without losing or
repeating a line.
"""

import os
import time
from typing import BinaryIO, NamedTuple

BLOCK = 1 << 16
CHUNK = 1 << 22       # bytes read at a time while following
HEAD = 64            # bytes that identify a file generation (its first line, mostly)


class LastLines(NamedTuple):
    lines: list[bytes]   # without their newlines
    offset: int          # just after them


def last_lines(path, count: int) -> LastLines:
    """The last `count` complete lines of the file (without their newlines) and the offset
    just after them: reads backwards from the end, so a 1 GiB file costs what a 1 MiB one does."""
    with open(path, "rb") as f:
        end = f.seek(0, os.SEEK_END)
        data = b""
        position = end
        while position > 0 and data.count(b"\n") <= count:
            step = min(BLOCK, position)
            position -= step
            f.seek(position)
            data = f.read(step) + data
    complete = data[:data.rfind(b"\n") + 1] if b"\n" in data else b""
    offset = end - (len(data) - len(complete))
    lines = complete.split(b"\n")[:-1]
    if position > 0:
        lines = lines[1:]  # the first one may have started before what we read
    return LastLines(lines[-count:] if count else [], offset)


class Follower:
    """New complete lines of a log file, across rotation.

    - rename and create: the old file is read to its end, and the new one is taken up only
      once it has data (the writer, rsyslog, writes one file at a time: once the new file has
      lines, the old one gets no more);
    - copy and truncate: the file shrinks, or its first bytes change; what we had not read
      yet is in the copy (a sibling such as FILE.1 whose bytes up to our offset are the ones
      we read), so it is read from there first.
    """

    def __init__(self, path, offset: int | None = None):
        self.path = str(path)
        self.file: BinaryIO | None = None
        self.offset = 0
        self.partial = b""
        self.head = b""
        self.tail_seen = b""      # the last bytes read: to recognise the copy of a truncated file
        self._open(offset)

    def _open(self, offset: int | None) -> None:
        try:
            self.file = open(self.path, "rb")
        except FileNotFoundError:
            self.file = None
            return
        size = os.fstat(self.file.fileno()).st_size
        self.offset = size if offset is None else min(offset, size)
        self.head = os.pread(self.file.fileno(), HEAD, 0)
        self.tail_seen = os.pread(self.file.fileno(), HEAD, max(0, self.offset - HEAD)) if self.offset else b""

    def close(self) -> None:
        if self.file:
            self.file.close()
            self.file = None

    def read(self) -> list[bytes]:
        """The lines completed since the last call (without newlines)."""
        if self.file is None:
            self._open(0)
            if self.file is None:
                return []
        if self._truncated(self.file.fileno()):  # before reading: past our offset is a new generation
            data = self._rest_from_copy()
            self.offset, self.head, self.tail_seen = 0, b"", b""
            return self._split(data + self._read_to_end())
        data = self._read_to_end()
        return self._split(data + self._after_rename())

    def _read_to_end(self) -> bytes:
        pieces = []
        while True:
            block = os.pread(self._fd(), CHUNK, self.offset)
            if not block:
                break
            pieces.append(block)
            self.offset += len(block)
        data = b"".join(pieces)
        if data:
            self.tail_seen = (self.tail_seen + data)[-HEAD:]
            if len(self.head) < HEAD:
                self.head = os.pread(self._fd(), HEAD, 0)
        return data

    def _after_rename(self) -> bytes:
        """When FILE is now another file with data: the rest of the old one, then the new one's."""
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return b""  # renamed, not recreated yet: the old file may still grow
        if current.st_ino == os.fstat(self._fd()).st_ino or current.st_size == 0:
            return b""
        data = self._read_to_end()
        self.close()
        self.file = open(self.path, "rb")
        self.offset, self.head, self.tail_seen = 0, b"", b""
        return data + self._read_to_end()

    def _fd(self) -> int:
        """The open file's descriptor: called only after read() found the file open."""
        assert self.file is not None
        return self.file.fileno()

    def _truncated(self, fd: int) -> bool:
        if os.fstat(fd).st_size < self.offset:
            return True
        return bool(self.head) and os.pread(fd, len(self.head), 0) != self.head

    def _rest_from_copy(self) -> bytes:
        """After a copytruncate: the bytes past our offset in the copy, if we find it."""
        directory, name = os.path.split(self.path)
        own = os.fstat(self._fd()).st_ino
        candidates = []
        for entry in os.scandir(directory or "."):
            if entry.name.startswith(name) and entry.name != name and entry.is_file():
                stat = entry.stat()
                if stat.st_ino != own and stat.st_size >= self.offset:
                    candidates.append((stat.st_mtime, entry.path))
        for _, candidate in sorted(candidates, reverse=True):
            with open(candidate, "rb") as copy:
                start = max(0, self.offset - len(self.tail_seen))
                if os.pread(copy.fileno(), len(self.tail_seen), start) == self.tail_seen:
                    copy.seek(self.offset)
                    return copy.read()
        return b""

    def _split(self, data: bytes) -> list[bytes]:
        if not data:
            return []
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        return lines

    def follow(self, interval: float = 0.1):
        """Lines forever, as they come; the caller stops iterating to stop."""
        while True:
            lines = self.read()
            if lines:
                yield from lines
            else:
                time.sleep(interval)
