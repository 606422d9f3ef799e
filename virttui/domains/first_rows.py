"""The first rows of a root: what the app's first screen shows, read before that screen.

A root of 100,000 domains is listed in one scandir, but sorting out every entry, parsing
every conf line and opening every domain takes seconds. The first screen shows a page of
rows sorted by name: this reads those rows alone, with what they show (their addresses,
users and dev/log), while the rest of the root is read in the background by
`list_root`, `read_confs` and `load_details`, which find the same values.

A domain's addresses come from the conf lines that name it or one of its aliases, found
with one search of each conf file; a line counts as the full parse counts it (a line
whose address an earlier line already maps is not a mapping: the first line wins).
"""

import heapq
import os
import pickle
import re
import select
import signal
import time
from operator import attrgetter
from pathlib import Path

from virttui.conf import conffile
from virttui.domains.discovery import (
    CONF_PREFIX,
    DISABLED_MARK,
    Domain,
    Root,
    classify_entry,
    disabled_lines,
    domain_of_directory,
    list_root,
    load_details,
    outside_problem,
)


def first_rows(root: Path, socket_path: Path | None, devlog_target: Path | None, rows: int) -> Root:
    """The first `rows` domains and aliases of the root by name, their addresses, users and
    dev/log read; the model is `partial` (no conf views, counts or problems of the root)."""
    root = Path(root)
    socket_path = Path(socket_path) if socket_path else root / "log"
    try:
        with os.scandir(root) as listing:
            entries = list(listing)
    except OSError:   # missing or unreadable: list_root says why, and there are no rows
        return list_root(root, socket_path)
    model = Root(root, socket_path, partial=True)
    scratch = Root(root, socket_path)   # the root's problems are told by the full listing
    model.domains = _first_domains(entries, root, socket_path, scratch, rows)
    links = [entry for entry in entries if entry.is_symlink()]
    confs = [entry for entry in entries if entry.name.startswith(CONF_PREFIX)]
    shown = {domain.name: domain for domain in model.domains if not domain.alias_of}
    names = dict.fromkeys(shown, None) | _aliases_of(shown, links, root, socket_path, scratch)
    for entry in sorted(confs, key=attrgetter("name")) if names else ():
        if classify_entry(entry, root, socket_path, scratch) == "conf":
            _addresses_from(Path(entry.path), names, shown, root)
    for domain in model.domains:
        load_details(domain, devlog_target)
    return model


def _first_domains(entries: list, root: Path, socket_path: Path, scratch: Root, rows: int) -> list[Domain]:
    """The first `rows` entries by name that are domains or aliases (odd entries skipped)."""
    wanted = rows + 16
    while True:
        found = []
        for entry in heapq.nsmallest(wanted, entries, key=attrgetter("name")):
            kind = classify_entry(entry, root, socket_path, scratch)
            if kind == "domain":
                found.append(Domain(entry.name, root))
            elif kind == "alias":
                found.append(_alias(entry, entries, root, socket_path, scratch))
            if len(found) == rows:
                return found
        if wanted >= len(entries):
            return found
        wanted *= 4


def _alias(entry, entries: list, root: Path, socket_path: Path, scratch: Root) -> Domain:
    target = os.path.basename(os.path.realpath(entry.path))
    alias = Domain(entry.name, root, alias_of=target)
    pointed = next((other for other in entries if other.name == target), None)
    if pointed is None or classify_entry(pointed, root, socket_path, scratch) != "domain":
        alias.problems.append(outside_problem(entry.path))
    return alias


def _aliases_of(shown: dict[str, Domain], links: list, root: Path, socket_path: Path,
                scratch: Root) -> dict[str, str]:
    """alias name -> the shown domain it is an alias of. A link is resolved (realpath, a
    stat per component) only when its text could end at a shown domain or another link."""
    link_names = {entry.name for entry in links}
    found = {}
    for entry in links:
        try:
            last = os.path.basename(os.path.normpath(os.readlink(entry.path)))
        except OSError:
            continue
        if last not in shown and last not in link_names:
            continue
        if classify_entry(entry, root, socket_path, scratch) == "alias":
            target = os.path.basename(os.path.realpath(entry.path))
            if target in shown:
                found[entry.name] = target
    return found


def _addresses_from(path: Path, names: dict[str, str | None], shown: dict[str, Domain], root: Path) -> None:
    """Give the shown domains the addresses of the conf file's lines whose directory is one
    of `names` (a shown domain, None, or an alias: the domain it points to)."""
    service = path.name[len(CONF_PREFIX):]
    try:
        data = conffile.read_bytes(path)
    except OSError:
        return   # read_confs tells why
    search = re.compile(b"/(?:" + b"|".join(re.escape(name.encode()) for name in names) + b")")
    starts = sorted({data.rfind(b"\n", 0, found.start()) + 1 for found in search.finditer(data)})
    for start in starts:
        line = _line_at(data, start)
        if line.startswith(DISABLED_MARK.encode()):
            lines, into = disabled_lines(line), "disabled"
        else:
            lines, into = _mapping_of(data, start, line), "addresses"
        for address, directory in lines:
            name = domain_of_directory(root, directory)
            if name in names:
                domain = shown[names[name] or name]
                getattr(domain, into).setdefault(service, []).append(address)


def _line_at(data: bytes, start: int) -> bytes:
    end = data.find(b"\n", start)
    return data[start:] if end < 0 else data[start:end]


def _mapping_of(data: bytes, start: int, line: bytes) -> list[tuple[str, str]]:
    """[(address, directory)] of the line at `start` as the parse of the whole file sees
    it: [] when it is no mapping, or when an earlier line maps the same address."""
    parsed = conffile.parse(line).mappings
    if not parsed:
        return []
    address = parsed[0].address
    # An earlier line with the same address holds its text, or is IPv6 (another spelling
    # of the same address): only those lines are parsed again.
    token = line.split(b"#", 1)[0].split()[0]
    for needle in (token, b":"):
        at = data.find(needle, 0, start)
        while at >= 0:
            earlier = data.rfind(b"\n", 0, at) + 1
            if any(m.address == address for m in conffile.parse(_line_at(data, earlier)).mappings):
                return []
            next_line = data.find(b"\n", at)
            at = data.find(needle, next_line, start) if 0 <= next_line < start else -1
    return [(address, parsed[0].directory)]


class FirstRowsReader:
    """first_rows read by a process forked before the app's modules load. It runs on another
    processor while they load (a thread would mostly wait for the interpreter's lock, which
    the loading holds), and hands the rows over a pipe. Fork it before any thread starts."""

    def __init__(self, root: Path, socket_path: Path | None, devlog_target: Path | None, rows: int):
        self._pid, self._pipe = None, None
        reading, writing = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reading)
            os.close(writing)
            return
        if pid == 0:
            os.close(reading)
            _read_into(writing, root, socket_path, devlog_target, rows)
        os.close(writing)
        self._pid, self._pipe = pid, reading

    def model(self, timeout: float = 1.0) -> Root | None:
        """The rows read, once they are; None if the reading failed or took longer than
        `timeout` seconds (the app's worker reads the root anyway)."""
        pid, pipe = self._pid, self._pipe
        if pid is None or pipe is None:
            return None
        data, deadline = bytearray(), time.monotonic() + timeout
        try:
            while select.select([pipe], [], [], max(deadline - time.monotonic(), 0))[0]:
                chunk = os.read(pipe, 1 << 16)
                if not chunk:
                    break
                data += chunk
            else:
                os.kill(pid, signal.SIGKILL)
                data = bytearray()
        finally:
            os.close(pipe)
            _, status = os.waitpid(pid, 0)
            self._pid = self._pipe = None
        return pickle.loads(data) if data and status == 0 else None


def _read_into(pipe: int, *args) -> None:
    """The forked reader: the rows, pickled into the pipe; it never returns, never writes
    anywhere else (its terminal is the app's), and runs no exit handler of the app."""
    status = 1
    try:
        data = pickle.dumps(first_rows(*args))
        with open(pipe, "wb") as out:
            out.write(data)
        status = 0
    finally:
        os._exit(status)


def carry_over(model: Root, first: Root) -> None:
    """Give the domains of the full listing what was read of them with the first rows (the
    full reading then finds the same, and a row on screen keeps its values meanwhile)."""
    read = {domain.name: domain for domain in first.domains if domain.loaded and not domain.alias_of}
    for domain in model.domains:
        earlier = read.get(domain.name)
        if earlier is None or domain.alias_of:
            continue
        domain.addresses, domain.disabled = earlier.addresses, earlier.disabled
        domain.users, domain.devlog, domain.problems = earlier.users, earlier.devlog, earlier.problems
        domain.loaded = True
