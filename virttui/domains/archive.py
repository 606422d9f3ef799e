"""A domain's archive before it is deleted: `tar` of its directory, links stored as links.

GNU tar, run on the root with the domain's name: it never follows a link (no -h), stores
numeric owners only (the domain's uids mean nothing on the host), keeps sparse files sparse
(a hostile 1 TB hole costs nothing), stays on the domain's file system, and reads a FIFO or
a device as the node it is, never opening it. The archive is written under a hidden name,
fsynced and renamed into place: a crash leaves no half archive under the final name.
"""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from virttui.conf.editor import fsync_directory
from virttui.names import printable

ARCHIVE_DIRECTORY = ".archive"
PARTIAL = ".partial"


class ArchiveFailed(Exception):
    """No archive was written; str() is the one line to show."""


def default_directory(root: Path) -> Path:
    return Path(root) / ARCHIVE_DIRECTORY


def archive_name(domain: str, when: float | None = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if when is None else when))
    return f"{domain}-{stamp}.tar"


def check_directory(directory: Path, domain_path: Path) -> Path:
    """The archive directory as it will be used: an existing directory outside the domain
    (the root's .archive is made when missing)."""
    directory = Path(os.path.abspath(directory))
    if os.path.realpath(directory).startswith(os.path.realpath(domain_path) + os.sep) \
            or os.path.realpath(directory) == os.path.realpath(domain_path):
        raise ArchiveFailed(f"{printable(str(directory))} is inside the domain: the archive would hold itself "
                            "and go with it")
    if not directory.is_dir():
        raise ArchiveFailed(f"{printable(str(directory))}: no such directory (make it first, or leave the "
                            "archive in the root's .archive)")
    return directory


def archive_domain(root: Path, domain: str, directory: Path | None = None) -> Path:
    """Write ROOT/DOMAIN to DIRECTORY/DOMAIN-TIMESTAMP.tar (DIRECTORY: ROOT/.archive); its path."""
    root = Path(root)
    domain_path = root / domain
    if directory is None:
        directory = default_directory(root)
        directory.mkdir(mode=0o700, exist_ok=True)
    directory = check_directory(directory, domain_path)
    tar = shutil.which("tar") or "/bin/tar"
    final = directory / archive_name(domain)
    partial = directory / f".{final.name}{PARTIAL}"
    _remove_partials(directory, domain)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        done = subprocess.run([tar, "--create", "--file", "-", "--numeric-owner", "--sparse",
                               "--one-file-system", "--directory", str(root), "--", domain],
                              stdin=subprocess.DEVNULL, stdout=fd, stderr=subprocess.PIPE)
        # 1: a file changed while it was read; the archive is still whole.
        if done.returncode not in (0, 1):
            said = done.stderr.decode(errors="replace").strip().splitlines()
            raise ArchiveFailed(f"tar of {printable(str(domain_path))} failed (status {done.returncode})"
                                + (f": {printable(said[-1])}" if said else ""))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(partial)
        raise
    os.close(fd)
    os.replace(partial, final)
    fsync_directory(directory)
    return final


def _remove_partials(directory: Path, domain: str) -> None:
    """What an archive killed mid-write left of this domain."""
    pattern = re.compile(re.escape(f".{domain}-") + r"\d{8}T\d{6}Z\.tar" + re.escape(PARTIAL))
    for entry in os.scandir(directory):
        if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)

