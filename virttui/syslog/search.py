"""Finding the lines of a log file that may answer a query, piece after piece, at memory
speed; in several processes at once when the file is big and the machine has the cores.

A piece is a range of a few MiB of the file and holds the lines that start in it. It is
read into a buffer kept from piece to piece (a fresh 8 MiB of memory per piece costs as
much as searching it) and searched with bytearray.find for the query's needles: the
domain's name, the hosts whose virtuald or virtexec lines gave the domain pids, the text,
the program. Only the lines found leave the piece; the Scanner parses them in file order.
"""

import functools
import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from virttui.syslog.attribution import Attributor
from virttui.syslog.logline import host_lines, parse
from virttui.syslog.memfind import finder
from virttui.syslog.search_workers import SearchWorkers

PIECE = 4 << 20
EXTEND = 1 << 16            # read this much more at a time to finish a piece's last line
PARALLEL_FROM = 64 << 20    # below this a pool of processes costs more than it saves


@dataclass(frozen=True)
class Needles:
    """What makes a line a candidate."""
    domain: bytes | None = None
    hosts: frozenset[bytes] = frozenset()   # hosts whose virtuald or virtexec lines named the domain
    text: bytes | None = None
    program: bytes | None = None
    domain_alone: bool = False              # the query asks nothing but the domain
    count_only: bool = False                # the domain's own lines are counted, not sent back


@dataclass
class Piece:
    start: int                  # where its first line starts
    stop: int                   # just after its last complete line
    complete: bool = True       # False: the file (or the scan) ended inside its last line
    candidates: list[tuple[int, bytes, bool]] = field(default_factory=list)
    # (offset, line without its newline, known to be the domain's without parsing)
    hosts: frozenset[bytes] = frozenset()   # the hosts whose lines were searched
    counted: int = 0            # the domain's own lines, when only counted


def workers_for(size: int) -> int:
    """How many processes to search `size` bytes with."""
    return 1 if size < PARALLEL_FROM else max(1, len(os.sched_getaffinity(0)))


def searched_pieces(path, needles: Callable[[], Needles], start: int = 0, end: int | None = None,
                    workers: int = 1, piece_size: int = PIECE) -> Iterator[Piece]:
    """The pieces from `start` to `end` (default: the size the file has now), in file order.

    `needles()` is asked each time a piece is handed out, so the hosts learned from the
    pieces before are searched in the next ones; a piece handed out before a host was
    learned is searched again for it here before it is yielded."""
    limit = os.stat(path).st_size if end is None else end
    ranges = iter(range(start, limit, piece_size))
    with PieceReader(path) as reader:
        if workers <= 1:
            for first in ranges:
                piece = reader.search(first, first + piece_size, limit, needles())
                yield piece
                if not piece.complete:
                    return
            return
        with SearchWorkers(path, workers, PieceReader) as pool:
            def hand_out(first):
                pool.hand_out(first, first + piece_size, limit, needles())
                return first
            pending = deque(hand_out(first) for first in islice(ranges, 2 * workers))
            while pending:
                first = pending.popleft()
                piece = _with_hosts_learned(reader, pool.take_back(), first, first + piece_size, limit, needles())
                yield piece
                if not piece.complete:
                    return
                following = next(ranges, None)
                if following is not None:
                    pending.append(hand_out(following))


def _with_hosts_learned(reader, piece: Piece, first: int, end: int, limit: int, needles: Needles) -> Piece:
    missing = needles.hosts - piece.hosts
    if not missing:
        return piece
    more = reader.search(first, end, limit, Needles(domain=needles.domain, hosts=missing), hosts_only=True)
    merged = dict((offset, (raw, fast)) for offset, raw, fast in more.candidates)
    merged.update((offset, (raw, fast)) for offset, raw, fast in piece.candidates)
    piece.candidates = [(offset, raw, fast) for offset, (raw, fast) in sorted(merged.items())]
    piece.hosts |= missing
    return piece


class PieceReader:
    """Reads pieces of one file into a buffer it keeps, and searches them."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDONLY)
        self.buffer = bytearray(PIECE + EXTEND)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)

    def search(self, first: int, end: int, limit: int, needles: Needles, hosts_only: bool = False) -> Piece:
        base, low, high, complete = self._load(first, min(end, limit), limit)
        piece = Piece(base + low, base + high, complete)
        if low < high:
            found, fast, piece.counted, piece.hosts = _search(self.buffer, low, high, needles, hosts_only)
            buffer = self.buffer
            piece.candidates = [(base + start, bytes(buffer[start:found[start]]), start in fast)
                                for start in sorted(found)]
        return piece

    def _load(self, first: int, end: int, limit: int) -> tuple[int, int, int, bool]:
        """Reads the lines that start in [first, end) into the buffer: (the file offset of
        the buffer's first byte, the bounds of those lines in it, whether the last is whole)."""
        base = max(first - 1, 0)   # one byte back, to see whether `first` starts a line
        size = self._read(base, 0, end - base)
        low = 0 if first == 0 else self.buffer.find(b"\n", 0, size) + 1
        if first > 0 and low == 0:
            return base, size, size, True   # the line that runs through belongs to a piece before
        while size == 0 or self.buffer[size - 1] != 0x0A:
            more = self._read(base + size, size, min(EXTEND, limit - base - size))
            newline = self.buffer.find(b"\n", size, size + more)
            if newline >= 0:
                return base, low, newline + 1, True
            if more == 0:
                return base, low, self.buffer.rfind(b"\n", low, size) + 1 or low, False
            size += more
        return base, low, size, True

    def _read(self, offset: int, at: int, count: int) -> int:
        if count <= 0:
            return 0
        if len(self.buffer) < at + count:
            self.buffer.extend(bytes(at + count - len(self.buffer)))
        return os.preadv(self.fd, [memoryview(self.buffer)[at:at + count]], offset)


def _search(buffer: bytearray, low: int, high: int, needles: Needles, hosts_only: bool):
    """({line start: line stop} of the candidates, the starts of those known to match
    unparsed, how many such lines were only counted, the hosts searched)."""
    if not needles.domain:
        return _lines_with(buffer, needles, low, high), set(), 0, frozenset()
    own_lines = _own_lines(needles.domain)
    if hosts_only:
        found, fast, counted, hosts = {}, set(), 0, set(needles.hosts)
    else:
        found, fast, counted, hosts = _domain_lines(buffer, needles, own_lines, low, high)
    for host in hosts:
        for start, _, stop in _occurrences(buffer, b" " + host + b" ", low, high):
            if not own_lines.match(buffer, start, stop):   # those are the domain search's
                found[start] = stop
    return found, fast, counted, frozenset(hosts)


@functools.lru_cache(maxsize=16)
def _own_lines(domain: bytes) -> re.Pattern[bytes]:
    return host_lines(domain.decode("ascii", "replace"))


def _domain_lines(buffer, needles: Needles, own_lines: re.Pattern[bytes], low: int, high: int):
    """The lines with the domain's name: ({start: stop}, the starts of its own lines (host
    field) when nothing else is asked, how many of those were only counted, the hosts that
    handed it pids, with those already known)."""
    domain = needles.domain
    found, fast, counted, hosts = {}, set(), 0, set(needles.hosts)
    find_domain, find, rfind, own = finder(buffer), buffer.find, buffer.rfind, own_lines.match
    position = find_domain(domain, low, high)
    while position >= 0:   # one loop, no generator: it runs once per line of the domain
        start = rfind(b"\n", low, position) + 1 or low
        stop = find(b"\n", position, high)
        stop = high if stop < 0 else stop
        if not own(buffer, start, stop):
            found[start] = stop
            if find(b"virt", start, stop) >= 0:   # may be a virtuald or virtexec line naming it
                host = _handing_host(bytes(buffer[start:stop]), domain)
                if host:
                    hosts.add(host)
        elif not needles.domain_alone:
            found[start] = stop
        elif needles.count_only:
            counted += 1
        else:
            found[start] = stop
            fast.add(start)
        position = find_domain(domain, stop, high)
    return found, fast, counted, hosts


def _handing_host(raw: bytes, domain: bytes) -> bytes | None:
    """The host of a virtuald or virtexec line that hands a pid to the domain, read as the
    Scanner reads it."""
    line = parse(raw)
    if Attributor.named_by(line) == domain.decode("ascii", "replace"):
        return line.host.encode()
    return None


def _lines_with(buffer, needles: Needles, low: int, high: int) -> dict[int, int]:
    """{start: stop} of the lines with the text, or the program, or all of them."""
    if needles.text:
        return {start: stop for start, _, stop in _occurrences(buffer, needles.text, low, high)}
    if needles.program:
        return {start: stop for start, _, stop in _occurrences(buffer, b" " + needles.program, low, high)}
    return _all_lines(buffer, low, high)


def _occurrences(buffer, needle: bytes, low: int, high: int) -> Iterator[tuple[int, int, int]]:
    """(line start, where the needle is, line stop at its newline) of the lines in
    [low, high) that contain `needle`, the first place in each."""
    find_needle, find, rfind = finder(buffer), buffer.find, buffer.rfind
    position = find_needle(needle, low, high)
    while position >= 0:
        start = rfind(b"\n", low, position) + 1 or low
        stop = find(b"\n", position, high)
        stop = high if stop < 0 else stop
        yield start, position, stop
        position = find_needle(needle, stop, high)


def _all_lines(buffer, low: int, high: int) -> dict[int, int]:
    lines = {}
    start = low
    while start < high:
        stop = buffer.find(b"\n", start, high)
        stop = high if stop < 0 else stop
        lines[start] = stop
        start = stop + 1
    return lines
