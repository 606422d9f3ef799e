"""The one way virttui changes a conf file: enable and disable, the app's address editor,
and a domain's rename or disable all come through `edit`.

An edit, under the root's lock (flock on the root directory, so that two edits of any conf
files of one root never interleave and never lose one another):
  1. reads the file as it is (a missing file is an empty one);
  2. applies the change to its lines, keeping every other line as it was (comments, blank
     lines, lines it cannot parse, the file's line endings);
  3. lints the result and refuses it when it has an error the old file did not have;
  4. writes it to a temporary file beside it, fsyncs it, gives it the old file's mode and
     owner, and renames it over the old one (then fsyncs the directory).
A crash at any moment leaves the old file or the new one, never a mix: the temporary file
is hidden (a leading dot) and removed by the next edit of that file.
"""

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from virttui.conf import conffile
from virttui.conf.conffile import DEFAULT, ERROR, Problem, canonical_address
from virttui.conf.lint import mapping_problems
from virttui.names import printable
from virttui.root_paths import same_directory

TEMPORARY_MARK = ".virttui-edit-"


class EditRefused(Exception):
    """An edit that was not made; str() is the one line to show. The file is unchanged."""


@dataclass
class EditResult:
    path: Path
    added: list[str] = field(default_factory=list)    # the lines written in
    removed: list[str] = field(default_factory=list)  # the lines taken out
    warnings: list[str] = field(default_factory=list)  # the linter's warnings on the new lines

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


# A change gets the file's lines (each with its own line ending) and returns the new lines,
# recording what it did in the result.
Change = Callable[[list[str], EditResult], list[str]]


@contextmanager
def root_lock(root: Path) -> Iterator[None]:
    """The root's edit lock: an exclusive flock on the root directory itself."""
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise EditRefused(f"the root {printable(str(root))}: cannot open it: {error.strerror}; "
                          "nothing was changed") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def edit(path: Path, change: Change, root: Path) -> EditResult:
    """Apply `change` to the conf file at `path` (in `root`), atomically, under the root's lock."""
    path = Path(path)
    with root_lock(root):
        return _edit_locked(path, change, root)


def edit_held(path: Path, change: Change, root: Path) -> EditResult:
    """As `edit`, for a caller holding `root_lock(root)` over several edits (a domain's rename,
    disable or delete changes every conf file, and the root's links, under one lock)."""
    return _edit_locked(Path(path), change, root)


def _edit_locked(path: Path, change: Change, root: Path) -> EditResult:
    old_text = _read_text(path)
    old_lines = old_text.splitlines(keepends=True)
    result = EditResult(path)
    new_lines = change(list(old_lines), result)
    if not result.changed:
        return result
    new_text = "".join(new_lines)
    new_errors = _new_errors(old_text, new_text, root)
    if new_errors:
        shown = "; ".join(f"{problem.message}" for problem in new_errors)
        raise EditRefused(f"{printable(str(path))}: the change would add an error, so it was not made: {shown}")
    result.warnings = _warnings_on(result.added, root)
    _replace(path, new_text.encode("utf-8", "surrogateescape"))
    return result


def _read_text(path: Path) -> str:
    try:
        return conffile.read_bytes(str(path)).decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return ""
    except OSError as error:
        raise EditRefused(f"{printable(str(path))}: cannot read it: {error.strerror}; nothing was changed") from None


def _new_errors(old_text: str, new_text: str, root: Path) -> list[Problem]:
    """The errors of the new text that the old one did not have (by line text and message:
    an edit is not refused for what was already wrong elsewhere in the file)."""
    before = {key for key, _ in _errors(old_text, root)}
    return [problem for key, problem in _errors(new_text, root) if key not in before]


def _errors(text: str, root: Path) -> list[tuple[tuple[str, str], Problem]]:
    lines = text.split("\n")
    conf = conffile.parse(text.encode("utf-8", "surrogateescape"))
    found = list(conf.problems)
    for mapping in conf.mappings:
        found.extend(mapping_problems(mapping, root))
    return [(((lines[p.lineno - 1].strip() if p.lineno else ""), _without_line_numbers(p.message)), p)
            for p in found if p.severity == ERROR]


def _without_line_numbers(message: str) -> str:
    """'already mapped on line 3' and 'on line 4' are one problem once lines moved."""
    words = message.split()
    return " ".join("N" if word.isdigit() else word for word in words)


def _warnings_on(lines: list[str], root: Path) -> list[str]:
    conf = conffile.parse("".join(lines).encode("utf-8", "surrogateescape"))
    return [problem.message for mapping in conf.mappings for problem in mapping_problems(mapping, root)]


def _replace(path: Path, data: bytes) -> None:
    directory = path.parent
    _remove_stale_temporaries(path)
    temporary = directory / f".{path.name}{TEMPORARY_MARK}{os.getpid()}"
    mode, owner = _mode_and_owner(path)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if owner is not None:
            os.fchown(fd, *owner)
        os.fchmod(fd, mode)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(temporary)
        raise
    os.close(fd)
    os.replace(temporary, path)
    fsync_directory(directory)


def _mode_and_owner(path: Path) -> tuple[int, tuple[int, int] | None]:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return 0o644, None
    return info.st_mode & 0o7777, (info.st_uid, info.st_gid)


def _remove_stale_temporaries(path: Path) -> None:
    """What an edit killed mid-write left (only ever ours: the lock is held)."""
    prefix = f".{path.name}{TEMPORARY_MARK}"
    for entry in os.scandir(path.parent):
        if entry.name.startswith(prefix) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# The changes enable and disable make.

def line_fields(line: str) -> tuple[str | None, str | None]:
    """A line's canonical address and directory, or (None, None) for any other line."""
    fields = line.split("#", 1)[0].split()
    if len(fields) < 2:
        return None, None
    return canonical_address(fields[0]), fields[1]


def add_mappings(addresses: list[str], directory: str, others_refused: bool = True) -> Change:
    """Add `ADDRESS DIRECTORY` for each address not already there. An address the file already
    gives another directory is refused (naming it) when `others_refused`."""
    def change(lines: list[str], result: EditResult) -> list[str]:
        taken = {}
        for number, line in enumerate(lines, start=1):
            address, target = line_fields(line)
            if address is not None and address not in taken:
                taken[address] = (number, target)
        for address in addresses:
            if address in taken:
                number, target = taken[address]
                if same_directory(target, directory):
                    continue
                if others_refused:
                    shown = "default" if address == DEFAULT else address
                    raise EditRefused(f"{printable(str(result.path))}:{number}: {shown} is already given to "
                                      f"{printable(target)}; disable it there first")
            line = f"{address} {directory}\n"
            at = len(lines) if address == DEFAULT else above_default(lines)
            if at == len(lines) and lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines.insert(at, line)
            taken[address] = (at + 1, directory)   # refusals name the lines as numbered on disk
            result.added.append(line.rstrip("\n"))
        return lines
    return change


def above_default(lines: list[str]) -> int:
    """Where a specific address's new line goes: above the first `default` line and the
    comments right above it (the linter warns of `default` above specific addresses), or at
    the end."""
    for number, line in enumerate(lines):
        if line_fields(line)[0] == DEFAULT:
            while number > 0 and lines[number - 1].lstrip().startswith("#"):
                number -= 1
            return number
    return len(lines)


def remove_mappings(directory: str, addresses: list[str] | None = None) -> Change:
    """Take out the lines sending an address (any, or those listed) to `directory`."""
    def change(lines: list[str], result: EditResult) -> list[str]:
        kept = []
        for line in lines:
            address, target = line_fields(line)
            if (address is not None and same_directory(target, directory)
                    and (addresses is None or address in addresses)):
                result.removed.append(line.rstrip("\r\n"))
                continue
            kept.append(line)
        return kept
    return change
