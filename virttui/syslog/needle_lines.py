"""The lines of a buffer that hold a needle, with a host's own lines told apart: those that
logline.host_lines(host) matches, whose host field is the host (so known to be its lines
without parsing them).

`lines_with` is the compiled module _needle_lines when it was built (the package builds it
where the machine has a C compiler), else `python_lines_with`, which does the same work
with the C library's memmem and the host_lines pattern. The compiled one spares a Python
loop over every line found: a domain's search over a GiB finds hundreds of thousands.
"""

import functools
import re
from collections import deque
from collections.abc import Callable

from virttui.syslog.logline import host_lines
from virttui.syslog.memfind import finder

Pairs = list[tuple[int, int]]   # (start, stop) of lines, stop at the newline (or the range's end)


def python_lines_with(buffer: bytearray, low: int, high: int, needle: bytes, host: bytes,
                      keep: int) -> tuple[Pairs, Pairs, int]:
    """The lines of buffer[low:high] that hold `needle`: (those that are not `host`'s own
    lines, the last `keep` own lines (all when keep < 0), how many own lines there were).
    `host` is ASCII (a domain's name); empty, no line is its own."""
    find_needle, find, rfind = finder(buffer), buffer.find, buffer.rfind
    own_line = _own_lines(host).match if host else _never
    others: Pairs = []
    own: deque[tuple[int, int]] | Pairs = deque(maxlen=keep) if keep >= 0 else []
    own_count = 0
    position = find_needle(needle, low, high)
    while position >= 0:   # one loop, no generator: it runs once per line found
        start = rfind(b"\n", low, position) + 1 or low
        stop = find(b"\n", position, high)
        stop = high if stop < 0 else stop
        if own_line(buffer, start, stop):
            own_count += 1
            own.append((start, stop))
        else:
            others.append((start, stop))
        position = find_needle(needle, stop + 1, high)   # the next line: a needle may hold a newline
    return others, list(own), own_count


def _never(*_) -> None:
    return None


@functools.lru_cache(maxsize=16)
def _own_lines(host: bytes) -> re.Pattern[bytes]:
    return host_lines(host.decode("ascii", "replace"))


def _compiled() -> Callable[[bytearray, int, int, bytes, bytes, int], tuple[Pairs, Pairs, int]] | None:
    try:
        from virttui.syslog._needle_lines import lines_with as compiled
    except ImportError:
        return None
    return compiled


COMPILED = _compiled()
lines_with = COMPILED or python_lines_with
