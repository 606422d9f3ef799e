"""Finding, in a buffer of whole lines, the lines that may answer a query: those with the
domain's name, those of the hosts whose virtuald or virtexec lines gave the domain pids,
those with the text or the program. When nothing else is asked, some are known to match
without parsing: the domain's own lines (its name in the host field), every line with the
text, the lines whose program field is the program; those may be only counted, or only the
last few of a piece sent back (Needles.keep_own).
"""

import functools
import re
from dataclasses import dataclass

from virttui.syslog.attribution import Attributor
from virttui.syslog.logline import parse, program_lines
from virttui.syslog.needle_lines import Pairs, lines_with

NO_HOST = b""   # for lines_with: no line is told apart as a host's own


@dataclass(frozen=True)
class Needles:
    """What makes a line a candidate."""
    domain: bytes | None = None
    hosts: frozenset[bytes] = frozenset()   # hosts whose virtuald or virtexec lines named the domain
    text: bytes | None = None
    program: bytes | None = None
    domain_alone: bool = False              # the query asks nothing but the domain
    text_alone: bool = False                # the query asks nothing but the text, and a line that
                                            # holds its bytes holds it once decoded (no CR or LF in it)
    program_alone: bool = False             # the query asks nothing but the program, an ASCII one
    keep_own: int | None = None             # when one of those: the lines known to match
                                            # sent back, the last keep_own of each piece (None: all);
                                            # the rest counted


def candidate_lines(buffer: bytearray, low: int, high: int, needles: Needles, hosts_only: bool = False):
    """The candidates among the lines of buffer[low:high]: ({line start: line stop}, the
    starts of those known to match unparsed, how many such lines were only counted, the
    hosts searched). `hosts_only`: only the lines of needles.hosts (a piece searched again
    for hosts learned late)."""
    domain = needles.domain
    if not domain:
        if needles.text_alone or needles.program_alone:
            return (*_known_lines(buffer, needles, low, high), frozenset())
        return _lines_with(buffer, needles, low, high), set(), 0, frozenset()
    if hosts_only:
        found, fast, counted, hosts = {}, set(), 0, set(needles.hosts)
    else:
        found, fast, counted, hosts = _domain_lines(buffer, needles, domain, low, high)
    for host in hosts:   # the domain's own lines among them are the domain search's
        others, _, _ = lines_with(buffer, low, high, b" " + host + b" ", domain, 0)
        found.update(others)
    return found, fast, counted, frozenset(hosts)


def _domain_lines(buffer, needles: Needles, domain: bytes, low: int, high: int):
    """The lines with the domain's name: ({start: stop}, the starts of its own lines (host
    field) when nothing else is asked, how many of those were only counted, the hosts that
    handed it pids, with those already known)."""
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


def _known_lines(buffer, needles: Needles, low: int, high: int):
    """The lines with the text, or those with the program's name, of which the text's all
    and the program's those of its shape are known to match: ({start: stop}, the starts of
    the known, how many of those were only counted)."""
    text, program = needles.text, needles.program
    others: Pairs
    if needles.text_alone and text is not None:
        known, others = lines_with(buffer, low, high, text, NO_HOST, -1)[0], []
    else:
        assert program is not None  # program_alone: the other way here
        is_known = _program_lines(program).match
        known, others = [], []
        for start, stop in lines_with(buffer, low, high, b" " + program, NO_HOST, -1)[0]:
            (known if is_known(buffer, start, stop) else others).append((start, stop))
    keep = needles.keep_own
    kept = known if keep is None else known[-keep:] if keep > 0 else []
    found = dict(others)
    found.update(kept)
    return found, {start for start, _ in kept}, len(known) - len(kept)


@functools.lru_cache(maxsize=16)
def _program_lines(program: bytes) -> re.Pattern[bytes]:
    return program_lines(program.decode("ascii"))


def _lines_with(buffer, needles: Needles, low: int, high: int) -> dict[int, int]:
    """{start: stop} of the lines with the text, or the program, or all of them."""
    needle = needles.text or (b" " + needles.program if needles.program else None)
    if needle:
        return dict(lines_with(buffer, low, high, needle, NO_HOST, -1)[0])
    return _all_lines(buffer, low, high)


def _all_lines(buffer, low: int, high: int) -> dict[int, int]:
    lines = {}
    start = low
    while start < high:
        stop = buffer.find(b"\n", start, high)
        stop = high if stop < 0 else stop
        lines[start] = stop
        start = stop + 1
    return lines
