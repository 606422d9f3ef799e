"""A domain's life after its creation: disable and enable, rename, delete.

Each step changes the root's conf files through the one conf editor (virttui.conf.editor)
while it holds the root's lock once for all of them, and orders its changes so that a crash
at any moment leaves every conf line pointing at a directory that is there:

- disable comments the domain's lines out with a marker (conflines.DISABLED_MARK); enable
  restores them. Nothing else is touched.
- rename: a link NEW -> ./OLD first (so NEW is already the domain), then the conf lines and the
  aliases sent to NEW, then the directory and the link exchanged in one rename
  (renameat2 RENAME_EXCHANGE: NEW is the directory, OLD the link), then OLD removed. Run
  again after a crash, it takes up where it stopped.
- delete: the archive first (outside the lock: it can take minutes), then under the lock the
  conf lines, the aliases, and the directory renamed to a hidden name in one step; the hidden
  directory is then removed (a crash there leaves only a hidden leftover, which the next
  delete removes).
"""

import ctypes
import os
from dataclasses import dataclass, field
from pathlib import Path

from virttui.conf.editor import EditRefused, EditResult, edit_held, root_lock
from virttui.conf.lint import conf_files
from virttui.domains import conflines
from virttui.domains.archive import ArchiveFailed, archive_domain
from virttui.domains.inroot import DomainRoot
from virttui.domains.tree import remove_tree
from virttui.exit_status import ExitStatus
from virttui.names import BadDomainName, normalize_domain, printable

# Exit statuses of `virttui domain ...` (README).
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_ARCHIVE_FAILED = 4

DELETING_MARK = ".virttui-deleting-"
RENAME_EXCHANGE = 2
HOSTNAME_LIMIT = 4096
AT_FDCWD = -100


class LifeRefused(ExitStatus):
    """Nothing (more) was changed; str() is the one line to show, `status` the exit status."""


@dataclass
class LifeResult:
    domain: str
    edits: list[EditResult] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)   # aliases re-pointed (rename) or removed (delete)
    archive: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def lines_changed(self) -> int:
        return sum(len(edit.removed) for edit in self.edits)


def domain_name(name: str) -> str:
    try:
        return normalize_domain(name)
    except BadDomainName as error:
        raise LifeRefused(EXIT_BAD_INPUT, f"'{printable(name)}': {error}") from None


def aliases_of(root: Path, name: str) -> list[str]:
    """The names of the root's links to ROOT/NAME (by the link's text, not by where a chain
    of links ends), hidden entries left out."""
    found = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_symlink():
            continue
        target = os.path.normpath(os.path.join(root, os.readlink(entry.path)))
        if target == os.path.normpath(os.path.join(root, name)):
            found.append(entry.name)
    return found


def _existing_domain(root: Path, name: str) -> str:
    """The folded name of a domain (a directory, not a link) of the root."""
    name = domain_name(name)
    path = Path(root) / name
    if path.is_symlink():
        target = printable(os.readlink(path))
        raise LifeRefused(EXIT_BAD_INPUT, f"{name} is an alias of {target}: do this to {target} "
                                          "(an alias shares its domain's lines)")
    if not path.is_dir():
        raise LifeRefused(EXIT_BAD_INPUT, f"no domain {name} in {printable(str(root))}")
    return name


def _edit_every_conf(root: Path, change, result: LifeResult) -> None:
    """Apply `change` to each conf file of the root (the caller holds the root's lock)."""
    for path in conf_files(root):
        if path.is_symlink() or not path.is_file():
            continue
        try:
            edit = edit_held(path, change, root)
        except EditRefused as refused:
            raise LifeRefused(EXIT_REFUSED, str(refused)) from None
        if edit.changed:
            result.edits.append(edit)


def disable(root: Path, name: str) -> LifeResult:
    return _change_lines(root, name, conflines.comment_out)


def enable(root: Path, name: str) -> LifeResult:
    return _change_lines(root, name, conflines.restore)


def _change_lines(root: Path, name: str, make_change) -> LifeResult:
    """`make_change(names, root)` applied to every conf file, for the domain and its aliases."""
    root = Path(root)
    name = _existing_domain(root, name)
    result = LifeResult(name)
    with root_lock(root):
        names = {name, *aliases_of(root, name)}
        _edit_every_conf(root, make_change(names, root), result)
    return result


def rename(root: Path, old: str, new: str) -> LifeResult:
    root = Path(root)
    old, new = domain_name(old), domain_name(new)
    if old == new:
        raise LifeRefused(EXIT_BAD_INPUT, f"{old} is already its name")
    old_path, new_path = root / old, root / new
    result = LifeResult(new)
    with root_lock(root):
        if _rename_finished(old_path, new_path):
            old_path.unlink()
            result.notes.append(f"an interrupted rename of {old} to {new} was finished")
            return result
        _existing_domain(root, old)
        if new_path.is_symlink() and os.readlink(new_path) == _rename_link(old):
            result.notes.append(f"an interrupted rename of {old} to {new} was taken up again")
        elif os.path.lexists(new_path):
            raise LifeRefused(EXIT_REFUSED, f"{printable(str(new_path))} already exists: choose another name, "
                                            "or delete that one first")
        else:
            os.symlink(_rename_link(old), new_path)
        _edit_every_conf(root, conflines.redirect(old, new, root), result)
        for alias in aliases_of(root, old):
            if alias != new:
                _point_link(root / alias, new)
                result.aliases.append(alias)
        _exchange(old_path, new_path)
        old_path.unlink()
    _rename_hostname(new_path, old, new, result)
    return result


def _rename_hostname(path: Path, old: str, new: str, result: LifeResult) -> None:
    """The domain's etc/hostname, when it holds its old name (virtfs writes it so)."""
    try:
        with DomainRoot(path) as domain:
            if domain.read_text("etc/hostname", limit=HOSTNAME_LIMIT).strip() != old:
                return
            info = domain.stat("etc/hostname", follow=False)
            domain.write_file("etc/hostname", f"{new}\n".encode(), mode=info.st_mode & 0o7777,
                              owner=(info.st_uid, info.st_gid))
    except OSError as error:
        result.notes.append(f"{new}/etc/hostname left as it was: {error}")
        return
    result.notes.append(f"{new}/etc/hostname now says {new}")


def _rename_link(old: str) -> str:
    """The text of a rename's own link NEW -> OLD: './OLD', which an admin's alias (OLD) is not."""
    return f"./{old}"


def _rename_finished(old_path: Path, new_path: Path) -> bool:
    """A rename killed after the exchange: NEW the directory, OLD the rename's link to itself."""
    return (old_path.is_symlink() and os.readlink(old_path) == _rename_link(old_path.name)
            and new_path.is_dir() and not new_path.is_symlink())


def _point_link(link: Path, target: str) -> None:
    """Replace the link at `link` by one to `target`, in one rename."""
    temporary = link.with_name(f".{link.name}.virttui-link")   # one at a time: the lock is held
    try:
        temporary.unlink()
    except FileNotFoundError:
        pass
    os.symlink(target, temporary)
    os.replace(temporary, link)


def _exchange(one: Path, other: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(AT_FDCWD, os.fsencode(one), AT_FDCWD, os.fsencode(other), RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise LifeRefused(EXIT_REFUSED, f"{printable(str(one))}: cannot exchange it with {printable(other.name)}: "
                                        f"{os.strerror(code)}; its conf lines and aliases already use "
                                        f"{printable(other.name)} (a link to it), which works as it is")


def delete(root: Path, name: str, archive: bool = True, archive_directory: Path | None = None) -> LifeResult:
    """Archive (unless told not to), then take the domain out; an alias: its lines and link."""
    root = Path(root)
    name = domain_name(name)
    path = root / name
    if path.is_symlink():
        return _delete_alias(root, name)
    name = _existing_domain(root, name)
    result = LifeResult(name)
    remove_leftovers(root)
    if archive:
        try:
            result.archive = archive_domain(root, name, archive_directory)
        except ArchiveFailed as failed:
            raise LifeRefused(EXIT_ARCHIVE_FAILED, f"{failed}; nothing was deleted") from None
        except OSError as error:
            raise LifeRefused(EXIT_ARCHIVE_FAILED, f"the archive could not be written: {error}; "
                                                   "nothing was deleted") from None
    with root_lock(root):
        aliases = aliases_of(root, name)
        _edit_every_conf(root, conflines.drop({name, *aliases}, root), result)
        for alias in aliases:
            (root / alias).unlink()
            result.aliases.append(alias)
        hidden = root / f"{DELETING_MARK}{name}-{os.getpid()}"
        os.rename(path, hidden)
    _remove_tree(hidden, result)
    return result


def _delete_alias(root: Path, name: str) -> LifeResult:
    result = LifeResult(name)
    with root_lock(root):
        _edit_every_conf(root, conflines.drop({name}, root), result)
        (root / name).unlink()
    return result


def remove_leftovers(root: Path) -> list[str]:
    """Remove the hidden directories of deletes that were stopped; their names."""
    removed = []
    for entry in os.scandir(root):
        if entry.name.startswith(DELETING_MARK) and entry.is_dir(follow_symlinks=False):
            _remove_tree(Path(entry.path), LifeResult(entry.name))
            removed.append(entry.name)
    return removed


def _remove_tree(path: Path, result: LifeResult) -> None:
    """Through the domain's root (tree.remove_tree): links removed as links, never their
    targets, and never into a file system mounted inside the domain (a bind-mounted host
    directory): what cannot be removed is said and left, with the hidden directory."""
    try:
        with DomainRoot(path) as files:
            for entry, _ in files.entries("."):
                try:
                    remove_tree(files, entry)
                except OSError as error:
                    result.notes.append(f"{error}: not removed")
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        result.notes.append(f"{printable(str(path))}: not removed: {os.strerror(error.errno or 0)}")
