"""A domain's disk use: the blocks of its own files, counted without following a link.

A domain's files are hostile: a link to the host's / is counted as the link it is, a hard
link (dev/log, or a user's thousand links to one big file) once, and a file system mounted
inside the domain (a /proc for a chroot) not at all. The walk holds a descriptor of each
directory (os.fwalk), so a directory swapped for a link meanwhile is never entered.
"""

import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DiskUse:
    bytes: int      # allocated blocks, as du counts them
    files: int      # entries of every kind, the domain's root included
    unreadable: int = 0   # directories that could not be listed (their contents are not counted)


def disk_use(directory: Path) -> DiskUse:
    """The disk use of the directory `directory` (not followed if it is itself a link)."""
    top = os.stat(directory, follow_symlinks=False)
    if not stat.S_ISDIR(top.st_mode):
        raise NotADirectoryError(20, "not a directory", str(directory))
    seen: set[tuple[int, int]] = set()
    total = top.st_blocks * 512
    files = 1
    unreadable = 0

    def failed(_error: OSError) -> None:
        nonlocal unreadable
        unreadable += 1

    for _path, dirnames, filenames, dir_fd in os.fwalk(directory, follow_symlinks=False, onerror=failed):
        below = []
        for name in dirnames + filenames:
            try:
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except OSError:
                continue    # gone meanwhile
            if info.st_dev != top.st_dev:
                continue    # a mount point: another file system's blocks
            if stat.S_ISDIR(info.st_mode):
                below.append(name)
            files += 1
            if info.st_nlink > 1:
                key = (info.st_dev, info.st_ino)
                if key in seen:
                    continue
                seen.add(key)
            total += info.st_blocks * 512
        dirnames[:] = [name for name in dirnames if name in below]
    return DiskUse(total, files, unreadable)

