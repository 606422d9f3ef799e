"""What a host program needs to run in a domain: its shared libraries, recursively, and the
dynamic loader; a script's interpreter likewise.

The dynamic loader is asked (`ld.so --list PROGRAM`): it resolves DT_NEEDED names exactly
as it will at run time (ld.so.cache, hardware capability directories, RUNPATH), and unlike
`ldd` it is never fooled into running the program. Libraries loaded with dlopen (NSS, PAM
modules, a server's directory of plug-ins) appear in no DT_NEEDED: profiles name them, and
their own closures come along.

Library directories are found, not assumed: the host's multiarch directory is where the
loader finds the C library (lib/x86_64-linux-gnu, lib/aarch64-linux-gnu ...).
"""

import functools
import glob
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

from virttui.root_paths import DEFAULT_PATH

LOADERS = ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1", "/lib/ld-linux-armhf.so.3",
           "/lib/ld-linux.so.2")
GENERIC_LIBRARY_DIRECTORIES = ("/lib64", "/usr/lib64", "/lib", "/usr/lib")
HOST_PATH = DEFAULT_PATH   # the host programs a profile names are looked for here
LISTED = re.compile(r"^\s*(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)$")
MISSING_LIBRARY = re.compile(r"error while loading shared libraries: ([^:]+):")
PT_DYNAMIC = 2


class ClosureError(Exception):
    """A program whose libraries cannot be listed."""


def loader() -> str:
    for path in LOADERS:
        if os.path.exists(path):
            return path
    raise ClosureError("no dynamic loader found (looked for " + ", ".join(LOADERS) + ")")


def find_program(name: str) -> str | None:
    """The host's program `name` (on a standard PATH), or None."""
    return shutil.which(name, path=HOST_PATH)


@functools.cache
def library_directories() -> tuple[str, ...]:
    """Where the host keeps its libraries, its multiarch directory first: the one the loader
    takes the C library from for the shell, and its twin in /usr (or out of it)."""
    multiarch = []
    shell = find_program("sh")
    for library in libraries_of(os.path.realpath(shell)) if shell else []:
        if os.path.basename(library).startswith("libc.so"):
            directory = os.path.dirname(library)
            twin = directory[len("/usr"):] if directory.startswith("/usr/") else "/usr" + directory
            multiarch = [directory, twin]
            break
    return tuple(dict.fromkeys([*multiarch, *GENERIC_LIBRARY_DIRECTORIES]))


def find_library(name: str) -> list[str]:
    """Host paths of a library named by its file name (or a glob such as pam_unix.so)."""
    for directory in library_directories():
        found = sorted(glob.glob(os.path.join(directory, name)))
        if found:
            return found
    return []


def find_module_directory(name: str) -> str | None:
    """The host directory of a server's run-time modules: an absolute path as it is, a
    relative one (samba) in the library directories, multiarch first; None when absent."""
    candidates = [name] if name.startswith("/") else [os.path.join(d, name) for d in library_directories()]
    for candidate in candidates:
        if os.path.isdir(candidate):
            return os.path.realpath(candidate)
    return None


def modules_in(directory: str) -> list[str]:
    """The shared objects (*.so, *.so.N) in a directory and its subdirectories; a link to a
    directory is not entered (its files are another package's)."""
    found = []
    for parent, subdirectories, names in os.walk(directory):
        subdirectories.sort()
        for name in sorted(names):
            path = os.path.join(parent, name)
            if (name.endswith(".so") or ".so." in name) and os.path.isfile(path):
                found.append(path)
    return found


def is_elf(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def interpreter_of(path: str) -> str | None:
    """The `#!` interpreter of a script, or None."""
    with open(path, "rb") as f:
        first = f.readline(256)
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode(errors="replace").split()
    return words[0] if words else None


def is_static(path: str) -> bool:
    """An ELF file without a dynamic section: it loads no library (and the loader, asked to
    list them, may crash on it, as on busybox-static)."""
    with open(path, "rb") as f:
        header = f.read(64)
        if len(header) < 64 or header[4] not in (1, 2) or header[5] not in (1, 2):
            return False
        order = "<" if header[5] == 1 else ">"
        if header[4] == 2:
            phoff, = struct.unpack_from(order + "Q", header, 0x20)
            entry_size, count = struct.unpack_from(order + "HH", header, 0x36)
        else:
            phoff, = struct.unpack_from(order + "I", header, 0x1C)
            entry_size, count = struct.unpack_from(order + "HH", header, 0x2A)
        f.seek(phoff)
        table = f.read(entry_size * count)
    types = [struct.unpack_from(order + "I", table, i * entry_size)[0]
             for i in range(count) if (i + 1) * entry_size <= len(table)]
    return PT_DYNAMIC not in types


def libraries_of(path: str) -> list[str]:
    """Every shared library `path` loads at start, with the loader itself, as host paths."""
    if is_static(path):
        return []
    return list(_listed(path))


@functools.lru_cache(maxsize=4096)   # a plan asks again for the modules it checked
def _listed(path: str) -> tuple[str, ...]:
    result = subprocess.run([loader(), "--list", path], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        if "statically linked" in result.stdout + result.stderr or "not a dynamic" in result.stderr:
            return ()
        missing = MISSING_LIBRARY.search(result.stderr)
        if missing:
            raise ClosureError(f"{path} needs {missing.group(1)}, which the host does not have")
        raise ClosureError(f"cannot list the libraries of {path}: {result.stderr.strip() or result.stdout.strip()}")
    found = []
    for line in result.stdout.splitlines():
        if "=> not found" in line:
            raise ClosureError(f"{path} needs {line.split()[0]}, which the host does not have")
        match = LISTED.match(line)
        if match:
            found.append(match.group(1))
    return tuple(found)


def forget_listings() -> None:
    """Ask the loader again from now on (the host's libraries may have changed)."""
    _listed.cache_clear()


def symlink_chain(path: str) -> list[str]:
    """`path` and every link it goes through to the real file (each with its directory resolved)."""
    chain = []
    current = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    while current not in chain:
        chain.append(current)
        if not os.path.islink(current):
            break
        target = os.path.join(os.path.dirname(current), os.readlink(current))
        current = os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target))
    return chain


def closure(paths: list[str]) -> list[str]:
    """The files (host paths, directories resolved) the given programs and libraries need,
    themselves and the symlinks on the way included."""
    wanted, seen = list(paths), list[str]()
    while wanted:
        hops = symlink_chain(wanted.pop())
        if hops[0] in seen:
            continue
        seen.extend(hop for hop in hops if hop not in seen)
        real = hops[-1]
        if not os.path.isfile(real) or os.path.islink(real):
            continue
        if is_elf(real):
            wanted.extend(p for p in libraries_of(real) if p not in seen)
        else:
            interpreter = interpreter_of(real)
            if interpreter and interpreter not in seen:
                wanted.append(interpreter)
    return seen


def size_of(paths: list[str]) -> int:
    total = 0
    for path in paths:
        try:
            total += Path(path).stat().st_size if not os.path.islink(path) else 0
        except OSError:
            pass
    return total
