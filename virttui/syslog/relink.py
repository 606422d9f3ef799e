"""Making each domain's dev/log a hard link to the root's log socket again.

rsyslogd deletes and recreates its socket when it starts: a new inode, and every dev/log
that was a link to the old one now leads nowhere (the 1998 syslog.init relinked them at
each start). A hard link cannot cross filesystems: a domain on another disk is reported
(the answer is one socket per disk, or the per-domain mode). Nothing that is not a socket
is ever removed.
"""

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RelinkResult:
    domain: str
    outcome: str      # linked, relinked, already, refused
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome != "refused"

    def __str__(self) -> str:
        return f"{self.domain}: {self.outcome}" + (f": {self.reason}" if self.reason else "")


class NoLogSocket(Exception):
    """No socket to link to: the root's is missing, or each domain has its own."""


def shared_socket(settings) -> Path:
    """The socket every dev/log must be a link to; NoLogSocket in the per-domain mode, where
    a link would replace rsyslogd's own socket of the domain."""
    if settings.devlog_target is None:
        raise NoLogSocket("per-domain log mode: each dev/log is rsyslogd's own socket, nothing to relink")
    return settings.devlog_target


def socket_inode(socket_path: Path) -> os.stat_result:
    try:
        found = os.stat(socket_path)
    except OSError as error:
        raise NoLogSocket(f"{socket_path}: {error.strerror}: is rsyslogd listening on it "
                          "(`virttui syslog config`)?")
    if not stat.S_ISSOCK(found.st_mode):
        raise NoLogSocket(f"{socket_path} is not a socket")
    return found


def relink(domain: str, domain_path: Path, socket_path: Path) -> RelinkResult:
    shared = socket_inode(socket_path)
    dev = Path(domain_path) / "dev"
    devlog = dev / "log"
    try:
        here = os.lstat(devlog)
    except FileNotFoundError:
        here = None
    if here is not None:
        if (here.st_ino, here.st_dev) == (shared.st_ino, shared.st_dev):
            return RelinkResult(domain, "already")
        if not stat.S_ISSOCK(here.st_mode):
            return RelinkResult(domain, "refused", f"{devlog} is not a socket: left alone, look at it")
    try:
        dev.mkdir(mode=0o755, exist_ok=True)
        temporary = dev / f".log.virttui-{os.getpid()}"
        os.link(socket_path, temporary)
    except OSError as error:
        if error.errno == errno.EXDEV:
            return RelinkResult(domain, "refused", f"{dev} is on another filesystem than "
                                f"{socket_path}: use one socket per disk, or the per-domain mode")
        return RelinkResult(domain, "refused", f"{devlog}: {error.strerror}")
    os.replace(temporary, devlog)  # atomic: a program logging now finds one socket or the other
    return RelinkResult(domain, "relinked" if here is not None else "linked")
