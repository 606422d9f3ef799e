"""A domain's whole tree from the host, through its root's descriptor (virttui.domains.inroot):
walking and removal, neither of which follows a link or crosses into another filesystem
mounted inside the domain (`virttui domain delete` removes a domain with it).

- walk: every entry below a directory, by descriptors of the directories (openat with
  O_NOFOLLOW), so a directory swapped for a link meanwhile is not entered;
- remove_tree: a link is removed, never its target; a mount point is refused (what is
  mounted there, a bind-mounted host directory, is not the domain's to remove).

Disk use is virttui.domains.disk's (os.fwalk, one file system) and the archive
virttui.domains.archive's (GNU tar: links as links, numeric owners, one file system).
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
