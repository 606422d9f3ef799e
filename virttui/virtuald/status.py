"""The dispatcher's status file: what a running `virtuald --listen` serves and its live
counts, for the app and for admins (`cat /run/virtuald/*.json`).

Each dispatcher writes RUN_DIR/virtuald-PID.json (JSON, one object), written to a temporary
file and renamed into place, at start, then at most once a second while its counts change,
and removes it when it stops. The keys:

    pid, start_time    the dispatcher's pid and its start time in clock ticks since boot
                       (/proc/PID/stat field 22): a file whose pair names no running
                       process is left over from a dispatcher that was killed
    conf, program      the conf file (absolute) and the program it serves
    listen             the addresses it listens on, "ADDR:PORT" or "[IPV6]:PORT"
    started, updated   Unix times
    connections        connections being served now (children alive)
    domains            domain directory -> connections being served now
    served             connections handed to a child since start
    refused            max-connections, per-domain, per-client (a limit was reached),
                       no-domain (no line for the address), cannot-start (no directory,
                       no program: the syslog line says), fork-failed -> count
    limits             max-connections, per-domain, per-client (0: none)
    conf_kept          null, or why the conf file on disk is not the mapping in use

Standard library only; the reader never raises on a file it cannot use.
"""

import json
import os

from virttui.conf.conffile import read_bytes

RUN_DIR = "/run/virtuald"
PREFIX = "virtuald-"
SUFFIX = ".json"


def process_start_time(pid: int):
    """Field 22 of /proc/PID/stat, or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[19]) if len(fields) > 19 else None


def path_for(run_dir: str, pid: int) -> str:
    return os.path.join(run_dir, f"{PREFIX}{pid}{SUFFIX}")


def write(path: str, state: dict) -> None:
    """Write `state` atomically (a temporary file beside it, then rename); OSError propagates."""
    temporary = f"{path}.tmp"
    data = json.dumps(state, sort_keys=True).encode()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.rename(temporary, path)


class Status:
    """One running dispatcher, as its status file says."""

    def __init__(self, path: str, data: dict):
        self.path = path
        self.pid = int(data["pid"])
        self.conf = str(data["conf"])
        self.program = str(data.get("program", ""))
        self.listen = [str(item) for item in data.get("listen", [])]
        self.connections = int(data.get("connections", 0))
        self.domains = {str(k): int(v) for k, v in dict(data.get("domains", {})).items()}
        self.served = int(data.get("served", 0))
        self.refused = {str(k): int(v) for k, v in dict(data.get("refused", {})).items()}
        self.limits = {str(k): int(v) for k, v in dict(data.get("limits", {})).items()}
        self.updated = float(data.get("updated", 0))
        self.conf_kept = data.get("conf_kept")

    @property
    def refused_by_limits(self) -> int:
        return sum(self.refused.get(name, 0) for name in ("max-connections", "per-domain", "per-client"))


def read(path) -> Status | None:
    """The status in `path` if it is a running dispatcher's; None otherwise (a file left by a
    killed dispatcher, a half-written or foreign file)."""
    path = os.fspath(path)
    try:
        data = json.loads(read_bytes(path))
        status = Status(path, data)
        alive = process_start_time(status.pid) == int(data["start_time"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return status if alive else None


def running(run_dir: str | None = None) -> list[Status]:
    """Every running dispatcher with a status file in `run_dir` (RUN_DIR unless told)."""
    try:
        names = sorted(os.listdir(run_dir or RUN_DIR))
    except OSError:
        return []
    found = (read(os.path.join(run_dir or RUN_DIR, name)) for name in names
             if name.startswith(PREFIX) and name.endswith(SUFFIX))
    return [status for status in found if status is not None]


def serving(conf_path, run_dir: str | None = None) -> list[Status]:
    """The running dispatchers that serve the conf file `conf_path`."""
    wanted = os.path.realpath(conf_path)
    return [status for status in running(run_dir) if os.path.realpath(status.conf) == wanted]


def summary(status: Status) -> str:
    """One line for a screen: who serves, and the counts now (names escaped: a status file
    is text from outside)."""
    from virttui.names import printable  # here: the dispatcher, which only writes, never loads it

    domains = ", ".join(f"{printable(os.path.basename(d.rstrip('/')) or d)} {n}"
                        for d, n in sorted(status.domains.items()))
    line = (f"dispatcher pid {status.pid} on {printable(' '.join(status.listen))}: {status.connections} "
            f"connection{'s' * (status.connections != 1)} now" + (f" ({domains})" if domains else "")
            + f", {status.served} served, {status.refused_by_limits} refused by limits")
    if status.conf_kept:
        line += "; the conf file on disk is not in use (see the log)"
    return line
