"""Finding the lines of a log file that answer a query (domain, program, text, severity),
fast on files of many gigabytes.

Instead of parsing every line, the file is searched piece by piece (virttui.syslog.search)
for the lines that can match: for a domain, those with its name (its host field, or
virtuald's and virtexec's lines naming it) and those of the hosts its pids were given on;
for a text or a program, the lines that contain it. Only those lines are parsed and
checked, in file order, so the answer is the one a line-by-line reading gives.
"""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from virttui.syslog.attribution import Attributor
from virttui.syslog.candidates import Needles
from virttui.syslog.logline import PROGRAM_SHAPE, LogLine, parse
from virttui.syslog.piece_reader import CHUNK, Piece
from virttui.syslog.search import PIECE, searched_pieces, workers_for

BRACKETED_NUMBER = re.compile(rb"\[(\d+)\]")
PROGRAM = re.compile(PROGRAM_SHAPE)


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


class Scanner:
    """Runs one query over a file, piece after piece; keeps the pid map between pieces."""

    def __init__(self, query: LogQuery, domains: frozenset[str] = frozenset()):
        # Only the asked domain needs to be known by name: other hosts' lines are told apart
        # by the (host, pid) pairs virtuald and virtexec hand out, so no listing of the root.
        self.query = query
        self.attributor = Attributor(set(domains) | ({query.domain} if query.domain else set()))

    def scan(self, path, start: int = 0, end: int | None = None, workers: int = 1, piece_size: int = PIECE,
             keep_own: int | None = None, chunk_size: int = CHUNK) -> Iterator[tuple[Piece, list[Match]]]:
        """Each piece of the file from `start` to `end` with its matches, in file order.
        `keep_own`: of the lines whose host is the domain, only the last `keep_own` of each
        piece are matches, the others are counted in piece.counted (None: all are matches)."""
        def needles() -> Needles:
            return self.needles(keep_own)
        for piece in searched_pieces(path, needles, start, end, workers, piece_size, chunk_size):
            yield piece, list(self._matches(piece))

    def count(self, path, workers: int | None = None, piece_size: int = PIECE, chunk_size: int = CHUNK) -> int:
        """How many whole lines match, without keeping them (the domain's own lines are only
        counted where they are found)."""
        if workers is None:
            workers = workers_for(os.stat(path).st_size)
        pieces = self.scan(path, 0, None, workers, piece_size, keep_own=0, chunk_size=chunk_size)
        return sum(piece.counted + len(matches) for piece, matches in pieces)

    def needles(self, keep_own: int | None = None) -> Needles:
        """What the pieces are searched for, with the hosts learned so far."""
        query = self.query
        return Needles(domain=query.domain.encode() if query.domain else None,
                       hosts=frozenset(host.encode() for host in self.attributor.hosts.get(query.domain or "", ())),
                       text=query.text.encode() if query.text else None,
                       program=query.program.encode() if query.program else None,
                       domain_alone=self._domain_alone, text_alone=self._text_alone,
                       program_alone=self._program_alone, keep_own=keep_own)

    def _matches(self, piece: Piece) -> Iterator[Match]:
        name = self.query.domain.encode() if self.query.domain else None
        for offset, raw, fast in piece.candidates:
            if fast:  # its host field is the domain: nothing else to know
                yield Match(offset, raw, self.query.domain)
                continue
            if name and self._surely_not_the_domains(raw, name):
                continue
            line = parse(raw)
            domain = self.domain_of(line)
            if self.accepts(line, domain):
                yield Match(offset, raw, domain, line)

    def _surely_not_the_domains(self, raw: bytes, name: bytes) -> bool:
        """Whether a line is the domain's is told without parsing it when the domain's name is
        not in it (as host, or named by virtuald or virtexec) and no pid in brackets in it is
        one handed to the domain: left out, it changes nothing the domain's lines depend on."""
        if name in raw or not raw.isascii():   # other digits than ASCII's may make a pid too
            return False
        handed = self.attributor.handed.get(self.query.domain or "")
        return not handed or not any(int(number) in handed for number in BRACKETED_NUMBER.findall(raw))

    def domain_of(self, line: LogLine) -> str | None:
        """The line's domain when the query asks for one (the pid map learns from the line);
        lines must come in file order."""
        return self.attributor.domain_of(line) if self.query.domain else None

    def follows(self, line: LogLine) -> bool:
        """Whether a line read while following the file answers the query."""
        return self.accepts(line, self.domain_of(line))

    def _asks_only(self, asked: str) -> bool:
        """The query asks `asked` (domain, text or program) and nothing else."""
        query = self.query
        given = {"domain": query.domain, "text": query.text, "program": query.program}
        return bool(given.pop(asked)) and not any(given.values()) and query.max_severity is None

    @property
    def _domain_alone(self) -> bool:
        return self._asks_only("domain")

    @property
    def _text_alone(self) -> bool:
        """Nothing but a text is asked, and a line whose bytes hold the text's holds it once
        decoded too (a valid UTF-8 text is never merged with invalid bytes around it; parse()
        strips CR and LF from the line's end)."""
        return self._asks_only("text") and not {"\r", "\n"} & set(self.query.text or "")

    @property
    def _program_alone(self) -> bool:
        """Nothing but a program is asked, and one that logline.program_lines can tell."""
        return self._asks_only("program") and PROGRAM.fullmatch(self.query.program or "") is not None

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
