"""Finding the lines of a log file that answer a query (domain, program, text, severity),
fast on files of many gigabytes.

The file is read in chunks of a few MiB. Instead of parsing every line, each chunk is
searched (bytes.find, at memory speed) for the lines that can match: for a domain, those
with its name (its host field, or virtuald's and virtexec's lines naming it) and those of
the pids it was given; for a text or a program, the lines that contain it. Only those lines
are parsed and checked, in file order, so the answer is the one a line-by-line reading gives.
"""

import re
from dataclasses import dataclass

from virttui.syslog.attribution import Attributor
from virttui.syslog.logfile import chunks
from virttui.syslog.logline import LogLine, parse

CHROOT_LINE = re.compile(rb"virtuald\[(\d+)\]: Chroot dir: (.*)")
VIRTEXEC_LINE = re.compile(rb"virtexec\[(\d+)\]: domain=(\S+)")
FEW_PIDS = 8


@dataclass(frozen=True)
class LogQuery:
    domain: str | None = None
    program: str | None = None
    text: str | None = None
    max_severity: int | None = None   # lines with a severity above it (less urgent) are left out

    @property
    def empty(self) -> bool:
        return not (self.domain or self.program or self.text or self.max_severity is not None)


@dataclass(frozen=True)
class Match:
    offset: int
    line: LogLine
    domain: str | None


class Scanner:
    """Runs one query over a file, chunk after chunk; keeps the pid map between chunks."""

    def __init__(self, query: LogQuery, domains: set[str]):
        self.query = query
        self.attributor = Attributor(domains | ({query.domain} if query.domain else set()))

    def scan(self, path, start: int = 0, end: int | None = None):
        for offset, chunk in chunks(path, start, end):
            yield from self.scan_chunk(offset, chunk)

    def scan_chunk(self, offset: int, chunk: bytes):
        for start in self._candidates(chunk):
            stop = chunk.find(b"\n", start)
            stop = len(chunk) if stop < 0 else stop
            line = parse(chunk[start:stop])
            domain = self.attributor.domain_of(line) if self.query.domain else None
            if self.accepts(line, domain):
                yield Match(offset + start, line, domain)

    def accepts(self, line: LogLine, domain: str | None) -> bool:
        query = self.query
        if query.domain and domain != query.domain:
            return False
        if query.program and line.program != query.program:
            return False
        if query.text and query.text not in line.text:
            return False
        if query.max_severity is not None and line.severity is not None \
                and line.severity > query.max_severity:
            return False
        return True

    def _candidates(self, chunk: bytes) -> list[int]:
        query = self.query
        if query.domain:
            return self._domain_candidates(chunk, query.domain.encode())
        if query.text:
            return sorted(_lines_containing(chunk, query.text.encode()))
        if query.program:
            return sorted(_lines_containing(chunk, f" {query.program}".encode()))
        return _all_lines(chunk)

    def _domain_candidates(self, chunk: bytes, domain: bytes) -> list[int]:
        starts = _lines_containing(chunk, domain)
        handed = {}  # pid -> whether it ends up or passes through this domain in this chunk
        for pattern, mark in ((CHROOT_LINE, b"virtuald["), (VIRTEXEC_LINE, b"virtexec[")):
            for start in _lines_containing(chunk, mark):
                stop = chunk.find(b"\n", start)
                found = pattern.search(chunk, start, len(chunk) if stop < 0 else stop)
                if found:
                    starts.add(start)  # they change the pid map: always read them
                    named = found.group(2).rstrip(b"/").rsplit(b"/", 1)[-1]
                    handed.setdefault(int(found.group(1)), False)
                    if named == domain:
                        handed[int(found.group(1))] = True
        pids = {pid for pid, ours in self.attributor.pids.items() if ours == self.query.domain}
        pids |= {pid for pid, ours in handed.items() if ours}
        if pids:
            starts |= _lines_of_pids(chunk, pids)
        return sorted(starts)


def _lines_containing(chunk: bytes, needle: bytes) -> set[int]:
    starts = set()
    position = chunk.find(needle)
    while position >= 0:
        start = chunk.rfind(b"\n", 0, position) + 1
        starts.add(start)
        stop = chunk.find(b"\n", position)
        if stop < 0:
            break
        position = chunk.find(needle, stop)
    return starts


def _lines_of_pids(chunk: bytes, pids: set[int]) -> set[int]:
    if len(pids) <= FEW_PIDS:
        starts = set()
        for pid in pids:
            starts |= _lines_containing(chunk, b"[%d]: " % pid)
        return starts
    pattern = re.compile(rb"\[(?:" + b"|".join(b"%d" % pid for pid in sorted(pids)) + rb")\]: ")
    return {chunk.rfind(b"\n", 0, found.start()) + 1 for found in pattern.finditer(chunk)}


def _all_lines(chunk: bytes) -> list[int]:
    starts = [0]
    position = chunk.find(b"\n")
    while 0 <= position < len(chunk) - 1:
        starts.append(position + 1)
        position = chunk.find(b"\n", position + 1)
    return starts
