"""One walk of a domain's tree, for every check that looks at its files (outdated, escape).

The walk opens each directory relative to its parent's descriptor with O_NOFOLLOW, never
follows a link, stays on the domain's filesystem (a mount inside it is reported by the
escape checks, not walked), and stats only what it must: regular files and devices (the type
of the rest comes from the directory listing). It only collects; the checks judge."""

import errno
import os
import stat
from dataclasses import dataclass, field

# The walk's own opens: never through a link, never waiting on a FIFO (virttui.domains.inroot
# is the opener for one path; a whole tree is walked here, one descriptor per level).
DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
PATH_FLAGS = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC
PROC_FD = "/proc/self/fd"
MAX_DEPTH = 200   # one descriptor per level is open at a time
SET_ID = stat.S_ISUID | stat.S_ISGID


@dataclass
class DomainScan:
    set_id: list[tuple[str, int]] = field(default_factory=list)         # (path, mode) of set-id files
    devices: list[tuple[str, int, int]] = field(default_factory=list)   # (path, mode, rdev)
    linked: list[tuple[str, int, int]] = field(default_factory=list)    # (path, st_dev, st_ino), st_nlink > 1
    outdated: list[str] = field(default_factory=list)                   # host paths whose copy differs
    unread: list[str] = field(default_factory=list)                     # what could not be walked, and why


def scan_domain(domain_path, programs: dict[str, dict[str, str]], host) -> DomainScan:
    """Walk the domain. `programs`: directory inside the domain -> {file name: host path} of
    the copies to compare with the host (`host.differs`)."""
    found = DomainScan()
    top = os.open(domain_path, DIRECTORY_FLAGS)
    try:
        _walk(top, "", os.fstat(top).st_dev, programs, host, found, 0)
    finally:
        os.close(top)
    return found


def _walk(fd: int, here: str, device: int, programs, host, found: DomainScan, depth: int) -> None:
    wanted = programs.get(here)
    prefix = here + "/" if here else ""
    subdirectories = []
    with os.scandir(fd) as entries:
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    subdirectories.append(name)
                    continue
                if entry.is_symlink():
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue   # gone while we looked
            mode = info.st_mode
            if stat.S_ISREG(mode):
                if mode & SET_ID:
                    found.set_id.append((prefix + name, mode))
                if info.st_nlink > 1:
                    found.linked.append((prefix + name, info.st_dev, info.st_ino))
                if wanted is not None and name in wanted and host.differs(wanted[name], info, fd, name):
                    found.outdated.append(wanted[name])
            elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                found.devices.append((prefix + name, mode, info.st_rdev))
    for name in subdirectories:
        path = prefix + name
        if depth >= MAX_DEPTH:
            found.unread.append(f"{path}: deeper than {MAX_DEPTH} levels, not looked into")
            continue
        try:
            child = os.open(name, DIRECTORY_FLAGS, dir_fd=fd)
        except OSError as error:
            found.unread.append(f"{path}: {error.strerror}")
            continue
        try:
            if os.fstat(child).st_dev == device:
                _walk(child, path, device, programs, host, found, depth + 1)
        finally:
            os.close(child)


def open_file_in(fd: int, name: str) -> int:
    """A regular file of a directory being walked, for reading, opened only once it is seen to
    be one: first as a path (O_PATH opens no FIFO's reader and no device's driver), then again
    through /proc/self/fd, which is that inode with no second lookup. A link, FIFO or device
    swapped in since the listing is refused (OSError) unopened. Without /proc: opened at once,
    never following a link nor waiting (the caller checks what it got)."""
    handle = os.open(name, PATH_FLAGS, dir_fd=fd)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise OSError(errno.EINVAL, "not a regular file any more", name)
        try:
            return os.open(f"{PROC_FD}/{handle}", os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY)
        except FileNotFoundError:
            return os.open(name, FILE_FLAGS, dir_fd=fd)
    finally:
        os.close(handle)
