"""The virtuald conf files: `ADDRESS DIR` per line.

One parser for virtuald, the domain model, the linter and the screens.
Standard library only and cheap to import: virtuald runs it per connection.

The rules (DESIGN.md): `#` comments and blank lines are ignored; spaces or
tabs separate; CRLF and trailing blanks are ignored; the last line needs no
newline. ADDRESS is IPv4, IPv6 (compared canonically, `::ffff:a.b.c.d` is
`a.b.c.d`) or `default`. An exact address wins over `default` wherever the
default line stands; when an address repeats, its first line wins.
"""

# The C module under `socket`: the same calls, without the enum set-up the wrapper does at
# import (about 8 ms, paid again by virtuald on every connection).
import _socket as socket
import errno
import os
import stat

DEFAULT = "default"
MAX_LINE = 4096

ERROR = "error"
WARNING = "warning"


class Mapping:
    """One `ADDRESS DIR` line: `address` is canonical text or DEFAULT."""

    __slots__ = ("lineno", "address", "directory")

    def __init__(self, lineno: int, address: str, directory: str):
        self.lineno = lineno
        self.address = address
        self.directory = directory

    def __repr__(self) -> str:
        return f"Mapping({self.lineno}, {self.address!r}, {self.directory!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and (
            (self.lineno, self.address, self.directory)
            == (other.lineno, other.address, other.directory))


class Problem:
    """Something wrong on one line of a conf file."""

    __slots__ = ("lineno", "severity", "message")

    def __init__(self, lineno: int, severity: str, message: str):
        self.lineno = lineno
        self.severity = severity
        self.message = message

    def __repr__(self) -> str:
        return f"Problem({self.lineno}, {self.severity!r}, {self.message!r})"


class ConfFile:
    """A parsed conf file: its mappings in file order and the problems seen. `relative` holds
    the lines refused for a relative directory: not mappings, but still an address's first
    line, so that virtuald fails on them rather than falling through to `default`."""

    __slots__ = ("mappings", "problems", "relative")

    def __init__(self, mappings: list, problems: list, relative: list | tuple = ()):
        self.mappings = mappings
        self.problems = problems
        self.relative = list(relative)

    def lookup(self, address: str):
        """The line for a local address: its first exact line, else the first default (a
        relative line among them is returned as it is: the caller refuses its directory)."""
        wanted = canonical_address(address)
        fallback = None
        lines = self.mappings
        if self.relative:
            lines = sorted(self.mappings + self.relative, key=lambda mapping: mapping.lineno)
        for mapping in lines:
            if mapping.address == wanted and wanted is not None:
                return mapping
            if mapping.address == DEFAULT and fallback is None:
                fallback = mapping
        return fallback

    def mappings_to(self, directory: str) -> list:
        return [m for m in self.mappings if m.directory.rstrip("/") == directory.rstrip("/")]


def canonical_address(text: str):
    """Canonical text of an IPv4 or IPv6 address, `default`, or None when it is neither."""
    if text == DEFAULT:
        return DEFAULT
    if "%" in text:  # a zone index (fe80::1%eth0) names no single address in a conf file
        return None
    try:
        return socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, text))
    except (OSError, ValueError):
        pass
    try:
        packed = socket.inet_pton(socket.AF_INET6, text)
    except (OSError, ValueError):
        return None
    if packed[:12] == b"\0" * 10 + b"\xff\xff":
        return socket.inet_ntop(socket.AF_INET, packed[12:])
    return socket.inet_ntop(socket.AF_INET6, packed)


def _quoted(text: str) -> str:
    """A field as a message shows it (names.quoted)."""
    from virttui.names import quoted  # here: virtuald, which never builds a message, never loads it
    return quoted(text)


def parse(data: bytes) -> ConfFile:
    """Parse a conf file's bytes; never raises, whatever the bytes."""
    text = data.decode("utf-8", "surrogateescape")
    mappings, problems, relative = [], [], []
    seen: dict[str, int] = {}
    default_line = None
    for lineno, line in enumerate(text.split("\n"), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(line) > MAX_LINE:
            problems.append(Problem(lineno, ERROR, f"line longer than {MAX_LINE} characters; it is ignored"))
            continue
        if "\0" in line:
            problems.append(Problem(lineno, ERROR, "NUL byte in the line; it is ignored"))
            continue
        if len(fields) == 1:
            problems.append(Problem(lineno, ERROR, f"{_quoted(fields[0])} has no directory: write 'ADDRESS DIR'"))
            continue
        address = canonical_address(fields[0])
        if address is None:
            problems.append(Problem(lineno, ERROR, f"{_quoted(fields[0])} is not an IPv4 or IPv6 address nor 'default'"))
            continue
        directory = fields[1]
        if len(fields) > 2:
            problems.append(Problem(lineno, ERROR, f"extra text after the directory: {_quoted(' '.join(fields[2:]))}"))
        if not directory.startswith("/"):
            problems.append(Problem(lineno, ERROR, f"directory {_quoted(directory)} is relative: write an absolute path"))
            relative.append(Mapping(lineno, address, directory))
            continue
        if address in seen:
            problems.append(Problem(
                lineno, ERROR if address != DEFAULT else WARNING,
                f"{fields[0]} already mapped on line {seen[address]}; that first line wins"))
            continue
        seen[address] = lineno
        if address == DEFAULT:
            default_line = lineno
        elif default_line is not None:
            problems.append(Problem(
                default_line, WARNING,
                "'default' stands above specific addresses: virtuald matches exact addresses first,"
                " the 1998 daemon took whichever line came first"))
            default_line = None  # said once
        mappings.append(Mapping(lineno, address, directory))
    return ConfFile(mappings, problems, relative)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the conf file at `path`, which must be a regular file: a FIFO or a device
    would block the read or never end it. stat refuses them before any open, and the open is
    non-blocking and checked again with fstat, so a file swapped in between is refused too.
    OSError propagates (the caller says what failed)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(errno.EINVAL, "not a regular file", path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read(path: str | os.PathLike[str]) -> ConfFile:
    """Parse the conf file at `path`; OSError propagates (the caller says what failed)."""
    return parse(read_bytes(path))
