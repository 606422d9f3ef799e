"""The dispatcher's conf file, read again when it changes.

A stat per check (about 1.5 us) tells a change: another inode (an editor that renames a new
file into place), size, mtime or ctime. A file written within the last moments may change
again inside the same timestamp tick, so it is read again at the next checks until it is
older than that. A new conf with an error keeps the mapping in use, and so does a file that
has gone: both are logged once. Standard library only.
"""

import os
import time

from virttui.conf.conffile import DEFAULT, ERROR, parse, read_bytes
from virttui.virtuald.core import EXIT_CONF, Failure

RACY_NS = 50_000_000  # a file this young may still change without its mtime moving


def table_of(conf) -> dict[str, str]:
    """Canonical address (or DEFAULT) -> directory of its first line, as ConfFile.lookup
    answers it (a relative line included: the child refuses its directory)."""
    table: dict[str, str] = {}
    for mapping in sorted(conf.mappings + conf.relative, key=lambda m: m.lineno):
        table.setdefault(mapping.address, mapping.directory)
    return table


def signature(st) -> tuple:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class ConfWatch:
    def __init__(self, path: str, log):
        self.path = path
        self.log = log
        self.signature: tuple | None = None
        self.data: bytes | None = None
        self.table: dict[str, str] = {}
        self.default: str | None = None
        self.racy = False
        self.loaded = ""  # when the mapping in use was read, for the log and the status file
        self.kept: str | None = None  # why the file on disk is not the mapping in use, or None

    def start(self) -> None:
        """The first read: a file that cannot be read is a Failure (exit 66); errors in it
        are logged and its valid lines served, as virtuald per connection would."""
        try:
            st = os.stat(self.path)
            data = read_bytes(self.path)
        except OSError as error:
            raise Failure(EXIT_CONF, f"cannot read conf file {self.path}: {error.strerror}") from None
        conf = parse(data)
        for problem in conf.problems:
            if problem.severity == ERROR:
                self.log.send(f"{self.path}:{problem.lineno}: {problem.message}")
        self._use(conf, data, st)

    def lookup(self, address: str):
        return self.table.get(address, self.default)

    def check(self, force: bool = False) -> None:
        try:
            st = os.stat(self.path)
        except OSError as error:
            self.racy = False
            self._keep(("gone", error.errno), f"cannot read conf file {self.path}: {error.strerror}")
            return
        if force or self.racy or signature(st) != self.signature:
            self._reload(st)

    def _reload(self, st) -> None:
        try:
            data = read_bytes(self.path)
        except OSError as error:
            self._keep(signature(st), f"cannot read conf file {self.path}: {error.strerror}")
            return
        if data == self.data:
            self._mark_read(st)
            self.kept = None
            return
        conf = parse(data)
        errors = [problem for problem in conf.problems if problem.severity == ERROR]
        if errors:
            self._keep(signature(st), f"{self.path}:{errors[0].lineno}: {errors[0].message}")
            self.racy = self._young(st)
            return
        self._use(conf, data, st)
        self.log.send(f"conf file {self.path} read again: {len(conf.mappings)} mappings")

    def _use(self, conf, data: bytes, st) -> None:
        self.table = table_of(conf)
        self.default = self.table.get(DEFAULT)
        self.data = data
        self.loaded = time.strftime("%Y-%m-%d %H:%M:%S")
        self.kept = None
        self._mark_read(st)

    def _mark_read(self, st) -> None:
        self.signature = signature(st)
        self.racy = self._young(st)

    @staticmethod
    def _young(st) -> bool:
        return st.st_mtime_ns + RACY_NS > time.time_ns()

    def _keep(self, new_signature: tuple, why: str) -> None:
        self.signature = new_signature
        message = f"{why}; still serving the mapping read at {self.loaded}"
        if message != self.kept:
            self.kept = message
            self.log.send(message)
