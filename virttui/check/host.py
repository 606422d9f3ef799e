"""The host's side of the comparisons: its copies of the domains' programs (stat once per
run, hashed only when a domain's copy has their size and another time), the packages that
own them (dpkg's file lists, read once and only when something differs), and the inodes a
domain's file must not share.
"""

import glob
import hashlib
import os
import stat

from virttui.check.scan import open_file_in

DPKG_INFO = "/var/lib/dpkg/info"
CHUNK = 1 << 20


class Host:
    def __init__(self, dpkg_info: str = DPKG_INFO):
        self.dpkg_info = dpkg_info
        self._stats: dict[str, os.stat_result | None] = {}
        self._digests: dict[str, bytes | None] = {}
        self._packages: dict[str, str] | None = None
        self._inodes: dict[tuple[int, int], str] = {}
        self._indexed: set[str] = set()

    def lstat(self, host_path: str) -> os.stat_result | None:
        if host_path not in self._stats:
            try:
                self._stats[host_path] = os.lstat(host_path)
            except OSError:
                self._stats[host_path] = None
        return self._stats[host_path]

    def differs(self, host_path: str, mine: os.stat_result, fd: int, name: str) -> bool:
        """Whether the domain's regular file `name` (in the directory open as `fd`) differs
        from the host's: sizes first, then times, and only for equal sizes and other times the
        contents."""
        theirs = self.lstat(host_path)
        if theirs is None or not stat.S_ISREG(theirs.st_mode):
            return False   # the host has no such file now: nothing to compare with
        if theirs.st_size != mine.st_size:
            return True
        if theirs.st_mtime_ns // 10**9 == mine.st_mtime_ns // 10**9:
            return False
        return self._digest(host_path) != _digest_in(fd, name)

    def _digest(self, host_path: str) -> bytes | None:
        if host_path not in self._digests:
            try:
                with open(os.open(host_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC), "rb") as f:
                    self._digests[host_path] = _digest_of(f)
            except OSError:
                self._digests[host_path] = None
        return self._digests[host_path]

    def package_of(self, host_path: str) -> str | None:
        """The Debian package that installed `host_path` (either side of the merged /usr)."""
        if self._packages is None:
            self._packages = read_dpkg_lists(self.dpkg_info)
        for spelling in (host_path, host_path.removeprefix("/usr") if host_path.startswith("/usr/")
                         else "/usr" + host_path):
            if spelling in self._packages:
                return self._packages[spelling]
        return None

    def inode_owners(self, directories) -> dict[tuple[int, int], str]:
        """(st_dev, st_ino) -> path of the host's files in `directories` (host paths, each
        listed once per run)."""
        for directory in directories:
            if directory not in self._indexed:
                self._index(directory)
        return self._inodes

    def _index(self, directory: str) -> None:
        self._indexed.add(directory)
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        if entry.is_file(follow_symlinks=False):
                            info = entry.stat(follow_symlinks=False)
                            self._inodes[(info.st_dev, info.st_ino)] = os.path.join(directory, entry.name)
                    except OSError:
                        continue
        except OSError:
            pass


def read_dpkg_lists(info: str) -> dict[str, str]:
    """path -> package from dpkg's info/*.list files (what `dpkg -S` reads, without its cost)."""
    owners: dict[str, str] = {}
    for listing in glob.glob(os.path.join(info, "*.list")):
        package = os.path.basename(listing)[:-len(".list")].split(":", 1)[0]
        try:
            with open(listing, encoding="utf-8", errors="surrogateescape") as f:
                for line in f:
                    owners.setdefault(line.rstrip("\n"), package)
        except OSError:
            continue
    return owners


def _digest_in(fd: int, name: str) -> bytes | None:
    try:
        with open(open_file_in(fd, name), "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            return _digest_of(f)
    except OSError:
        return None


def _digest_of(f) -> bytes:
    digest = hashlib.sha256()
    while chunk := f.read(CHUNK):
        digest.update(chunk)
    return digest.digest()
