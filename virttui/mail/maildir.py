"""Writing one message into a Maildir, the way the maildir format asks.

The message is written under tmp/ with a name no other delivery can have,
fsynced, linked into new/ (renamed where the filesystem has no hard links),
and its tmp/ entry removed; then new/ itself is fsynced. A reader never sees
a partial file in new/, and a delivery killed at any moment leaves at most a
file in tmp/ (which mail readers clean up after 36 hours).
"""

import errno
import os
import stat
import time

from virttui.domains.inroot import DomainRoot, Refused, kind_of
from virttui.mail.outcome import temporary

SUBDIRECTORIES = ("tmp", "new", "cur")
CHUNK = 1 << 20
NAME_ATTEMPTS = 5
# Filesystems where link() is not offered: the message is renamed into new/ instead.
NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EMLINK}

_deliveries_in_this_process = 0


def maildir_host(nodename: str) -> str:
    """The host name as a Maildir name part: '/' and ':' would break the name, so they are escaped."""
    return nodename.replace("/", "\\057").replace(":", "\\072")


def unique_name() -> str:
    """SECONDS.M<microseconds>P<pid>Q<count>R<random>.HOST: the pid and microsecond as the
    spec has them, a counter for deliveries within one process and random bits for the rest,
    so no delivery ever sleeps waiting for a free name (as the 1998 program did)."""
    global _deliveries_in_this_process
    _deliveries_in_this_process += 1
    seconds, microseconds = divmod(time.time_ns() // 1000, 1_000_000)
    return (f"{seconds}.M{microseconds}P{os.getpid()}Q{_deliveries_in_this_process}"
            f"R{os.urandom(8).hex()}.{maildir_host(os.uname().nodename)}")


class Maildir:
    """A Maildir held by descriptors of its tmp/ and new/: every write is relative to them,
    so nothing that is swapped in later (a link, a FIFO) is written through."""

    def __init__(self, path: str, tmp: int, new: int):
        self.path, self.tmp, self.new = path, tmp, new

    def close(self) -> None:
        for fd in (self.tmp, self.new):
            os.close(fd)

    def __str__(self) -> str:
        return self.path


def prepare_maildir(home: str, follow_links: bool = False) -> Maildir:
    """HOME/Maildir, made (mode 700) when it is missing and the home is ours; else a failure.
    Opened from a descriptor of the home (inroot): with `follow_links` False (virtmaildelivery,
    which does not know the domain's root) a link for Maildir, tmp, new or cur is refused;
    the mail filter, chrooted into the domain, follows them as the domain sees them."""
    if follow_links:
        base, inner = DomainRoot("/"), os.path.join(home, "Maildir")
    else:
        try:
            base = DomainRoot(home)
        except OSError as error:
            raise temporary(f"home {home}: {error.strerror}")
        inner = "Maildir"
    maildir = os.path.join(home, "Maildir")
    try:
        if not _complete(base, inner, follow_links):
            _make_maildir(base, home, inner, follow_links)
        return Maildir(maildir, *(base.open_directory(os.path.join(inner, sub), follow=follow_links)
                                  for sub in ("tmp", "new")))
    except OSError as error:
        raise temporary(str(error) if isinstance(error, Refused) else f"{maildir}: {error.strerror}")
    finally:
        base.close()


def _complete(base: DomainRoot, inner: str, follow_links: bool) -> bool:
    """Whether Maildir, tmp, new and cur are there; anything else than a directory in their
    place (a link, when links are not followed) is refused."""
    for path in (inner, *(os.path.join(inner, sub) for sub in SUBDIRECTORIES)):
        try:
            info = base.stat(path, follow=follow_links, strict=not follow_links)
        except FileNotFoundError:
            return False
        if not stat.S_ISDIR(info.st_mode):
            raise base.refused(path, f"{kind_of(info.st_mode)} where a directory is expected: left alone")
    return True


def _make_maildir(base: DomainRoot, home: str, inner: str, follow_links: bool) -> None:
    maildir = os.path.join(home, "Maildir")
    try:
        owner = base.stat(os.path.dirname(inner) if follow_links else ".").st_uid
    except OSError as error:
        raise temporary(f"home {home}: {error.strerror}")
    if owner != os.geteuid():
        raise temporary(f"{maildir} is missing and {home} belongs to uid {owner}, not to "
                        f"uid {os.geteuid()}: make the Maildir (tmp, new, cur) for the user")
    try:
        for path in (inner, *(os.path.join(inner, sub) for sub in SUBDIRECTORIES)):
            base.mkdir(path, 0o700)
    except OSError as error:
        raise temporary(str(error) if isinstance(error, Refused) else f"cannot make {maildir}: {error.strerror}")


def deliver(maildir: Maildir, source_fd: int, header: bytes = b"") -> str:
    """Write `header` then everything readable from `source_fd` into `maildir`; the new/ name.
    The Maildir's descriptors are closed."""
    try:
        name, fd = _create_in_tmp(maildir)
        try:
            try:
                _write_all(fd, header)
                _copy(source_fd, fd)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            _remove(maildir.tmp, name)
            raise temporary(f"writing {maildir}/tmp/{name}: {error.strerror}")
        in_new = _publish(maildir, name)
        _sync_new(maildir, in_new)
        return in_new
    finally:
        maildir.close()


def _create_in_tmp(maildir: Maildir) -> tuple[str, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
    for _ in range(NAME_ATTEMPTS):
        name = unique_name()
        try:
            return name, os.open(name, flags, 0o600, dir_fd=maildir.tmp)
        except FileExistsError:
            continue
        except OSError as error:
            raise temporary(f"cannot create a file in {maildir}/tmp: {error.strerror}")
    raise temporary(f"no free name in {maildir}/tmp after {NAME_ATTEMPTS} tries")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _copy(source_fd: int, target_fd: int) -> None:
    while True:
        chunk = os.read(source_fd, CHUNK)
        if not chunk:
            return
        _write_all(target_fd, chunk)


def _publish(maildir: Maildir, name: str) -> str:
    """Put the finished file into new/ under its name; its name in new/."""
    for attempt in range(NAME_ATTEMPTS):
        in_new = name if attempt == 0 else unique_name()
        try:
            os.link(name, in_new, src_dir_fd=maildir.tmp, dst_dir_fd=maildir.new, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno not in NO_HARD_LINKS:
                _remove(maildir.tmp, name)
                raise temporary(f"cannot link {maildir}/tmp/{name} into new/: {error.strerror}")
            return _rename_into_new(maildir, name, in_new)
        _remove(maildir.tmp, name)  # delivered already: a leftover here is only clutter
        return in_new
    _remove(maildir.tmp, name)
    raise temporary(f"no free name in {maildir}/new after {NAME_ATTEMPTS} tries")


def _rename_into_new(maildir: Maildir, name: str, in_new: str) -> str:
    try:
        os.stat(in_new, dir_fd=maildir.new, follow_symlinks=False)
    except FileNotFoundError:
        pass
    else:
        _remove(maildir.tmp, name)
        raise temporary(f"{maildir}/new/{in_new} exists already")
    try:
        os.rename(name, in_new, src_dir_fd=maildir.tmp, dst_dir_fd=maildir.new)
    except OSError as error:
        _remove(maildir.tmp, name)
        raise temporary(f"cannot rename {maildir}/tmp/{name} into new/: {error.strerror}")
    return in_new


def _sync_new(maildir: Maildir, in_new: str) -> None:
    """Make the new entry durable before saying delivered; if that fails, take the entry back
    so the sender's queue, which still has the message, tries again."""
    try:
        os.fsync(maildir.new)
    except OSError as error:
        _remove(maildir.new, in_new)
        raise temporary(f"cannot sync {maildir}/new: {error.strerror}")


def _remove(directory: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=directory)
    except OSError:
        pass
