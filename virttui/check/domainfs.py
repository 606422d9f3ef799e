"""Reading a domain from the host without trusting it: every path is resolved from a
descriptor of the domain's directory one component at a time with O_NOFOLLOW, so a link its
users made is never followed onto the host; only regular files are read, never more than a
bound; FIFOs and devices are never opened."""

import errno
import os
import stat

DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
MAX_READ = 4 << 20


def open_directory(domain_path, relative: str = "") -> int:
    """A descriptor of the directory `relative` inside the domain (OSError when a component is
    a link, missing or not a directory)."""
    fd = os.open(domain_path, DIRECTORY_FLAGS)
    try:
        for part in _parts(relative):
            child = os.open(part, DIRECTORY_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def lstat_in(domain_path, relative: str) -> os.stat_result:
    """lstat of a path inside the domain, its directories never followed through a link."""
    directory, _, name = relative.strip("/").rpartition("/")
    fd = open_directory(domain_path, directory)
    try:
        return os.stat(name or ".", dir_fd=fd, follow_symlinks=False)
    finally:
        os.close(fd)


def read_in(domain_path, relative: str, limit: int = MAX_READ) -> bytes:
    """The bytes of a regular file inside the domain; OSError (EINVAL: not a regular file,
    EFBIG: larger than `limit`) otherwise."""
    directory, _, name = relative.strip("/").rpartition("/")
    parent = open_directory(domain_path, directory)
    try:
        fd = os.open(name, FILE_FLAGS, dir_fd=parent)
    finally:
        os.close(parent)
    with open(fd, "rb") as opened:
        return read_regular(opened, limit, relative)


def read_regular(opened, limit: int, shown: str) -> bytes:
    info = os.fstat(opened.fileno())
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", shown)
    if info.st_size > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes", shown)
    return opened.read(limit + 1)[:limit]


def _parts(relative: str) -> list[str]:
    parts = [part for part in relative.split("/") if part and part != "."]
    if ".." in parts:
        raise OSError(errno.EINVAL, "'..' in a path inside a domain", relative)
    return parts
