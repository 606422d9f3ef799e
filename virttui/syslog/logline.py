"""One line of a syslog file, as rsyslog writes it.

Two timestamp forms: the traditional `Nov 24 09:00:01` and the high-precision
`2026-11-24T09:00:01.123456+00:00`; then the host (the domain's name in the
per-domain mode), the tag (`program[pid]:`) and the message. A line may start with
`<PRI>` when the template writes it: that gives the severity. A line that is none of
these is kept whole as its message.
"""

import re
from dataclasses import dataclass

from virttui.names import printable

SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
MAX_SHOWN = 4096  # characters of one line shown; the rest is said, not drawn

PRI = r"(?:<(?P<pri>\d{1,3})>)?"
TIME = (r"(?P<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d"
        r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))")
LINE = re.compile(PRI + TIME + r" +(?P<host>\S+) +(?P<program>[^\s\[\]:]+)(?:\[(?P<pid>\d+)\])?: ?(?P<message>.*)",
                  re.DOTALL)
PROGRAM_SHAPE = r"[!-9;-Z\\^-~]+"   # a program as the raw-line patterns read it: printable ASCII but [ ] and :
HANDING_PROGRAMS = ("virtuald", "virtexec")   # their lines name the domain they hand a pid to


@dataclass(slots=True)   # made by the hundred thousand in a scan: slots, and not frozen, cost less
class LogLine:
    text: str                 # the whole line, decoded (invalid bytes replaced), no newline nor <PRI>
    time: str = ""
    host: str = ""
    program: str = ""
    pid: int | None = None
    message: str = ""
    severity: int | None = None

    @property
    def minute(self) -> str:
        """The minute the line was logged in: 'Nov 24 09:00' or '2026-11-24T09:00'."""
        if "T" in self.time:
            return self.time[:16]
        return self.time[:12]

    @property
    def severity_name(self) -> str:
        return SEVERITIES[self.severity] if self.severity is not None else ""


def parse(raw: bytes) -> LogLine:
    text = raw.rstrip(b"\r\n").decode("utf-8", "replace")
    found = LINE.match(text)
    if found is None:
        return LogLine(text, message=text)
    pri, pid = found["pri"], found["pid"]
    if pri:
        text = text[found.start("time"):]   # shown as rsyslog's own format: the severity is a field
    return LogLine(text, found["time"], found["host"], found["program"],
                   int(pid) if pid else None, found["message"],
                   int(pri) % 8 if pri else None)


def host_lines(host: str) -> re.Pattern[bytes]:
    """Matches the raw lines that parse() gives `host` as their host, without decoding them:
    the same shapes in ASCII alone, one space before the host, and not a program that hands
    pids (a line of other bytes or spacing there is left to parse())."""
    handing = "|".join(HANDING_PROGRAMS)
    program = PROGRAM_SHAPE
    pattern = f"{PRI}{TIME} {re.escape(host)} +(?!(?:{handing})[\\[:]){program}(?:\\[\\d+\\])?:"
    return re.compile(pattern.encode())


def program_lines(program: str) -> re.Pattern[bytes]:
    """Matches the raw lines that parse() gives `program` as their program, without decoding
    them: the same shapes in ASCII alone, one space before the host, the program followed by
    its [pid] or its colon (other lines are left to parse())."""
    pattern = f"{PRI}{TIME} [!-~]+ +{re.escape(program)}(?:\\[\\d+\\])?:"
    return re.compile(pattern.encode())


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """The text safe for a terminal: what is not printable (escape sequences, bells, NULs,
    tabs, a bidi override) as names.printable shows it, and a very long line cut with the
    number of characters left out."""
    safe = printable(text)
    if len(safe) > limit:
        return f"{safe[:limit]}… ({len(safe) - limit} more characters)"
    return safe
