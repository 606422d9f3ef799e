"""A page of the log for a view: the last lines that answer a query, where to follow from,
and how many of the matches fell in each minute (for a sparkline)."""

import os
from collections import Counter, deque
from dataclasses import dataclass, field

from virttui.syslog.logfile import last_lines
from virttui.syslog.logline import LogLine, parse
from virttui.syslog.query import LogQuery, Scanner


@dataclass
class LogPage:
    lines: list[LogLine]
    offset: int                      # follow from here
    scanner: Scanner                 # carries the pid map on into the following
    per_minute: Counter = field(default_factory=Counter)
    minutes: list[str] = field(default_factory=list)   # in the order met in the file


def load_page(path, query: LogQuery, count: int, progress=None, cancelled=lambda: False,
              workers: int = 1, per_minute: bool = True) -> LogPage:
    """The last `count` matches. Without a query only the end of the file is read (any size
    costs the same); with one, the whole file is scanned piece by piece (in `workers`
    processes), `progress(fraction)` told after each and `cancelled()` asked, so a view stays
    live on a file of gigabytes. Without `per_minute` (the sparkline's counts), the lines
    whose host is the domain are only sent back from the searches when among the last."""
    scanner = Scanner(query)
    if query.empty:
        raws, offset = last_lines(path, count)
        return LogPage([parse(raw) for raw in raws], offset, scanner)
    size = os.stat(path).st_size
    kept: deque = deque(maxlen=count)
    page = LogPage([], 0, scanner)
    for piece, matches in scanner.scan(path, 0, size, workers, keep_own=None if per_minute else count):
        kept.extend(matches)
        if per_minute:
            _count_per_minute(page, matches)
        page.offset = max(page.offset, piece.stop)  # a line still being written: the follower takes it
        if progress:
            progress(page.offset / size if size else 1.0)
        if cancelled():
            break
    page.lines = [match.line for match in kept]
    return page


def _count_per_minute(page: LogPage, matches) -> None:
    for match in matches:
        minute = match.minute
        if minute and minute not in page.per_minute:
            page.minutes.append(minute)
        page.per_minute[minute] += 1
