"""Finding, in a buffer of whole lines, the lines that may answer a query: those with the
domain's name, those of the hosts whose virtuald or virtexec lines gave the domain pids,
those with the text or the program. The domain's own lines (its name in the host field)
are told without parsing; when nothing else is asked, they may be only counted, or only the
last few of a piece sent back (Needles.keep_own).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from virttui.syslog.attribution import Attributor
from virttui.syslog.logline import parse
from virttui.syslog.needle_lines import lines_with

Find = Callable[[bytes, int, int], int]   # find(needle, start, end) over the buffer, as bytearray.find


@dataclass(frozen=True)
class Needles:
    """What makes a line a candidate."""
    domain: bytes | None = None
    hosts: frozenset[bytes] = frozenset()   # hosts whose virtuald or virtexec lines named the domain
    text: bytes | None = None
    program: bytes | None = None
    domain_alone: bool = False              # the query asks nothing but the domain
    keep_own: int | None = None             # when domain_alone: the domain's own lines sent back, the
                                            # last keep_own of each piece (None: all); the rest counted


def candidate_lines(buffer: bytearray, find: Find, low: int, high: int, needles: Needles,
                    hosts_only: bool = False):
    """The candidates among the lines of buffer[low:high]: ({line start: line stop}, the
    starts of those known to match unparsed, how many such lines were only counted, the
    hosts searched). `hosts_only`: only the lines of needles.hosts (a piece searched again
    for hosts learned late)."""
    if not needles.domain:
        return _lines_with(buffer, find, needles, low, high), set(), 0, frozenset()
    if hosts_only:
        found, fast, counted, hosts = {}, set(), 0, set(needles.hosts)
    else:
        found, fast, counted, hosts = _domain_lines(buffer, needles, low, high)
    for host in hosts:   # the domain's own lines among them are the domain search's
        others, _, _ = lines_with(buffer, low, high, b" " + host + b" ", needles.domain, 0)
        found.update(others)
    return found, fast, counted, frozenset(hosts)


def _domain_lines(buffer, needles: Needles, low: int, high: int):
    """The lines with the domain's name: ({start: stop}, the starts of its own lines (host
    field) when nothing else is asked, how many of those were only counted, the hosts that
    handed it pids, with those already known)."""
    domain = needles.domain
    keep = needles.keep_own if needles.domain_alone and needles.keep_own is not None else -1
    others, own, own_count = lines_with(buffer, low, high, domain, domain, keep)
    found, hosts = dict(others), set(needles.hosts)
    for start, stop in others:
        if buffer.find(b"virt", start, stop) >= 0:   # may be a virtuald or virtexec line naming it
            host = _handing_host(bytes(buffer[start:stop]), domain)
            if host:
                hosts.add(host)
    found.update(own)
    fast = {start for start, _ in own} if needles.domain_alone else set()
    return found, fast, own_count - len(own), hosts


def _handing_host(raw: bytes, domain: bytes) -> bytes | None:
    """The host of a virtuald or virtexec line that hands a pid to the domain, read as the
    Scanner reads it."""
    line = parse(raw)
    if Attributor.named_by(line) == domain.decode("ascii", "replace"):
        return line.host.encode()
    return None


def _lines_with(buffer, find: Find, needles: Needles, low: int, high: int) -> dict[int, int]:
    """{start: stop} of the lines with the text, or the program, or all of them."""
    if needles.text:
        return {start: stop for start, _, stop in _occurrences(buffer, find, needles.text, low, high)}
    if needles.program:
        return {start: stop for start, _, stop in _occurrences(buffer, find, b" " + needles.program, low, high)}
    return _all_lines(buffer, low, high)


def _occurrences(buffer, find_needle: Find, needle: bytes, low: int, high: int) -> Iterator[tuple[int, int, int]]:
    """(line start, where the needle is, line stop at its newline) of the lines in
    [low, high) that contain `needle`, the first place in each."""
    find, rfind = buffer.find, buffer.rfind
    position = find_needle(needle, low, high)
    while position >= 0:
        start = rfind(b"\n", low, position) + 1 or low
        stop = find(b"\n", position, high)
        stop = high if stop < 0 else stop
        yield start, position, stop
        position = find_needle(needle, stop + 1, high)   # the next line: a needle may hold a newline


def _all_lines(buffer, low: int, high: int) -> dict[int, int]:
    lines = {}
    start = low
    while start < high:
        stop = buffer.find(b"\n", start, high)
        stop = high if stop < 0 else stop
        lines[start] = stop
        start = stop + 1
    return lines
