"""Reading the lines of a piece of a log file a chunk at a time, and searching each chunk.

A piece holds the lines that start in a range of the file. They are read in chunks into a
buffer kept from chunk to chunk and small enough to stay in a core's cache: the copy from
the page cache and the searches that follow then run at cache speed (with a buffer of
several MiB and two processes reading, the copy alone cost as much as the search). The
line a chunk ends inside is moved to the head of the buffer and finished by the next read.
"""

import os
from dataclasses import dataclass, field, replace

from virttui.syslog.candidates import Needles, candidate_lines

CHUNK = 128 << 10
EXTEND = 4 << 10   # past the end of the piece, read this much at a time to finish its last line


@dataclass
class Piece:
    start: int                  # where its first line starts
    stop: int                   # just after its last complete line
    complete: bool = True       # False: the file (or the scan) ended inside its last line
    candidates: list[tuple[int, bytes, bool]] = field(default_factory=list)
    # (offset, line without its newline, known to be the domain's without parsing)
    hosts: frozenset[bytes] = frozenset()   # the hosts whose lines were searched all through it
    counted: int = 0            # the domain's own lines, when only counted


class PieceReader:
    """Reads pieces of one file, a chunk at a time, and searches them."""

    def __init__(self, path, chunk_size: int = CHUNK):
        self.fd = os.open(path, os.O_RDONLY)
        self.chunk_size = chunk_size
        self.buffer = bytearray(chunk_size + EXTEND)   # grows for a line longer than that

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)

    def search(self, first: int, end: int, limit: int, needles: Needles, hosts_only: bool = False) -> Piece:
        """The piece of the lines that start in [first, end); `limit` is where the file ends
        for this scan. Hosts learned in a chunk are searched in the chunks after it."""
        end = min(end, limit)
        offset, size = self._first_line(first, end)   # buffer[:size] holds the file from offset
        piece = Piece(offset, offset, hosts=needles.hosts)
        unended = 0   # bytes at the head of the buffer known to hold no newline
        while offset < end:
            size, read = self._fill(offset, size, end, limit)
            stop = self._whole_lines(offset, size, end, unended)
            if stop == 0:
                if read == 0:   # the file (or the scan) ends inside this line
                    piece.complete = False
                    break
                unended = size  # a line longer than what is read so far
                continue
            needles = self._search_chunk(piece, offset, stop, needles, hosts_only)
            offset, size = offset + stop, size - stop
            self.buffer[:size] = self.buffer[stop:stop + size]
            piece.stop, unended = offset, size
        if needles.keep_own:
            _keep_last_own(piece, needles.keep_own)
        return piece

    def _first_line(self, first: int, end: int) -> tuple[int, int]:
        """(where the first line that starts in [first, end) starts, or `end` if none does;
        how many bytes from there the buffer holds)."""
        if first == 0:
            return 0, 0
        at = first - 1   # one byte back: a newline there means `first` starts a line
        while at < end:
            size = self._read(at, 0, min(self.chunk_size, end - at))
            if size == 0:
                break
            newline = self.buffer.find(b"\n", 0, size)
            if newline >= 0:
                kept = size - newline - 1
                self.buffer[:kept] = self.buffer[newline + 1:size]
                return at + newline + 1, kept
            at += size
        return end, 0

    def _fill(self, offset: int, size: int, end: int, limit: int) -> tuple[int, int]:
        """Reads the next bytes after buffer[:size]: a chunk up to the piece's end, then a
        little at a time to finish its last line (twice what is held, for a very long one).
        (the size now, how many bytes were read)"""
        position = offset + size
        wanted = min(self.chunk_size, end - position) if position < end else max(EXTEND, size)
        read = self._read(position, size, min(wanted, limit - position))
        return size + read, read

    def _whole_lines(self, offset: int, size: int, end: int, unended: int) -> int:
        """How many bytes at the head of the buffer are whole lines that start before `end`
        (its first `unended` bytes hold no newline: they are not searched again)."""
        if offset + size >= end:   # the piece's last line ends at the first newline from end - 1 on
            last = self.buffer.find(b"\n", max(end - 1 - offset, unended), size)
            if last >= 0:
                return last + 1
        return self.buffer.rfind(b"\n", unended, size) + 1

    def _search_chunk(self, piece: Piece, offset: int, stop: int, needles: Needles, hosts_only: bool) -> Needles:
        """Adds the candidates of buffer[:stop] (the file from offset) to the piece; the
        needles for the next chunk."""
        buffer = self.buffer
        found, fast, counted, hosts = candidate_lines(buffer, 0, stop, needles, hosts_only)
        piece.candidates += [(offset + start, bytes(buffer[start:found[start]]), start in fast)
                             for start in sorted(found)]
        piece.counted += counted
        return needles if hosts <= needles.hosts else replace(needles, hosts=hosts)

    def _read(self, offset: int, at: int, count: int) -> int:
        if count <= 0:
            return 0
        if len(self.buffer) < at + count:
            self.buffer.extend(bytes(at + count - len(self.buffer)))
        return os.preadv(self.fd, [memoryview(self.buffer)[at:at + count]], offset)


def _keep_last_own(piece: Piece, keep: int) -> None:
    """Drops (and counts) the domain's own lines before the last `keep` of the piece: each
    chunk kept its last `keep`."""
    own = [index for index, (_, _, fast) in enumerate(piece.candidates) if fast]
    dropped = set(own[:-keep])
    if dropped:
        piece.candidates = [candidate for index, candidate in enumerate(piece.candidates) if index not in dropped]
        piece.counted += len(dropped)
