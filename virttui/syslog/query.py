"""Finding the lines of a log file that answer a query (domain, program, text, severity),
fast on files of many gigabytes.

The file is read in chunks of a few MiB. Instead of parsing every line, each chunk is
searched (bytes.find, at memory speed) for the lines that can match: for a domain, those
with its name (its host field, or virtuald's and virtexec's lines naming it) and those of
the pids it was given; for a text or a program, the lines that contain it. Only those lines
are parsed and checked, in file order, so the answer is the one a line-by-line reading gives.
"""

from dataclasses import dataclass

from virttui.syslog.attribution import Attributor
from virttui.syslog.logfile import chunks
from virttui.syslog.logline import LogLine, parse



@dataclass(frozen=True)
class LogQuery:
    domain: str | None = None
    program: str | None = None
    text: str | None = None
    max_severity: int | None = None   # lines with a severity above it (less urgent) are left out

    @property
    def empty(self) -> bool:
        return not (self.domain or self.program or self.text or self.max_severity is not None)


class Match:
    """A line that answers the query; parsed only when asked (most matches of a big scan are
    counted or dropped, never shown)."""
    __slots__ = ("offset", "raw", "domain", "_line")

    def __init__(self, offset: int, raw: bytes, domain: str | None, line: LogLine | None = None):
        self.offset, self.raw, self.domain, self._line = offset, raw, domain, line

    @property
    def line(self) -> LogLine:
        if self._line is None:
            self._line = parse(self.raw)
        return self._line

    @property
    def minute(self) -> str:
        return minute_of(self.raw) if self._line is None else self._line.minute


def minute_of(raw: bytes) -> str:
    """The minute of a line, from its first bytes when they have a timestamp's shape."""
    if raw[4:5] == b"-" and raw[10:11] == b"T" and raw[13:14] == b":":
        return raw[:16].decode("ascii", "replace")
    if raw[3:4] == b" " and raw[6:7] == b" " and raw[9:10] == b":" and raw[12:13] == b":":
        return raw[:12].decode("ascii", "replace")
    return parse(raw).minute


def host_field_start(chunk: bytes, start: int) -> int:
    """Where the host field of the line at `start` begins, when its timestamp has the shape of
    one of the two forms; -1 otherwise."""
    if chunk[start:start + 1] == b"<":
        start = chunk.find(b">", start, start + 5) + 1
        if start == 0:
            return -1
    if chunk[start + 4:start + 5] == b"-" and chunk[start + 10:start + 11] == b"T":
        return chunk.find(b" ", start, start + 40) + 1 or -1
    if chunk[start + 3:start + 4] == b" " and chunk[start + 9:start + 10] == b":" \
            and chunk[start + 15:start + 16] == b" ":
        return start + 16
    return -1


class Scanner:
    """Runs one query over a file, chunk after chunk; keeps the pid map between chunks."""

    def __init__(self, query: LogQuery, domains: frozenset[str] = frozenset()):
        # Only the asked domain needs to be known by name: other hosts' lines are told apart
        # by the (host, pid) pairs virtuald and virtexec hand out, so no listing of the root.
        self.query = query
        self.attributor = Attributor(set(domains) | ({query.domain} if query.domain else set()))

    def scan(self, path, start: int = 0, end: int | None = None):
        for offset, chunk in chunks(path, start, end):
            yield from self.scan_chunk(offset, chunk)

    def scan_chunk(self, offset: int, chunk: bytes):
        for start, stop, line, domain in self._walk(chunk):
            yield Match(offset + start, chunk[start:stop], domain, line)

    def count(self, path) -> int:
        """How many lines match, without keeping or decoding them."""
        return sum(1 for offset, chunk in chunks(path) for _ in self._walk(chunk))

    def _walk(self, chunk: bytes):
        """(start, stop, parsed line or None, domain) of each matching line, in file order."""
        fast: set[int] = set()
        for start in self._candidates(chunk, fast):
            stop = chunk.find(b"\n", start)
            stop = len(chunk) if stop < 0 else stop
            if start in fast:  # its host field is the domain: nothing else to know
                yield start, stop, None, self.query.domain
                continue
            line = parse(chunk[start:stop])
            domain = self.domain_of(line)
            if self.accepts(line, domain):
                yield start, stop, line, domain

    def domain_of(self, line: LogLine) -> str | None:
        """The line's domain when the query asks for one (the pid map learns from the line);
        lines must come in file order."""
        return self.attributor.domain_of(line) if self.query.domain else None

    def follows(self, line: LogLine) -> bool:
        """Whether a line read while following the file answers the query."""
        return self.accepts(line, self.domain_of(line))

    @property
    def _domain_alone(self) -> bool:
        query = self.query
        return bool(query.domain) and not (query.program or query.text or query.max_severity is not None)

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

    def _candidates(self, chunk: bytes, fast: set[int]) -> list[int]:
        """Where the lines that may match start; `fast` gets those known to match unparsed."""
        query = self.query
        if query.domain:
            return self._domain_candidates(chunk, query.domain.encode(), fast)
        if query.text:
            return sorted(_lines_containing(chunk, query.text.encode()))
        if query.program:
            return sorted(_lines_containing(chunk, f" {query.program}".encode()))
        return _all_lines(chunk)

    def _domain_candidates(self, chunk: bytes, domain: bytes, fast: set[int]) -> list[int]:
        """The lines with the domain's name: its own lines (host field), and virtuald's and
        virtexec's lines naming it, whose host's lines are then all read, for the pids it
        gives (and takes back). Two passes over the chunk at most, and one when no line
        of this domain comes through virtuald or virtexec."""
        starts = set()
        handed = {host for (host, _), ours in self.attributor.pids.items() if ours == self.query.domain}
        for start in _lines_containing(chunk, domain):
            starts.add(start)
            host = host_field_start(chunk, start)
            if host <= 0:
                continue
            host_end = chunk.find(b" ", host)
            if chunk.startswith((b"virtuald[", b"virtexec["), host_end + 1):
                handed.add(chunk[host:host_end].decode("utf-8", "replace"))
            elif self._domain_alone and host_end - host == len(domain) and chunk.startswith(domain, host):
                fast.add(start)
        for host in handed:
            starts |= _lines_containing(chunk, b" " + host.encode() + b" ")
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


def _all_lines(chunk: bytes) -> list[int]:
    starts = [0]
    position = chunk.find(b"\n")
    while 0 <= position < len(chunk) - 1:
        starts.append(position + 1)
        position = chunk.find(b"\n", position + 1)
    return starts
