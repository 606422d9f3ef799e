"""A domain's whole tree from the host, through its root's descriptor (virttui.domains.inroot):
walking, disk use, removal and the archive, none of which follows a link or crosses into
another filesystem mounted inside the domain.

- walk: every entry below a directory, by descriptors of the directories (openat with
  O_NOFOLLOW), so a directory swapped for a link meanwhile is not entered;
- disk_usage: the domain's own blocks, each inode counted once; a link counts as itself;
- remove_tree: a link is removed, never its target; a mount point is refused (what is
  mounted there is not the domain's to remove);
- archive: links stored as links, FIFOs and devices as such (never opened), files read
  through a descriptor checked to be the inode that was listed.
"""

import errno
import os
import stat
from collections.abc import Iterator

from virttui.domains.inroot import DomainRoot, Refused, components

MAX_DEPTH = 256   # directories nested deeper (a hostile domain's) are refused, not followed
DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


def _open_below(files: DomainRoot, parent: int, name: str, path: str, device: int) -> int:
    """A directory entry opened as a directory, only when it still is one on `device`."""
    fd = os.open(name, DIRECTORY_FLAGS, dir_fd=parent)
    if os.fstat(fd).st_dev != device:
        os.close(fd)
        raise files.refused(path, "another filesystem is mounted here: left alone", errno.EXDEV)
    return fd


def walk(files: DomainRoot, path: str = ".") -> Iterator[tuple[str, os.stat_result, int, str]]:
    """(path inside the domain, lstat, descriptor of its directory, name) of every entry below
    the directory at path, a directory before what it holds. The descriptor is valid until the
    next item. An entry gone or changed meanwhile is left out; a mount point is not entered."""
    top = files.open_directory(path)
    device = os.fstat(top).st_dev
    base = "/".join(components(path))
    stack = [(top, base, iter(sorted(os.listdir(top))))]
    try:
        while stack:
            fd, where, names = stack[-1]
            name = next(names, None)
            if name is None:
                os.close(stack.pop()[0])
                continue
            inner = f"{where}/{name}" if where else name
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            yield inner, info, fd, name
            if not stat.S_ISDIR(info.st_mode) or info.st_dev != device:
                continue
            if len(stack) >= MAX_DEPTH:
                raise files.refused(inner, f"directories nested more than {MAX_DEPTH} deep: not entered")
            try:
                below = _open_below(files, fd, name, inner, device)
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as error:
                if error.errno == errno.ELOOP:
                    continue   # swapped for a link since it was listed: not followed
                raise
            stack.append((below, inner, iter(sorted(os.listdir(below)))))
    finally:
        for fd, _, _ in stack:
            os.close(fd)


def disk_usage(files: DomainRoot, path: str = ".") -> int:
    """Bytes of disk the tree at path takes in the domain's own filesystem (st_blocks)."""
    seen = set()
    total = files.stat(path).st_blocks * 512
    for _, info, _, _ in walk(files, path):
        if info.st_nlink > 1 and not stat.S_ISDIR(info.st_mode):
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
        total += info.st_blocks * 512
    return total


def remove_tree(files: DomainRoot, path: str) -> None:
    """Remove what stands at path inside the domain: a link or file is unlinked, a directory
    emptied from its descriptor then removed. Never through a link, never into a mount."""
    parent, name, info = files.resolve(path, follow_last=False)
    try:
        if info is None:
            return
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(name, dir_fd=parent)
            return
        if name in (".", ".."):
            raise files.refused(path, "the domain's root is removed by its parent, not from inside")
        _empty(files, parent, name, "/".join(components(path)), info.st_dev, 0)
        os.rmdir(name, dir_fd=parent)
    except Refused:
        raise
    except OSError as error:
        raise files.failed(path, error) from None
    finally:
        os.close(parent)


def _empty(files: DomainRoot, parent: int, name: str, path: str, device: int, depth: int) -> None:
    if depth >= MAX_DEPTH:
        raise files.refused(path, f"directories nested more than {MAX_DEPTH} deep: not removed")
    fd = _open_below(files, parent, name, path, device)
    try:
        for entry in os.listdir(fd):
            info = os.stat(entry, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                _empty(files, fd, entry, f"{path}/{entry}", device, depth + 1)
                os.rmdir(entry, dir_fd=fd)
            else:
                os.unlink(entry, dir_fd=fd)
    finally:
        os.close(fd)


def archive(files: DomainRoot, tar, arcname: str, path: str = ".") -> list[str]:
    """Add the tree at path to the open tarfile `tar` under `arcname`: links as links, FIFOs
    and devices as such, never opened; hard links once. The paths left out (sockets, which a
    tar cannot hold, and files that changed while they were read)."""
    import tarfile
    left_out, first_of = [], {}
    tar.addfile(_tar_info(tarfile, arcname, files.stat(path), tarfile.DIRTYPE))
    for inner, info, parent, name in walk(files, path):
        relative = inner[len("/".join(components(path))):].lstrip("/")
        member = f"{arcname}/{relative}"
        mode = info.st_mode
        if stat.S_ISREG(mode) and info.st_nlink > 1 and (info.st_dev, info.st_ino) in first_of:
            entry = _tar_info(tarfile, member, info, tarfile.LNKTYPE)
            entry.linkname, entry.size = first_of[info.st_dev, info.st_ino], 0
            tar.addfile(entry)
        elif stat.S_ISREG(mode):
            if not _add_file(tarfile, tar, member, info, parent, name):
                left_out.append(inner)
            elif info.st_nlink > 1:
                first_of[info.st_dev, info.st_ino] = member
        elif stat.S_ISLNK(mode):
            entry = _tar_info(tarfile, member, info, tarfile.SYMTYPE)
            entry.linkname = os.readlink(name, dir_fd=parent)
            tar.addfile(entry)
        elif stat.S_ISDIR(mode):
            tar.addfile(_tar_info(tarfile, member, info, tarfile.DIRTYPE))
        elif stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            kind = tarfile.FIFOTYPE if stat.S_ISFIFO(mode) else tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE
            entry = _tar_info(tarfile, member, info, kind)
            entry.devmajor, entry.devminor = os.major(info.st_rdev), os.minor(info.st_rdev)
            tar.addfile(entry)
        else:
            left_out.append(inner)
    return left_out


def _tar_info(tarfile, name: str, info: os.stat_result, kind):
    entry = tarfile.TarInfo(name)
    entry.type, entry.mode = kind, stat.S_IMODE(info.st_mode)
    entry.uid, entry.gid, entry.mtime = info.st_uid, info.st_gid, int(info.st_mtime)
    entry.size = 0
    return entry


def _add_file(tarfile, tar, member: str, info: os.stat_result, parent: int, name: str) -> bool:
    """The regular file, read through a descriptor that is still the listed inode."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY, dir_fd=parent)
    except OSError:
        return False
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino) or not stat.S_ISREG(now.st_mode):
            return False
        entry = _tar_info(tarfile, member, now, tarfile.REGTYPE)
        entry.size = now.st_size
        with os.fdopen(os.dup(fd), "rb") as data:
            tar.addfile(entry, data)
        return True
    finally:
        os.close(fd)
