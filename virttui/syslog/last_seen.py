"""The last line each server logged for one domain: what a view shows as a service's last
connection. Only the end of the log is searched (a window of a few MiB), so the cost stays
the same whatever the log's size; a line older than the window is not found.
"""

import os

from virttui.syslog.logline import LogLine
from virttui.syslog.query import LogQuery, Scanner

WINDOW = 8 << 20


def log_program(argv: tuple[str, ...]) -> str:
    """The name a server's lines carry: its file name, or busybox's applet."""
    name = os.path.basename(argv[0])
    return argv[1] if name == "busybox" and len(argv) > 1 else name


def last_lines(path, domain: str, programs: set[str], window: int = WINDOW) -> dict[str, LogLine]:
    """For each program that logged a line of `domain` in the last `window` bytes of the log,
    its last such line. OSError when the log cannot be read."""
    size = os.stat(path).st_size
    scanner = Scanner(LogQuery(domain=domain))
    matches = [match for _, found in scanner.scan(path, max(0, size - window), size) for match in found]
    wanted = {program: program.encode() for program in programs}
    last: dict[str, LogLine] = {}
    for match in reversed(matches):
        if not wanted:
            break
        for program, needle in list(wanted.items()):
            if needle in match.raw and match.line.program == program:
                last[program] = match.line
                del wanted[program]
    return last
