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
from enum import StrEnum
from pathlib import Path

from virttui.domains.inroot import DomainRoot, Refused
from virttui.names import printable


class Relink(StrEnum):
    """What relinking one domain's dev/log did."""
    LINKED = "linked"        # there was none
    RELINKED = "relinked"    # a socket of another inode replaced
    ALREADY = "already"      # already the root's socket
    REFUSED = "refused"      # left alone (the reason says why)


@dataclass(frozen=True)
class RelinkResult:
    domain: str
    outcome: Relink
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome != Relink.REFUSED

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
        raise NoLogSocket(f"{printable(str(socket_path))}: {error.strerror}: is rsyslogd listening on it "
                          "(`virttui syslog config`)?")
    if not stat.S_ISSOCK(found.st_mode):
        raise NoLogSocket(f"{printable(str(socket_path))} is not a socket")
    return found


def relink(domain: str, domain_path: Path, socket_path: Path) -> RelinkResult:
    """dev/log of the domain made a hard link to the socket. The domain's dev is opened from
    its root's descriptor without following a link (its users could make it one to the
    host's /dev, or a FIFO), and the link is made and renamed relative to it."""
    shared = socket_inode(socket_path)
    devlog = Path(domain_path) / "dev" / "log"
    try:
        with DomainRoot(domain_path) as files:
            files.mkdir("dev", 0o755)   # refuses a link, a FIFO ... standing there
            dev = files.open_directory("dev", follow=False)
    except OSError as error:
        return RelinkResult(domain, Relink.REFUSED, str(error) if isinstance(error, Refused) else error.strerror or "")
    try:
        return _relink_in(dev, domain, devlog, shared, socket_path)
    finally:
        os.close(dev)


def _relink_in(dev: int, domain: str, devlog: Path, shared: os.stat_result, socket_path: Path) -> RelinkResult:
    shown = printable(str(devlog))
    try:
        here = os.stat("log", dir_fd=dev, follow_symlinks=False)
    except FileNotFoundError:
        here = None
    except OSError as error:
        return RelinkResult(domain, Relink.REFUSED, f"{shown}: {error.strerror}")
    if here is not None:
        if (here.st_ino, here.st_dev) == (shared.st_ino, shared.st_dev):
            return RelinkResult(domain, Relink.ALREADY)
        if not stat.S_ISSOCK(here.st_mode):
            return RelinkResult(domain, Relink.REFUSED, f"{shown} is not a socket: left alone, look at it")
    temporary = f".log.virttui-{os.getpid()}"
    try:
        os.link(socket_path, temporary, dst_dir_fd=dev)
    except OSError as error:
        if error.errno == errno.EXDEV:
            return RelinkResult(domain, Relink.REFUSED, f"{printable(str(devlog.parent))} is on another filesystem "
                                f"than {printable(str(socket_path))}: use one socket per disk, or the per-domain mode")
        return RelinkResult(domain, Relink.REFUSED, f"{shown}: {error.strerror}")
    try:  # atomic: a program logging now finds one socket or the other
        os.replace(temporary, "log", src_dir_fd=dev, dst_dir_fd=dev)
    except OSError as error:
        os.unlink(temporary, dir_fd=dev)
        return RelinkResult(domain, Relink.REFUSED, f"{shown}: {error.strerror}")
    return RelinkResult(domain, Relink.RELINKED if here is not None else Relink.LINKED)
