"""Writing one message into a Maildir, the way the maildir format asks.

The message is written under tmp/ with a name no other delivery can have,
fsynced, linked into new/ (renamed where the filesystem has no hard links),
and its tmp/ entry removed; then new/ itself is fsynced. A reader never sees
a partial file in new/, and a delivery killed at any moment leaves at most a
file in tmp/ (which mail readers clean up after 36 hours).
"""

import errno
import os
import time

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


def prepare_maildir(home: str) -> str:
    """HOME/Maildir, made (mode 700) when it is missing and the home is ours; else a failure."""
    maildir = os.path.join(home, "Maildir")
    if all(os.path.isdir(os.path.join(maildir, sub)) for sub in SUBDIRECTORIES):
        return maildir
    try:
        owner = os.stat(home).st_uid
    except OSError as error:
        raise temporary(f"home {home}: {error.strerror}")
    if owner != os.geteuid():
        raise temporary(f"{maildir} is missing and {home} belongs to uid {owner}, not to "
                        f"uid {os.geteuid()}: make the Maildir (tmp, new, cur) for the user")
    try:
        for path in (maildir, *(os.path.join(maildir, sub) for sub in SUBDIRECTORIES)):
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                pass
    except OSError as error:
        raise temporary(f"cannot make {maildir}: {error.strerror}")
    return maildir


def deliver(maildir: str, source_fd: int, header: bytes = b"") -> str:
    """Write `header` then everything readable from `source_fd` into `maildir`; the new/ name."""
    name, fd = _create_in_tmp(maildir)
    in_tmp = os.path.join(maildir, "tmp", name)
    try:
        try:
            _write_all(fd, header)
            _copy(source_fd, fd)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        _remove(in_tmp)
        raise temporary(f"writing {in_tmp}: {error.strerror}")
    in_new = _publish(maildir, name, in_tmp)
    _sync_directory(os.path.join(maildir, "new"), in_new)
    return os.path.basename(in_new)


def _create_in_tmp(maildir: str) -> tuple[str, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
    for _ in range(NAME_ATTEMPTS):
        name = unique_name()
        try:
            return name, os.open(os.path.join(maildir, "tmp", name), flags, 0o600)
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


def _publish(maildir: str, name: str, in_tmp: str) -> str:
    """Put the finished file into new/ under its name; the path in new/."""
    for attempt in range(NAME_ATTEMPTS):
        in_new = os.path.join(maildir, "new", name if attempt == 0 else unique_name())
        try:
            os.link(in_tmp, in_new)
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno not in NO_HARD_LINKS:
                _remove(in_tmp)
                raise temporary(f"cannot link {in_tmp} into new/: {error.strerror}")
            return _rename_into_new(in_tmp, in_new)
        _remove(in_tmp)  # delivered already: a leftover here is only clutter
        return in_new
    _remove(in_tmp)
    raise temporary(f"no free name in {maildir}/new after {NAME_ATTEMPTS} tries")


def _rename_into_new(in_tmp: str, in_new: str) -> str:
    if os.path.lexists(in_new):
        _remove(in_tmp)
        raise temporary(f"{in_new} exists already")
    try:
        os.rename(in_tmp, in_new)
    except OSError as error:
        _remove(in_tmp)
        raise temporary(f"cannot rename {in_tmp} into new/: {error.strerror}")
    return in_new


def _sync_directory(directory: str, in_new: str) -> None:
    """Make the new entry durable before saying delivered; if that fails, take the entry back
    so the sender's queue, which still has the message, tries again."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        _remove(in_new)
        raise temporary(f"cannot sync {directory}: {error.strerror}")


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
